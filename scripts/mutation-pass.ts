/**
 * A mutation pass by hand: each mutant in test/mutation/mutants.json is one realistic fault in code
 * that decides trust (a search string and its replacement). For each, in a scratch copy of the tree
 * (so a crash never leaves the worktree dirty), the harness applies the fault, rebuilds exactly as
 * `npm run build` does (tsc, then the esbuild bundle the CLI tests spawn), and runs the mutant's test
 * files with --bail=1. Tests failing = killed; passing = survived; not compiling = invalid (not
 * counted). A search string that is missing or not unique is a catalogue error: nothing runs.
 *
 * Stryker's in-process vitest runner cannot be used: the CLI tests run the built bundle, which only
 * sees a mutant after a rebuild. The run is synchronous; stopped from outside, it leaves its scratch
 * tree (printed first) in the temp folder.
 *
 *   npm run mutation                       # every mutant
 *   npm run mutation -- --only V03,P10     # some mutants (comma-separated ids)
 *   npm run mutation -- --budget 30        # stop starting mutants after 30 minutes
 *   npm run mutation -- --no-baseline      # skip the unmutated run of the tests
 *   npm run mutation -- --min-score 95     # exit 1 below this score
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../test/support/repo-root.js';

const ALL = ['test/unit', 'test/integration'];

const Mutant = z.object({
  id: z.string().regex(/^[A-Z]+\d+$/),
  file: z.string().min(1),
  /** Must occur exactly once in the file. */
  find: z.string().min(1),
  replace: z.string(),
  description: z.string().min(1),
  /** Test files (or folders) that should kill it, or "all" (the unit and integration suites). */
  tests: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]),
});
type Mutant = z.infer<typeof Mutant>;
const Catalogue = z.array(Mutant).min(1);

type Outcome = 'killed' | 'survived' | 'invalid' | 'timeout' | 'not run';
interface Result {
  mutant: Mutant;
  line: number;
  outcome: Outcome;
  seconds: number;
  detail: string;
}

const COPIED = [
  'src',
  'test',
  'bench',
  'scripts',
  'bin',
  'fixtures',
  'policies',
  'schema',
  'dist',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'vitest.config.ts',
  'biome.json',
];
const LINKED = ['node_modules', '.tools'];
const MUTANT_TIMEOUT_MS = 10 * 60_000;

function parseArgs(argv: string[]) {
  const opts = {
    catalogue: 'test/mutation/mutants.json',
    only: undefined as Set<string> | undefined,
    budgetMinutes: Number.POSITIVE_INFINITY,
    baseline: true,
    minScore: 0,
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--only') opts.only = new Set(next().split(','));
    else if (a === '--budget') opts.budgetMinutes = Number(next());
    else if (a === '--catalogue') opts.catalogue = next();
    else if (a === '--no-baseline') opts.baseline = false;
    else if (a === '--min-score') opts.minScore = Number(next());
    else if (a === '--keep') opts.keep = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (Number.isNaN(opts.budgetMinutes) || Number.isNaN(opts.minScore))
    throw new Error('--budget and --min-score take numbers');
  return opts;
}

/** Line of the single occurrence, or why the catalogue entry is wrong. */
function locate(root: string, m: Mutant): { line: number } | { error: string } {
  const path = join(root, m.file);
  if (!existsSync(path)) return { error: `${m.id}: ${m.file} does not exist` };
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(m.find);
  if (at < 0) return { error: `${m.id}: search string not found in ${m.file}: ${JSON.stringify(m.find)}` };
  if (text.indexOf(m.find, at + 1) >= 0)
    return { error: `${m.id}: search string occurs more than once in ${m.file}: ${JSON.stringify(m.find)}` };
  if (m.find === m.replace) return { error: `${m.id}: replacement equals the search string` };
  for (const t of m.tests === 'all' ? [] : m.tests)
    if (!existsSync(join(root, t))) return { error: `${m.id}: test path ${t} does not exist` };
  return { line: text.slice(0, at).split('\n').length };
}

function scratchCopy(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-mutation-'));
  for (const entry of COPIED) {
    if (existsSync(join(root, entry))) cpSync(join(root, entry), join(dir, entry), { recursive: true });
  }
  for (const entry of LINKED) {
    if (existsSync(join(root, entry))) symlinkSync(join(root, entry), join(dir, entry));
  }
  return dir;
}

function run(cwd: string, cmd: string, args: string[], timeoutMs: number) {
  const env = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    PATH: `${join(cwd, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
  };
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  return {
    ok: r.status === 0,
    timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT',
    output: `${r.stdout ?? ''}${r.stderr ?? ''}`,
  };
}

/** The same two steps as `npm run build`. */
function build(dir: string): { ok: boolean; output: string } {
  const tsc = run(dir, 'tsc', ['-p', 'tsconfig.build.json'], MUTANT_TIMEOUT_MS);
  if (!tsc.ok) return tsc;
  return run(dir, 'npm', ['run', '--silent', 'bundle'], MUTANT_TIMEOUT_MS);
}

function testArgs(tests: Mutant['tests']): string[] {
  return tests === 'all' ? ALL : [...new Set(tests)];
}

function runTests(dir: string, tests: string[], timeoutMs: number) {
  return run(dir, 'vitest', ['run', '--bail=1', '--reporter=dot', ...tests], timeoutMs);
}

function lastLines(s: string, n: number): string {
  return s.trimEnd().split('\n').slice(-n).join(' | ');
}

function firstFailure(output: string): string {
  const m = /(?:FAIL|×)\s+(.+)/.exec(output);
  return (m?.[1] ?? lastLines(output, 2)).replace(/\s+/g, ' ').slice(0, 100);
}

function main(): number {
  const root = repoRoot();
  const opts = parseArgs(process.argv.slice(2));
  const catalogue = Catalogue.parse(JSON.parse(readFileSync(resolve(root, opts.catalogue), 'utf8')));
  const ids = new Set<string>();
  const errors: string[] = [];
  for (const m of catalogue) {
    if (ids.has(m.id)) errors.push(`${m.id}: duplicate id`);
    ids.add(m.id);
  }
  for (const id of opts.only ?? []) if (!ids.has(id)) errors.push(`--only ${id}: no such mutant`);
  const located = catalogue.map((m) => ({ m, where: locate(root, m) }));
  for (const { where } of located) if ('error' in where) errors.push(where.error);
  if (errors.length > 0) {
    for (const e of errors) console.error(`catalogue error: ${e}`);
    return 2;
  }
  const selected = located.filter(({ m }) => !opts.only || opts.only.has(m.id));
  const dir = scratchCopy(root);
  console.log(`scratch tree: ${dir}`);
  const started = Date.now();
  const results: Result[] = [];
  try {
    const b = build(dir);
    if (!b.ok) {
      console.error(`the unmutated tree does not build:\n${b.output}`);
      return 2;
    }
    if (opts.baseline) {
      const union = [...new Set(selected.flatMap(({ m }) => testArgs(m.tests)))];
      const t0 = Date.now();
      const base = runTests(dir, union, MUTANT_TIMEOUT_MS * 3);
      if (!base.ok) {
        console.error(
          `baseline: the tests fail without any mutant; fix that first:\n${lastLines(base.output, 40)}`,
        );
        return 2;
      }
      console.log(
        `baseline: ${union.length} test paths pass unmutated (${Math.round((Date.now() - t0) / 1000)} s)`,
      );
    }
    for (const { m, where } of selected) {
      const line = 'line' in where ? where.line : 0;
      if ((Date.now() - started) / 60_000 > opts.budgetMinutes) {
        results.push({ mutant: m, line, outcome: 'not run', seconds: 0, detail: 'time budget spent' });
        continue;
      }
      const t0 = Date.now();
      const path = join(dir, m.file);
      const original = readFileSync(path, 'utf8');
      writeFileSync(
        path,
        original.replace(m.find, () => m.replace),
      );
      let outcome: Outcome;
      let detail: string;
      try {
        const built = build(dir);
        if (!built.ok) {
          outcome = 'invalid';
          detail = `does not build: ${firstFailure(built.output)}`;
        } else {
          const t = runTests(dir, testArgs(m.tests), MUTANT_TIMEOUT_MS);
          outcome = t.timedOut ? 'timeout' : t.ok ? 'survived' : 'killed';
          detail = t.ok ? '' : firstFailure(t.output);
        }
      } finally {
        writeFileSync(path, original);
      }
      const seconds = Math.round((Date.now() - t0) / 1000);
      results.push({ mutant: m, line, outcome, seconds, detail });
      console.log(
        `${m.id.padEnd(5)} ${outcome.padEnd(8)} ${String(seconds).padStart(4)} s  ${m.file}:${line}  ${m.description}`,
      );
    }
    // Leave dist/ as the unmutated build would.
    build(dir);
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
  return report(root, results, opts.minScore);
}

function report(root: string, results: Result[], minScore: number): number {
  console.log('\nid    outcome   file:line                                   description');
  for (const r of results) {
    const where = `${r.mutant.file}:${r.line}`;
    console.log(
      `${r.mutant.id.padEnd(5)} ${r.outcome.padEnd(9)} ${where.padEnd(43)} ${r.mutant.description}`,
    );
  }
  const survivors = results.filter((r) => r.outcome === 'survived');
  if (survivors.length > 0) {
    console.log('\nsurvivors:');
    for (const r of survivors)
      console.log(`  ${r.mutant.id} ${r.mutant.file}:${r.line} ${r.mutant.description}`);
  }
  const invalid = results.filter((r) => r.outcome === 'invalid');
  for (const r of invalid) console.log(`invalid: ${r.mutant.id} ${r.detail}`);
  const counted = results.filter((r) => r.outcome !== 'invalid' && r.outcome !== 'not run');
  const killed = counted.filter((r) => r.outcome === 'killed' || r.outcome === 'timeout').length;
  const n = counted.length;
  const pct = n === 0 ? 0 : (100 * killed) / n;
  const notRun = results.length - counted.length - invalid.length;
  console.log(
    `\nmutation score: ${killed}/${n} killed (${pct.toFixed(1)}%)` +
      (invalid.length ? `, ${invalid.length} invalid` : '') +
      (notRun ? `, ${notRun} not run (time budget)` : ''),
  );
  mkdirSync(join(root, '.cache'), { recursive: true });
  writeFileSync(
    join(root, '.cache', 'mutation.json'),
    `${JSON.stringify(
      results.map((r) => ({
        id: r.mutant.id,
        file: r.mutant.file,
        line: r.line,
        outcome: r.outcome,
        seconds: r.seconds,
        detail: r.detail,
      })),
      null,
      2,
    )}\n`,
  );
  return pct < minScore ? 1 : 0;
}

process.exitCode = main();
