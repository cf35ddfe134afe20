/** What main() defines and loads per run: one command's definition, and chalk only for a terminal. */
import { afterEach, expect, test, vi } from 'vitest';
import { commandsFor, main } from '../../src/cli/main.js';
import { colorsFor, PLAIN } from '../../src/cli/output.js';

const names = (args: string[]) => commandsFor(args).map((c) => c.names[0]);
const ALL = [
  'resolve',
  'verify',
  'verify-attestation',
  'extract',
  'attestations',
  'export',
  'verify-bundle',
  'verify-slsa',
  'verify-vsa',
  'policy',
  'pin',
];

test('a command named first is the only one defined; an alias counts', () => {
  expect(names(['verify', '--key', 'k.pub', 'img'])).toEqual(['verify']);
  expect(names(['tree', 'img'])).toEqual(['attestations']);
  expect(names(['policy', 'validate', 'p.yaml'])).toEqual(['policy']);
});

test('help, options first, an unknown or missing command: every command, in help order', () => {
  for (const args of [[], ['--help'], ['-h', 'verify'], ['help', 'verify'], ['verfy'], ['--key', 'x']])
    expect(names(args)).toEqual(ALL);
  expect(names(['--version'])).toEqual([]);
  expect(names(['-v'])).toEqual([]);
});

function captured() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      outChalk: PLAIN,
      errChalk: PLAIN,
    },
    out,
    err,
  };
}

test('--help still lists every command with its description; an unknown command is refused as before', async () => {
  const h = captured();
  expect(await main(['node', 'trustgate', '--help'], h.io)).toBe(0);
  const help = h.out.join('\n');
  for (const n of ALL) expect(help).toMatch(new RegExp(`^  ${n}\\b.*\\S`, 'm'));
  expect(help).toContain('attestations|tree');
  const u = captured();
  expect(await main(['node', 'trustgate', 'verfy', 'x'], u.io)).toBe(2);
  expect(u.err.join('\n')).toMatch(/unknown command 'verfy'\n?.*\(Did you mean verify\?\)/);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

test('colour: chalk for a terminal without NO_COLOR, PLAIN (no chalk) for a pipe or NO_COLOR', async () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  vi.stubEnv('NO_COLOR', '');
  expect(await colorsFor(pipe)).toBe(PLAIN);
  const c = await colorsFor(tty);
  expect(c.red('x')).toBe('\u001b[31mx\u001b[39m');
  vi.stubEnv('NO_COLOR', '1');
  expect(await colorsFor(tty)).toBe(PLAIN);
  expect(PLAIN.red('x') + PLAIN.dim('y')).toBe('xy');
});
