/**
 * Parity: each command vendors publish for cosign, run as written against the real cosign 2.5 and,
 * with the tool name replaced (trustgateArgs), against trustgate, on images cosign signed and attested
 * in a real registry. Pipelines (`| jq …`) run in bash with pipefail, so a failing first command is
 * seen, and their final bytes (stdout, or the file they write) are compared. Verdicts are compared as
 * pass/fail: cosign exits 1 where trustgate exits 10 or 12, a documented difference.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { peersMissingReason } from '../support/peers.js';
import { type ParityWorld, startParityWorld } from './parity/fixtures.js';
import { type ParityRow, PENDING, pendingFeatures, ROWS, trustgateArgs } from './parity/rows.js';

const missing = peersMissingReason('cosign');
if (missing) console.warn(`parity suite skipped: ${missing}`);

interface Side {
  code: number;
  sha: string;
  bytes: number;
  stderr: string;
}

interface Result {
  row: ParityRow;
  command: string;
  cosign?: Side;
  trustgate: Side;
  pending: string[];
  agree: boolean;
}

const TRUST_FROM_ENV =
  'trust: cosign from SIGSTORE_* variables (its legacy path refuses --trusted-root), trustgate --trusted-root';

/** POSIX shell quoting, so paths and regexps reach the tool unchanged. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A whole argument `$NAME` is a fixture variable (regexps ending in `$` are left alone). */
function expand(arg: string, vars: Record<string, string>): string {
  const name = /^\$([A-Z_]+)$/.exec(arg)?.[1];
  if (name === undefined) return arg;
  const v = vars[name];
  if (v === undefined) throw new Error(`parity row uses an unknown variable ${name}`);
  return v;
}

/** With `vars`, the line to run; without, the line to show, its variables left as "${NAME}". */
function commandLine(tool: string, args: string[], row: ParityRow, vars?: Record<string, string>): string {
  const shown = (a: string) => (/^\$[A-Z_]+$/.test(a) ? `"${a}"` : quote(a));
  const argv = [tool, ...args].map((a) => (vars ? quote(expand(a, vars)) : shown(a))).join(' ');
  return row.pipe ? `${argv} ${row.pipe}` : argv;
}

/** Runs one side in its own folder (pipelines may write files) without blocking the key server. */
function runSide(
  world: ParityWorld,
  side: string,
  index: number,
  line: string,
  row: ParityRow,
): Promise<Side> {
  const cwd = join(world.work, 'runs', `${index}-${side}`);
  mkdirSync(cwd, { recursive: true });
  return new Promise((resolve, reject) => {
    const env = side === 'cosign' ? { ...world.env, ...world.cosignOnlyEnv } : world.env;
    const child = spawn('bash', ['-o', 'pipefail', '-c', line], { cwd, env });
    const out: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let bytes = Buffer.concat(out);
      // Kept for a look when a row disagrees.
      writeFileSync(join(cwd, 'stdout'), bytes);
      writeFileSync(join(cwd, 'stderr'), stderr);
      if (row.outFile)
        bytes = existsSync(join(cwd, row.outFile)) ? readFileSync(join(cwd, row.outFile)) : Buffer.alloc(0);
      resolve({
        code: code ?? -1,
        sha: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.length,
        stderr,
      });
    });
  });
}

/** Same verdict, and when both verified, the same final bytes. */
function agrees(row: ParityRow, c: Side | undefined, t: Side): boolean {
  const tPass = t.code === 0;
  if (!c) return tPass === (row.expect === 'pass');
  const cPass = c.code === 0;
  if (row.cosignDiffers) return tPass === (row.expect === 'pass') && cPass !== tPass;
  return cPass === tPass && cPass === (row.expect === 'pass') && (!cPass || c.sha === t.sha);
}

function table(results: Result[]): string {
  const cols = [
    'command',
    'cosign exit',
    'cosign stdout sha256',
    'trustgate exit',
    'trustgate stdout sha256',
    'agree',
  ];
  const cells = results.map((r) => [
    r.row.name,
    r.cosign ? String(r.cosign.code) : 'n/a',
    r.cosign ? `${r.cosign.sha.slice(0, 12)} (${r.cosign.bytes} B)` : 'n/a',
    String(r.trustgate.code),
    `${r.trustgate.sha.slice(0, 12)} (${r.trustgate.bytes} B)`,
    r.pending.length > 0
      ? `pending: ${r.pending.join(', ')}`
      : !r.agree
        ? 'NO'
        : r.row.cosignDiffers
          ? 'differs, deliberately (see notes)'
          : 'yes',
  ]);
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(width[i]!))
      .join(' | ')
      .trimEnd();
  const lines = [line(cols), width.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)];
  lines.push('', 'commands (cosign side; trustgate: the tool name replaced by trustgateArgs):');
  for (const r of results) {
    const notes = [r.row.note, r.row.cosignDiffers, r.row.trustFromEnv ? TRUST_FROM_ENV : undefined].filter(
      Boolean,
    );
    lines.push(`  ${r.row.name}: ${r.command}${notes.length > 0 ? `   # ${notes.join('; ')}` : ''}`);
  }
  const pending = Object.entries(PENDING);
  if (pending.length > 0) lines.push('', 'pending features:', ...pending.map(([f, why]) => `  ${f}: ${why}`));
  return lines.join('\n');
}

describe.skipIf(missing !== undefined)(
  'published cosign commands: cosign 2.5 and trustgate side by side',
  () => {
    let world: ParityWorld;
    const results: Result[] = [];

    beforeAll(async () => {
      world = await startParityWorld();
    });

    afterAll(async () => {
      await world?.stop();
      if (results.length === 0) return;
      const text = table(results);
      const file = join(tmpdir(), `trustgate-cosign-parity-${process.pid}.txt`);
      writeFileSync(file, `${text}\n`);
      console.log(
        `\ncosign parity (exit codes; sha256 of the final bytes)\n${text}\n\ntable written to ${file}`,
      );
    });

    test.each(ROWS.map((row, i) => [row.name, row, i] as const))('%s', async (_name, row, i) => {
      const vars = world.vars;
      const tool = row.tool ?? 'cosign';
      const command = commandLine(tool, row.args, row);
      const theirs = trustgateArgs(row.args, row.tool);
      if (row.trustFromEnv) theirs.splice(1, 0, '--trusted-root', '$TRUSTED_ROOT');
      const ours = commandLine('trustgate', theirs, row, vars);
      const [c, t] = await Promise.all([
        tool === 'cosign'
          ? runSide(world, 'cosign', i, commandLine('cosign', row.args, row, vars), row)
          : undefined,
        runSide(world, 'trustgate', i, ours, row),
      ]);
      const pending = pendingFeatures(row);
      const agree = agrees(row, c, t);
      results.push({ row, command, ...(c ? { cosign: c } : {}), trustgate: t, pending, agree });
      if (pending.length > 0) return; // shown as pending, never as agreeing
      const detail = `\ncosign (${c?.code}): ${c?.stderr.slice(-600)}\ntrustgate (${t.code}): ${t.stderr.slice(-600)}`;
      if (c)
        expect(c.code === 0, `cosign's verdict is the expected one${detail}`).toBe(
          row.cosignDiffers ? row.expect !== 'pass' : row.expect === 'pass',
        );
      expect(agree, `trustgate agrees with cosign${detail}`).toBe(true);
    });
  },
);

describe('the parity table itself', () => {
  test('trustgateArgs replaces only the tool name', () => {
    const args = ['verify', '--key', '$KEY', '$LEGACY'];
    expect(trustgateArgs(args)).toEqual(args);
    expect(trustgateArgs(['verify', '-o', 'text', '$LEGACY'])).toEqual(['verify', '-o', 'text', '$LEGACY']);
    expect(trustgateArgs(['verify', '--output=json', '$LEGACY'])).toEqual([
      'verify',
      '--output=json',
      '$LEGACY',
    ]);
    expect(trustgateArgs(['verify-image', '--source-uri', 'x', 'img'], 'slsa-verifier')).toEqual([
      'verify-slsa',
      '--source-uri',
      'x',
      'img',
    ]);
  });

  test('a row that disagrees is NO, and a pending row is never counted as agreeing', () => {
    const row: ParityRow = { name: 'r', args: ['verify'], expect: 'pass', needs: ['cue'] };
    const side = (code: number, sha: string): Side => ({ code, sha, bytes: 1, stderr: '' });
    expect(agrees(row, side(0, 'a'), side(0, 'a'))).toBe(true);
    expect(agrees(row, side(0, 'a'), side(0, 'b'))).toBe(false);
    expect(agrees(row, side(0, 'a'), side(12, 'a'))).toBe(false);
    expect(agrees({ ...row, expect: 'fail' }, side(1, 'a'), side(12, 'b'))).toBe(true);
    expect(agrees(row, undefined, side(2, 'a'))).toBe(false);
    const shown = table([
      {
        row,
        command: 'cosign verify',
        cosign: side(0, 'a'),
        trustgate: side(0, 'a'),
        pending: ['cue'],
        agree: true,
      },
      {
        row: { ...row, needs: [] },
        command: 'cosign verify',
        cosign: side(0, 'a'),
        trustgate: side(0, 'b'),
        pending: [],
        agree: false,
      },
    ]);
    expect(shown).toContain('| pending: cue');
    expect(shown).toMatch(/\| NO\n/);
    expect(shown).not.toMatch(/\| yes/);
  });
});
