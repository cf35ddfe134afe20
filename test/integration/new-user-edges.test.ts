/**
 * The rough edges of issue 14, as a new user meets them on the command line: a layout whose
 * attestations have no log entry, a policy run on an unnamed layout, extract's files and newlines,
 * export's usage line and verify-bundle's artifact argument.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import {
  COSIGN_KIND_ANNOTATION,
  CosignLayoutKind,
  REF_NAME_ANNOTATION,
} from '../../src/oci/layout/layout-source.js';
import { cosignIgnoreTlogWarning } from '../../src/output/cosign.js';
import { attestationLayer } from '../support/attest-builder.js';
import { buildSigManifest } from '../support/cosign-sig.js';
import { buildImage, descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';
import { repoRoot } from '../support/repo-root.js';
import { runCli } from '../support/run-cli.js';
import { generateKey } from '../support/signing.js';

const SLSA = 'https://slsa.dev/provenance/v0.2';
const CDX = 'https://cyclonedx.org/bom';
const work = mkdtempSync(join(tmpdir(), 'tg-edges-'));
const layout = join(work, 'layout');
const keyFile = join(work, 'key.pub');

beforeAll(() => {
  const key = generateKey('p256');
  const img = buildImage({ seed: 'new-user-edges' });
  const d = img.manifest.digest;
  // Attested with a key, no Rekor bundle: as `cosign attest --tlog-upload=false` leaves them.
  const atts = buildSigManifest([
    attestationLayer(key, d, SLSA, Buffer.from('{"builder":{"id":"b"}}')),
    attestationLayer(key, d, CDX, Buffer.from('{"bomFormat":"CycloneDX","n":1}')),
    attestationLayer(key, d, CDX, Buffer.from('{"bomFormat":"CycloneDX","n":2}')),
  ]);
  writeLayout(
    layout,
    [...img.blobs, atts.manifest, ...atts.blobs],
    [
      descriptorOf(img.manifest, {
        annotations: { [REF_NAME_ANNOTATION]: 'v1', [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.IMAGE },
      }),
      descriptorOf(atts.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.ATTS } }),
    ],
  );
  writeFileSync(keyFile, key.pem);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('verify-attestation and attestations with no log entry', () => {
  test('--type T: none matched (exit 12) with the --insecure-ignore-tlog hint, as without --type', () => {
    for (const typed of [
      ['--type', 'any'],
      ['--type', 'slsaprovenance'],
    ]) {
      const r = runCli(['verify-attestation', '--key', keyFile, ...typed, `oci:${layout}`]);
      expect(r.code, `${typed.join(' ')}: ${r.stdout}${r.stderr}`).toBe(ExitCode.NONE_MATCHED);
      expect(r.stdout + r.stderr).toContain('requires --insecure-ignore-tlog');
      expect(r.stdout + r.stderr).not.toContain('unreadable');
    }
  });

  test("--insecure-ignore-tlog prints cosign's attestation warning on stderr, once; without it, none", () => {
    const r = runCli([
      'verify-attestation',
      '--key',
      keyFile,
      '--insecure-ignore-tlog',
      '--type',
      'slsaprovenance',
      `oci:${layout}`,
    ]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    expect(r.stderr.split(cosignIgnoreTlogWarning('attestation'))).toHaveLength(2);
    expect(r.stdout).not.toContain('Skipping tlog verification');
    const strict = runCli(['verify-attestation', '--key', keyFile, `oci:${layout}`]);
    expect(strict.stderr).not.toContain('Skipping tlog verification');
  });
});

describe('policy test: a case whose image cannot be read', () => {
  test('is an error (exit 1), never a pass, even when it expects deny', () => {
    const cases = join(work, 'cases.yaml');
    writeFileSync(
      cases,
      `cases:
  - { name: typo in the path, image: "oci:${join(work, 'no-such-layout')}", expect: deny }
  - { name: unnamed layout, image: "oci:${layout}", expect: deny }
`,
    );
    const r = runCli(['policy', 'test', 'fixtures/demo-policy.yaml', '--cases', cases]);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.FAILURE);
    expect(r.stdout).toMatch(
      /^ERROR typo in the path: expected deny, but verification could not complete: /m,
    );
    expect(r.stdout).not.toContain('PASS typo in the path');
    expect(r.stdout).toContain('PASS unnamed layout: expected deny, got deny');
    expect(r.stderr).toContain('1 passed, 1 failed');
  });
});

describe('verify --policy on a layout given without --image-name', () => {
  test('the denial says the layout has no name and suggests --image-name; unread attachments are not said to have passed', () => {
    const r = runCli(['verify', '--policy', 'fixtures/demo-policy.yaml', 'oci:fixtures/demo']);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(ExitCode.FAILURE);
    expect(out).toContain(
      'no rule matches oci:fixtures/demo (noMatch: deny): an OCI layout has no registry/repository name of its own; give the name it will be pulled as with --image-name REGISTRY/REPOSITORY',
    );
    expect(out).not.toContain('had passed');
    expect(out).toContain('not read, as nothing in it could change this decision (--exhaustive reads it)');
    // Named, it is allowed, and then the attachments left unread did follow every passing check.
    const named = runCli([
      'verify',
      '--policy',
      'fixtures/demo-policy.yaml',
      '--image-name',
      'registry.example/trustgate/demo',
      'oci:fixtures/demo',
    ]);
    expect(named.code, named.stdout + named.stderr).toBe(ExitCode.OK);
    expect(named.stdout + named.stderr).not.toContain('--image-name REGISTRY/REPOSITORY');
  });
});

describe('extract: where the payloads go', () => {
  const trust = () => ['--key', keyFile, '--insecure-ignore-tlog', `oci:${layout}`];

  test('--all --output F always writes F.<n>, for one match as for several; without --all, F', () => {
    const one = join(work, 'slsa.json');
    const r1 = runCli(['extract', '--type', 'slsaprovenance', '--all', '--output', one, ...trust()]);
    expect(r1.code, r1.stderr).toBe(ExitCode.OK);
    expect(existsSync(`${one}.0`)).toBe(true);
    expect(existsSync(one)).toBe(false);
    const two = join(work, 'cdx.json');
    const r2 = runCli(['extract', '--type', 'cyclonedx', '--all', '--output', two, ...trust()]);
    expect(r2.code, r2.stderr).toBe(ExitCode.OK);
    expect([existsSync(`${two}.0`), existsSync(`${two}.1`), existsSync(two)]).toEqual([true, true, false]);
    const single = join(work, 'single.json');
    const r3 = runCli(['extract', '--type', 'slsaprovenance', '--output', single, ...trust()]);
    expect(r3.code, r3.stderr).toBe(ExitCode.OK);
    expect(readFileSync(single)).toEqual(readFileSync(`${one}.0`));
    expect(existsSync(`${single}.0`)).toBe(false);
  });

  test('to a pipe, the exact verified bytes (no newline added); with --all, a newline after each', () => {
    const r = runCli(['extract', '--type', 'slsaprovenance', '--predicate-only', ...trust()]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    expect(r.stdout).toBe('{"builder":{"id":"b"}}');
    const all = runCli(['extract', '--type', 'slsaprovenance', '--predicate-only', '--all', ...trust()]);
    expect(all.stdout).toBe('{"builder":{"id":"b"}}\n');
  });

  test.skipIf(!existsSync('/usr/bin/script'))('on a terminal, a final newline is added', () => {
    const cmd = [
      process.execPath,
      join(repoRoot(), 'bin', 'trustgate.js'),
      'extract',
      '--type',
      'slsaprovenance',
      '--predicate-only',
      ...trust(),
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    const r = spawnSync('/usr/bin/script', ['-qec', `${cmd} 2>/dev/null`, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // The terminal turns \n into \r\n.
    expect(r.stdout).toBe('{"builder":{"id":"b"}}\r\n');
  });
});

test("export's usage line shows the trust flags and --dir as required", () => {
  const r = runCli(['export', '--help']);
  expect(r.code).toBe(ExitCode.OK);
  expect(r.stdout.split('\n')[0]).toBe(
    'Usage: trustgate export (--key FILE | --certificate-identity[-regexp] SAN --certificate-oidc-issuer[-regexp] URL) --dir DIR [options] <image>',
  );
});

describe('verify-bundle: the artifact argument', () => {
  test('a short digest is a usage error (exit 2) saying what a digest is, not a file lookup', () => {
    for (const arg of ['sha256:abc', 'abc123']) {
      const r = runCli(['verify-bundle', '--bundle', keyFile, '--key', keyFile, arg]);
      expect(r.code, r.stderr).toBe(ExitCode.USAGE);
      expect(r.stderr).not.toContain('ENOENT');
      expect(r.stderr).toContain('sha256:<64 hex>');
    }
  });

  test('--digest-alg takes sha256, sha384 or sha512 only', () => {
    const r = runCli(['verify-bundle', '--bundle', keyFile, '--key', keyFile, '--digest-alg', 'md5', 'x']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain('sha512');
  });
});
