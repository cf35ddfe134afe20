import { describe, expect, test } from 'vitest';
import { TrustgateError } from '../../src/errors.js';
import { formatDigestReference, parseReference } from '../../src/reference/parse.js';

const D = `sha256:${'a'.repeat(64)}` as const;

// [input, registry, repository, tag, digest]
const valid: Array<[string, string, string, string | undefined, string | undefined]> = [
  ['busybox', 'docker.io', 'library/busybox', undefined, undefined],
  ['busybox:1.36', 'docker.io', 'library/busybox', '1.36', undefined],
  ['library/busybox', 'docker.io', 'library/busybox', undefined, undefined],
  ['docker.io/busybox', 'docker.io', 'library/busybox', undefined, undefined],
  ['index.docker.io/busybox:latest', 'docker.io', 'library/busybox', 'latest', undefined],
  ['index.docker.io/org/app', 'docker.io', 'org/app', undefined, undefined],
  ['org/app:v1.2.3', 'docker.io', 'org/app', 'v1.2.3', undefined],
  [`busybox@${D}`, 'docker.io', 'library/busybox', undefined, D],
  [`busybox:tag@${D}`, 'docker.io', 'library/busybox', 'tag', D],
  ['ghcr.io/org/app:v1', 'ghcr.io', 'org/app', 'v1', undefined],
  ['ghcr.io/org/team/app', 'ghcr.io', 'org/team/app', undefined, undefined],
  ['localhost/app', 'localhost', 'app', undefined, undefined],
  ['localhost:5000/app:dev', 'localhost:5000', 'app', 'dev', undefined],
  [`127.0.0.1:5000/a/b@${D}`, '127.0.0.1:5000', 'a/b', undefined, D],
  ['[::1]:5000/app', '[::1]:5000', 'app', undefined, undefined],
  ['registry.example.com:443/app', 'registry.example.com:443', 'app', undefined, undefined],
  ['Registry.Example.com/app', 'registry.example.com', 'app', undefined, undefined],
  ['quay.io/a_b/c__d/e-f/g.h', 'quay.io', 'a_b/c__d/e-f/g.h', undefined, undefined],
  ['quay.io/a---b', 'quay.io', 'a---b', undefined, undefined],
  [
    'gcr.io/proj/img:TAG_with.dots-and_underscores',
    'gcr.io',
    'proj/img',
    'TAG_with.dots-and_underscores',
    undefined,
  ],
  [`app:${'t'.repeat(128)}`, 'docker.io', 'library/app', 't'.repeat(128), undefined],
  ['my-registry:5000/app', 'my-registry:5000', 'app', undefined, undefined],
  ['xn--bcher-kva.example/app', 'xn--bcher-kva.example', 'app', undefined, undefined],
];

// [input, fragment the message must contain]
const invalid: Array<[string, string]> = [
  ['', 'empty'],
  [' busybox', 'whitespace'],
  ['busy box', 'whitespace'],
  ['Busybox', 'lowercase'],
  ['docker.io/Org/app', 'lowercase'],
  ['ghcr.io/org//app', 'empty path component'],
  ['ghcr.io/org/app/', 'empty path component'],
  ['ghcr.io/-app', 'path component "-app"'],
  ['ghcr.io/app-', 'path component "app-"'],
  ['ghcr.io/a..b', 'path component "a..b"'],
  ['ghcr.io/a._b', 'path component'],
  ['app:', 'tag ""'],
  ['app:-bad', 'tag "-bad"'],
  ['app:.bad', 'tag ".bad"'],
  ['app:bad/tag', 'registry "app:bad"'],
  [`app:${'t'.repeat(129)}`, 'longer than 128'],
  ['app@sha256:abc', 'digest'],
  [`app@sha512:${'a'.repeat(128)}`, 'digest'],
  [`app@sha256:${'A'.repeat(64)}`, 'digest'],
  ['app@', 'digest'],
  ['a'.repeat(64), 'ambiguous'],
  [`ghcr.io/${'a'.repeat(260)}`, 'limit of 255'],
  ['-bad.example.com/app', 'registry'],
  ['bad_host.example.com/app', 'registry'],
  ['host.example.com:99999/app', 'out of range'],
  ['ghcr.io/', 'empty'],
  [':tag', 'repository name is empty'],
  ['oci:', 'layout path'],
  ['oci:path:bad tag', 'tag'],
  ['oci:path@sha256:123', 'digest'],
];

describe('image reference parsing', () => {
  test('has at least 40 cases', () => {
    expect(valid.length + invalid.length).toBeGreaterThanOrEqual(40);
  });

  test.each(valid)('accepts %s', (input, registry, repository, tag, digest) => {
    const r = parseReference(input);
    expect(r.kind).toBe('registry');
    if (r.kind !== 'registry') return;
    expect(r.registry).toBe(registry);
    expect(r.repository).toBe(repository);
    expect(r.tag).toBe(tag);
    expect(r.digest).toBe(digest);
    expect(r.original).toBe(input);
  });

  test.each(invalid)('rejects %j naming the bad part', (input, fragment) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrustgateError);
    const e = err as TrustgateError;
    expect(e.code).toBe('REFERENCE_INVALID');
    expect(e.message).toContain(fragment);
    expect(e.oneLine()).not.toContain('\n');
  });

  test.each([
    ['oci:fixtures/demo', 'fixtures/demo', undefined, undefined],
    ['oci:fixtures/demo:latest', 'fixtures/demo', 'latest', undefined],
    [`oci:/abs/path/layout@${D}`, '/abs/path/layout', undefined, D],
    ['oci:./rel:dir/layout:v1', './rel:dir/layout', 'v1', undefined],
    ['oci:C:weird', 'C', 'weird', undefined],
  ])('parses layout reference %s', (input, path, tag, digest) => {
    const r = parseReference(input);
    expect(r).toMatchObject({ kind: 'layout', path });
    expect(r.tag).toBe(tag);
    expect(r.digest).toBe(digest);
  });

  test('formats the digest form every later step uses', () => {
    expect(formatDigestReference(parseReference('busybox:1'), D)).toBe(`docker.io/library/busybox@${D}`);
    expect(formatDigestReference(parseReference('localhost:5000/a:b'), D)).toBe(`localhost:5000/a@${D}`);
    expect(formatDigestReference(parseReference('oci:x/y:t'), D)).toBe(`oci:x/y@${D}`);
  });
});

test('a capitalised single-label first component (read by Docker as a registry) is refused: lower-cased it would name Docker Hub (found by fuzzing, "A/a")', () => {
  for (const ref of ['A/a', 'MyReg/team/app:v1']) {
    expect(() => parseReference(ref), ref).toThrow(
      /registry only because of its capitals; names must be lowercase/,
    );
  }
  // With a domain, a port or as localhost, the case is only folded.
  expect(parseReference('Registry.Example/app')).toMatchObject({
    registry: 'registry.example',
    repository: 'app',
  });
  expect(parseReference('MyReg:5000/app')).toMatchObject({ registry: 'myreg:5000', repository: 'app' });
  expect(parseReference('LOCALHOST/app')).toMatchObject({ registry: 'localhost', repository: 'app' });
});
