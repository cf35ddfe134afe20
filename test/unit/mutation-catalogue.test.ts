/**
 * The mutation catalogue stays usable: every fault names a file that exists and a text that occurs in
 * it exactly once, so `npm run mutation` plants it where it was meant. Code moves break this silently
 * otherwise (the pass is manual, not in CI).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from '../support/repo-root.js';

interface Mutant {
  id: string;
  file: string;
  find: string;
  replace: string;
  tests: string[];
}

const root = repoRoot();
const mutants = JSON.parse(readFileSync(join(root, 'test/mutation/mutants.json'), 'utf8')) as Mutant[];

test('every mutant names an existing file, a text found in it exactly once, and existing tests', () => {
  expect(mutants.length).toBeGreaterThan(0);
  const problems: string[] = [];
  for (const m of mutants) {
    const file = join(root, m.file);
    if (!existsSync(file)) {
      problems.push(`${m.id}: ${m.file} does not exist`);
      continue;
    }
    const count = readFileSync(file, 'utf8').split(m.find).length - 1;
    if (count !== 1) problems.push(`${m.id}: its text occurs ${count} times in ${m.file}`);
    if (m.find === m.replace) problems.push(`${m.id}: replace equals find`);
    for (const t of m.tests)
      if (!existsSync(join(root, t))) problems.push(`${m.id}: test ${t} does not exist`);
  }
  expect(problems).toEqual([]);
});

test('mutant ids are unique', () => {
  const ids = mutants.map((m) => m.id);
  expect(new Set(ids).size).toBe(ids.length);
});
