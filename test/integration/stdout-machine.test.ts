/**
 * stdout is the machine result, as in cosign: `trustgate verify … | jq` and `verify-attestation … |
 * jq` read only JSON, the summary is on stderr, and a reader that goes away ends the run quietly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { repoRoot } from '../support/repo-root.js';
import { runCli } from '../support/run-cli.js';

const TRUST = ['--key', 'fixtures/trust/cosign.pub', '--trusted-root', 'fixtures/trust/trusted_root.json'];
const DEMO = 'oci:fixtures/demo';
const SUMMARY = [
  'Verification for oci:fixtures/demo --',
  'The following checks were performed on each of these signatures:',
  '  - The cosign claims were validated',
  '  - Existence of the claims in the transparency log was verified offline',
  '  - The signatures were verified against the specified public key',
].join('\n');

/** Every non-empty stdout line, parsed as JSON (what `| jq` does with a stream of values). */
function jsonLines(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe('verify and verify-attestation: JSON on stdout, the summary on stderr', () => {
  test('verify: per image a blank line and the JSON array of verified payloads', () => {
    const r = runCli(['verify', ...TRUST, DEMO]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    expect(r.stdout.startsWith('\n[{"critical":')).toBe(true);
    const [payloads] = jsonLines(r.stdout) as Array<Array<{ critical: { type: string } }>>;
    expect(payloads![0]!.critical.type).toBe('cosign container image signature');
    expect(r.stderr).toContain(`\n${SUMMARY}\n`);
    expect(r.stdout).not.toContain('Verification for');
  });

  test('verify-attestation: one DSSE envelope per line, payload a base64 in-toto statement', () => {
    const r = runCli(['verify-attestation', '--type', 'any', ...TRUST, DEMO]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    const envelopes = jsonLines(r.stdout) as Array<{
      payloadType: string;
      payload: string;
      signatures: unknown[];
    }>;
    expect(envelopes.length).toBeGreaterThan(0);
    for (const e of envelopes) {
      expect(Object.keys(e)).toEqual(['payloadType', 'payload', 'signatures']);
      expect(JSON.parse(Buffer.from(e.payload, 'base64').toString())._type).toMatch(/in-toto/);
    }
    expect(r.stderr).toContain(SUMMARY);
  });

  test('-o text: the payload as signed; -o report: our schema; -o tree: the tree', () => {
    const text = runCli(['verify', ...TRUST, '-o', 'text', DEMO]);
    expect((jsonLines(text.stdout)[0] as { critical: unknown }).critical).toBeDefined();
    const report = runCli(['verify', ...TRUST, '-o', 'report', DEMO]);
    expect(JSON.parse(report.stdout).schemaVersion).toBe(1);
    expect(report.stderr).not.toContain('Verification for');
    const tree = runCli(['verify', ...TRUST, '-o', 'tree', DEMO]);
    expect(tree.stdout).toContain(': verified');
  });

  test('a batch: one array per verified image; a failed image adds nothing to stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-stdout-'));
    const list = join(dir, 'images.txt');
    writeFileSync(list, `${DEMO}\n${DEMO}:multi\n${DEMO}:latest\n`);
    const r = runCli(['verify', ...TRUST, '--images-from', list]);
    expect(r.code).toBe(ExitCode.NO_SIGNATURES);
    expect(jsonLines(r.stdout)).toHaveLength(2);
    expect(r.stderr).toContain('Error: oci:fixtures/demo:multi: no signatures found');
  });

  test('a failure: nothing on stdout, the reason on stderr', () => {
    const r = runCli([
      'verify',
      '--key',
      'fixtures/trust/wrong.pub',
      '--trusted-root',
      'fixtures/trust/trusted_root.json',
      DEMO,
    ]);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: oci:fixtures\/demo: .*none verified with fixtures\/trust\/wrong\.pub/m);
    expect(r.stderr).toMatch(/^ {2}- simplesigning tag:.*\.sig: /m);
  });

  test("--insecure-ignore-tlog: cosign's warning on stderr, for verify-attestation too", () => {
    const r = runCli(['verify-attestation', ...TRUST, '--insecure-ignore-tlog', DEMO]);
    expect(r.stderr).toContain(
      'WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the attestation.',
    );
  });

  test('refused: -o cosign (renamed), -o json and -o text with --policy; a policy run defaults to the tree', () => {
    const cosign = runCli(['verify', ...TRUST, '-o', 'cosign', DEMO]);
    expect(cosign.code).toBe(ExitCode.USAGE);
    expect(cosign.stderr).toContain("-o cosign was renamed: cosign's JSON is -o json (the default)");
    for (const f of ['json', 'text']) {
      const p = runCli(['verify', '--policy', 'fixtures/demo-policy.yaml', '-o', f, DEMO]);
      expect(p.code).toBe(ExitCode.USAGE);
      expect(p.stderr).toContain('use -o report');
    }
    const tree = runCli(['verify', '--policy', 'fixtures/demo-policy.yaml', DEMO]);
    expect(tree.stdout).not.toMatch(/^\s*[[{]/);
    expect(tree.stdout.length).toBeGreaterThan(0);
  });
});

test('commands with no cosign counterpart keep json and take report as its synonym', () => {
  const args = ['policy', 'diff', 'fixtures/demo-policy.yaml', 'fixtures/demo-policy.yaml', '-o'];
  const json = runCli([...args, 'json']);
  const report = runCli([...args, 'report']);
  expect(json.code, json.stderr).toBe(ExitCode.OK);
  expect(report.stdout).toBe(json.stdout);
  expect(JSON.parse(report.stdout).changes).toEqual([]);
});

describe("verify-attestation's default --type is cosign's: custom", () => {
  test('without --type only the custom predicate counts; the others are named, with the hint', () => {
    for (const typed of [[], ['--type', 'custom']]) {
      const r = runCli(['verify-attestation', ...typed, ...TRUST, DEMO]);
      expect(r.code, r.stderr).toBe(ExitCode.NO_SIGNATURES);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('https://cosign.sigstore.dev/attestation/v1');
      expect(r.stderr).toContain('found: https://cyclonedx.org/bom (1)');
      expect(r.stderr.includes('--type any for every attestation')).toBe(typed.length === 0);
    }
    const any = runCli(['verify-attestation', '--type', 'any', ...TRUST, DEMO]);
    expect(any.code, any.stderr).toBe(ExitCode.OK);
    expect(any.stdout.trim().split('\n')).toHaveLength(2);
  });
});

describe('a closed stdout (| head -c1, a failed jq) ends quietly', () => {
  /** The CLI with stdout a pipe this side closes: at once, or after the first bytes. */
  function closedEarly(args: string[], when: 'at-once' | 'after-first-bytes') {
    return new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'trustgate.js'), ...args], {
        cwd: repoRoot(),
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      if (when === 'at-once') child.stdout.destroy();
      else child.stdout.once('data', () => child.stdout.destroy());
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }

  for (const when of ['at-once', 'after-first-bytes'] as const) {
    test(`closed ${when}: no stack trace, the verdict's exit code`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tg-epipe-'));
      const list = join(dir, 'images.txt');
      // Forty spellings of one layout: forty images, forty writes to the closed pipe.
      writeFileSync(
        list,
        Array.from({ length: 40 }, (_, i) => `oci:${'./'.repeat(i)}fixtures/demo\n`).join(''),
      );
      for (const cmd of ['verify', 'verify-attestation']) {
        const typed = cmd === 'verify-attestation' ? ['--type', 'any'] : [];
        const r = await closedEarly([cmd, ...typed, ...TRUST, '--images-from', list], when);
        expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error' event|\n\s+at /);
        expect(r.code, r.stderr).toBe(ExitCode.OK);
      }
    }, 120_000);
  }
});
