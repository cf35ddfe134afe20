/**
 * The long fuzzing pass: runs the vitest "fuzz" project with many inputs per target (default 20,000;
 * `--runs N`) from a fresh seed (or `--seed N`, to replay one), then prints how many inputs each target
 * tried and the total. The seed is printed first, so any failure can be reproduced with --seed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/support/repo-root.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(flag('runs') ?? 20_000);
const seed = Number(flag('seed') ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- [--runs N] [--seed N]');
  process.exit(2);
}

const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), 'tg-fuzz-'));
const report = join(dir, 'report.tsv');
console.log(`fuzz: ${runs} inputs per target, seed ${seed} (replay with --seed ${seed})`);
const r = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', '--project', 'fuzz'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed), FUZZ_REPORT: report },
});

let total = 0;
let text = '';
try {
  text = readFileSync(report, 'utf8');
} catch {
  // no target ran
}
for (const line of text.split('\n').filter(Boolean)) {
  const [target, n] = line.split('\t');
  total += Number(n);
  console.log(`${target}: ${Number(n).toLocaleString('en')} inputs tried`);
}
console.log(`total: ${total.toLocaleString('en')} inputs tried (seed ${seed})`);
rmSync(dir, { recursive: true, force: true });
process.exit(r.status ?? 1);
