/**
 * The folders of src/ are the pipeline's steps, and each imports only steps below it: no two folders
 * import each other, and no file imports itself round a loop. A cycle means a step reaches back up the
 * pipeline (for example verify/ calling run/), which is the wiring issue 13 removed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../support/repo-root.js';

const SRC = join(repoRoot(), 'src');

function sourceFiles(): string[] {
  const out: string[] = [];
  const stack = [SRC];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) stack.push(join(d, e.name));
      else if (e.name.endsWith('.ts')) out.push(join(d, e.name));
    }
  }
  return out.sort();
}

// Static imports and re-exports (type-only ones too: they are edges a reader follows), and import().
const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** file (relative to src) → the files it imports. */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sourceFiles()) {
    const targets: string[] = [];
    for (const m of readFileSync(f, 'utf8').matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2])!;
      targets.push(relative(SRC, resolve(dirname(f), spec).replace(/\.js$/, '.ts')));
    }
    g.set(relative(SRC, f), targets);
  }
  return g;
}

const folderOf = (file: string): string => (file.includes(sep) ? file.split(sep)[0]! : '.');

/** Every cycle found by a depth-first walk, each as the path that closes it. */
function cycles(g: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const found: string[][] = [];
  for (const start of g.keys()) {
    if (state.has(start)) continue;
    // Iterative DFS: a node with the index of its next edge.
    const stack: Array<[string, number]> = [[start, 0]];
    const path: string[] = [start];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = (g.get(top[0]) ?? [])[top[1]++];
      if (next === undefined) {
        state.set(top[0], 'done');
        stack.pop();
        path.pop();
      } else if (state.get(next) === 'open') {
        found.push([...path.slice(path.indexOf(next)), next]);
      } else if (!state.has(next) && g.has(next)) {
        state.set(next, 'open');
        stack.push([next, 0]);
        path.push(next);
      }
    }
  }
  return found;
}

function folderGraph(files: Map<string, string[]>): Map<string, string[]> {
  const g = new Map<string, Set<string>>();
  for (const [f, targets] of files) {
    const from = folderOf(f);
    // src/*.ts (errors, exit codes, version, index) are the shared root, not a step.
    if (from === '.') continue;
    for (const t of targets) {
      const to = folderOf(t);
      if (to === '.' || to === from) continue;
      if (!g.has(from)) g.set(from, new Set());
      g.get(from)!.add(to);
    }
  }
  return new Map([...g].map(([k, v]) => [k, [...v].sort()]));
}

describe('the import graph of src/', () => {
  test('no file imports itself round a loop', () => {
    expect(cycles(importGraph()).map((c) => c.join(' → '))).toEqual([]);
  });

  test('no two folders (pipeline steps) import each other, directly or round a loop', () => {
    expect(cycles(folderGraph(importGraph())).map((c) => c.join(' → '))).toEqual([]);
  });

  test('the cycle finder finds a cycle', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
