/**
 * cosign's registry, discovery and run-control flags on the built CLI, on the demo layout (a
 * `cosign save` folder signed with fixtures/trust/cosign.pub): no registry needed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../support/run-cli.js';

const TRUST = ['--key', 'fixtures/trust/cosign.pub', '--trusted-root', 'fixtures/trust/trusted_root.json'];
const demo = (...extra: string[]) => runCli(['verify', ...TRUST, '--insecure-ignore-tlog', ...extra]);

describe('cosign flags on verify and verify-attestation', () => {
  test('--local-image reads the argument as a cosign save folder', () => {
    const r = demo('--local-image', 'fixtures/demo');
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain('oci:fixtures/demo');
    expect(demo('--local-image=true', 'fixtures/demo').code).toBe(0);
    // The wrong key: none matched, so the layout really was read and checked.
    const wrong = runCli([
      'verify',
      '--key',
      'fixtures/trust/wrong.pub',
      '--insecure-ignore-tlog',
      '--local-image',
      'fixtures/demo',
    ]);
    expect(wrong.code).toBe(12);
  });

  test('--local-image=false leaves the argument as given (an oci: reference still reads the layout)', () => {
    expect(demo('--local-image=false', 'oci:fixtures/demo').code).toBe(0);
  });

  test('--new-bundle-format: verify falls back to the .sig a layout has (cosign 3); verify-attestation reads bundles only', () => {
    expect(demo('--local-image', '--new-bundle-format', 'fixtures/demo').code).toBe(0);
    const att = (...extra: string[]) =>
      runCli([
        'verify-attestation',
        '--type',
        'any',
        ...TRUST,
        '--insecure-ignore-tlog',
        '--local-image',
        ...extra,
        'fixtures/demo',
      ]);
    expect(att('--new-bundle-format').code).toBe(10);
    expect(att('--new-bundle-format=false').code).toBe(0);
    expect(demo('--local-image', '--new-bundle-format=false', 'fixtures/demo').code).toBe(0);
    expect(demo('--local-image', '--experimental-oci11', 'fixtures/demo').code).toBe(0);
    const bad = demo('--local-image', '--new-bundle-format=maybe', 'fixtures/demo');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--new-bundle-format takes true or false, got "maybe"');
  });

  test("every boolean takes =true|=false, trustgate's own too", () => {
    expect(demo('--local-image', '--insecure-ignore-tlog=true', 'fixtures/demo').code).toBe(0);
    expect(
      demo('--local-image', '--fail-fast=false', '--allow-http-registry=false', 'fixtures/demo').code,
    ).toBe(0);
  });

  test('--offline refuses a key URL, naming it, before any request', () => {
    const r = runCli([
      'verify',
      '--offline',
      '--key',
      'https://example.invalid/cosign.pub',
      '--local-image',
      'fixtures/demo',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--key https://example.invalid/cosign.pub: fetching the key needs the network',
    );
    const att = runCli([
      'verify-attestation',
      '--offline=true',
      '--key',
      'https://example.invalid/k.pub',
      '--local-image',
      'fixtures/demo',
    ]);
    expect(att.code).toBe(2);
    // With a file the same run is fine offline.
    expect(demo('--offline', '--local-image', 'fixtures/demo').code).toBe(0);
  });

  test('--output-file gets what stdout would have had; stdout stays empty', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tg-outfile-')), 'out.txt');
    const plain = demo('--local-image', 'fixtures/demo');
    const r = demo('--local-image', 'fixtures/demo', '--output-file', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(plain.stdout);
    expect(plain.stdout.length).toBeGreaterThan(0);
  });

  test('refusals are one line and exit 2: --k8s-keychain, a bad tag prefix, --max-workers 0', () => {
    for (const [flags, text] of [
      [['--k8s-keychain'], '--k8s-keychain is not supported; use docker config'],
      [['--attachment-tag-prefix', 'a/b'], '--attachment-tag-prefix "a/b" cannot start a tag'],
      [['--max-workers', '0'], '--max-workers "0" must be a whole number'],
      [['-t', 'forever'], '--timeout "forever" is not a duration'],
    ] as const) {
      const r = demo('--local-image', ...flags, 'fixtures/demo');
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(text);
    }
  });

  test('verify-attestation takes the same flags', () => {
    const r = runCli([
      'verify-attestation',
      ...TRUST,
      '--insecure-ignore-tlog',
      '--local-image',
      '--new-bundle-format=false',
      '--max-workers',
      '2',
      '-t',
      '1m',
      'fixtures/demo',
    ]);
    expect(r.stderr).not.toContain('unknown option');
    expect([0, 10, 12]).toContain(r.code);
  });
});
