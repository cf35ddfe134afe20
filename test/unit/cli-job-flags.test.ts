/**
 * The CLI job commands map flags to a run's parts (src/cli/trust-options.ts, registry-options.ts):
 * trust input, discovery limits and source options, with the usage errors the flags always had.
 */
import { describe, expect, test } from 'vitest';
import { sourceOptionsFromFlags } from '../../src/cli/registry-options.js';
import { limitsFromFlags, trustInputFromFlags } from '../../src/cli/trust-options.js';

describe('trustInputFromFlags', () => {
  test('--key with the default root; --require-docker-reference passed through', () => {
    expect(
      trustInputFromFlags(
        { key: ['a.pub', 'b.pub'], insecureIgnoreTlog: true },
        { requireDockerReference: false },
      ),
    ).toEqual({
      keys: ['a.pub', 'b.pub'],
      root: { embedded: 'public-good' },
      ignoreTlog: true,
      ignoreSct: false,
      requireDockerReference: false,
    });
  });

  test('keyless flags become an identity input, claims by OID; --trusted-root keeps the Rekor key', () => {
    const t = trustInputFromFlags({
      certificateIdentity: 'me@example.com',
      certificateOidcIssuerRegexp: 'https://issuer\\.example',
      certificateGithubWorkflowRef: 'refs/tags/v1',
      trustedRoot: 'root.json',
      rekorPublicKey: 'rekor.pub',
    });
    expect(t.identity).toEqual({
      identity: 'me@example.com',
      issuerRegexp: 'https://issuer\\.example',
      claims: { '1.3.6.1.4.1.57264.1.6': 'refs/tags/v1' },
    });
    expect(t.root).toEqual({ trustedRoot: 'root.json', rekorPublicKey: 'rekor.pub' });
    expect(t.keys).toEqual([]);
  });

  test('a TUF mirror and a private CA are root specs of their own', () => {
    expect(trustInputFromFlags({ key: ['k'], tufMirror: 'https://tuf', tufRoot: 'r.json' }).root).toEqual({
      tufMirror: 'https://tuf',
      tufRoot: 'r.json',
    });
    expect(trustInputFromFlags({ key: ['k'], caRoots: 'ca.pem', caIntermediates: 'i.pem' }).root).toEqual({
      caRoots: 'ca.pem',
      caIntermediates: 'i.pem',
    });
  });

  test('contradictory flags are usage errors, in the order they always were', () => {
    expect(() => trustInputFromFlags({})).toThrow(/give either --key, or --certificate-identity/);
    expect(() => trustInputFromFlags({ key: ['k'], certificateIdentity: 'me' })).toThrow(/give either --key/);
    expect(() => trustInputFromFlags({ key: ['k'], tufMirror: 'https://tuf', offline: true })).toThrow(
      /--tuf-mirror goes online/,
    );
    expect(() => trustInputFromFlags({ key: ['k'], tufRoot: 'r.json' })).toThrow(
      /--tuf-root needs --tuf-mirror/,
    );
    // Both wrong: the trust flags are reported before the size.
    expect(() => trustInputFromFlags({ maxPayloadSize: 'lots' })).toThrow(/give either --key/);
    expect(() => trustInputFromFlags({ key: ['k'], maxPayloadSize: 'lots' })).toThrow(
      /--max-payload-size "lots" is not a size/,
    );
  });
});

describe('limitsFromFlags', () => {
  test('--max-payload-size, 16MiB by default', () => {
    expect(limitsFromFlags({})).toEqual({ discovery: { maxPayloadBytes: 16 * 1024 * 1024 } });
    expect(limitsFromFlags({ maxPayloadSize: '200MB' })).toEqual({ discovery: { maxPayloadBytes: 200e6 } });
    expect(() => limitsFromFlags({ maxPayloadSize: '-1' })).toThrow(/is not a size/);
  });
});

describe('sourceOptionsFromFlags', () => {
  test('the registry flags, and --platform only when given', () => {
    const o = sourceOptionsFromFlags({ idleTimeout: '5', platform: 'linux/arm64' }, ['ghcr.io/a/b']);
    expect(o).toMatchObject({ timeoutMs: 5000, platform: 'linux/arm64', allowHttp: false });
    expect('platform' in sourceOptionsFromFlags({}, ['ghcr.io/a/b'])).toBe(false);
  });

  test('credentials bind to the one registry the command-line images name, or it is a usage error', () => {
    const o = sourceOptionsFromFlags({ registryToken: 't0ken' }, ['ghcr.io/a/b', undefined]);
    expect(o).toMatchObject({ registryToken: 't0ken', registryHost: 'ghcr.io' });
    expect(() => sourceOptionsFromFlags({ registryToken: 't0ken' }, ['ghcr.io/a', 'quay.io/b'])).toThrow(
      /several registries \(ghcr\.io, quay\.io\).*--registry-host/,
    );
    expect(() => sourceOptionsFromFlags({ idleTimeout: '0' }, [])).toThrow(
      /--idle-timeout must be more than 0/,
    );
  });
});
