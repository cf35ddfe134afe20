/** A 5 MB SBOM attestation (the 100 MB one is bench/extract-large): verified, extracted exactly, bounded. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { largeSbomLayout } from '../support/large-sbom.js';
import { repoRoot } from '../support/repo-root.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-large-'));
const { layout, keyFile, sbom } = largeSbomLayout(dir, 5 * 1024 * 1024);
const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot(), 'bin', 'trustgate.js'), ...args], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
const trust = ['--key', keyFile, '--insecure-ignore-tlog'];

describe('a 5 MB SBOM attestation', () => {
  test('verify-attestation and extract --predicate-only hand back exactly the SBOM', () => {
    const v = cli(['verify-attestation', '--type', 'cyclonedx', ...trust, `oci:${layout}:v1`]);
    expect(v.status, v.stderr.toString()).toBe(ExitCode.OK);
    const out = join(dir, 'sbom.json');
    const x = cli([
      'extract',
      '--type',
      'cyclonedx',
      '--predicate-only',
      '--output',
      out,
      ...trust,
      `oci:${layout}:v1`,
    ]);
    expect(x.status, x.stderr.toString()).toBe(ExitCode.OK);
    expect(readFileSync(out).equals(sbom)).toBe(true);
  });

  test('a payload over --max-payload-size fails with a clear error', () => {
    const r = cli([
      'verify-attestation',
      '--type',
      'cyclonedx',
      '--max-payload-size',
      '1MiB',
      ...trust,
      `oci:${layout}:v1`,
    ]);
    expect(r.status).toBe(ExitCode.FAILURE);
    expect(r.stderr.toString() + r.stdout.toString()).toContain('1048576-byte limit');
  });
});
