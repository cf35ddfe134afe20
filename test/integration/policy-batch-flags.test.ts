/**
 * Flags of policy batches and their neighbours that a review found ignored: --max-workers (and so
 * --fail-fast) on verify --policy, the streamed report's exit code, and options that need another.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { runCli } from '../support/run-cli.js';

const POLICY = ['--policy', 'fixtures/demo-policy.yaml', '--image-name', 'registry.example/trustgate/demo'];
const TRUST = ['--key', 'fixtures/trust/cosign.pub', '--trusted-root', 'fixtures/trust/trusted_root.json'];
const work = mkdtempSync(join(tmpdir(), 'tg-policy-batch-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('verify --policy batches', () => {
  test('--max-workers 1 with --fail-fast: images after the first failure are not started', () => {
    const list = join(work, 'list.txt');
    writeFileSync(list, 'oci:fixtures/does-not-exist\noci:fixtures/demo\noci:fixtures/demo:latest\n');
    const r = runCli([
      'verify',
      ...POLICY,
      '--images-from',
      list,
      '--fail-fast',
      '--max-workers',
      '1',
      '-o',
      'jsonl',
    ]);
    expect(r.code, r.stderr).toBe(ExitCode.FAILURE);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { checks: Array<{ id: string; reason: string }> });
    expect(lines).toHaveLength(3);
    for (const later of lines.slice(1))
      expect(later.checks.find((c) => c.id === 'verification')?.reason).toContain(
        '--fail-fast stopped the run',
      );
  });

  test("a streamed -o report says the process's exit code, an unreadable manifest included", () => {
    const good = join(work, 'compose.yaml');
    const bad = join(work, 'bad.yaml');
    writeFileSync(good, 'services:\n  a:\n    image: oci:fixtures/demo\n');
    writeFileSync(bad, 'services: [\n');
    const r = runCli(['verify', ...POLICY, '--from-manifests', good, bad, '-o', 'report']);
    expect(r.code, r.stderr).toBe(ExitCode.FAILURE);
    expect((JSON.parse(r.stdout) as { exitCode: number }).exitCode).toBe(ExitCode.FAILURE);
  });
});

describe('options that need another', () => {
  test('--vsa-verifier-id without --policy, and --strict-policy without a CUE policy, are usage errors', () => {
    const v = runCli(['verify', ...TRUST, '--vsa-verifier-id', 'https://ci.example/v', 'oci:fixtures/demo']);
    expect(v.code).toBe(ExitCode.USAGE);
    expect(v.stderr).toContain('--vsa-verifier-id needs --policy');
    const s = runCli(['verify-attestation', ...TRUST, '--strict-policy', 'oci:fixtures/demo']);
    expect(s.code).toBe(ExitCode.USAGE);
    expect(s.stderr).toContain('--strict-policy needs --policy FILE.cue');
  });

  test('extract refuses --output-file (its bytes go to --output), so no payload escapes to the terminal', () => {
    const out = join(work, 'x.json');
    const r = runCli(['extract', '--type', 'cyclonedx', ...TRUST, '--output-file', out, 'oci:fixtures/demo']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--output-file does not apply to extract');
  });
});
