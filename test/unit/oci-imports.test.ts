import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = resolve('src/oci');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of each file in src/oci, type-only ones included: a cycle of types is still a cycle. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files(ROOT)) {
    const text = readFileSync(f, 'utf8');
    const deps = [...text.matchAll(/from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)]
      .map((m) => resolve(dirname(f), (m[1] ?? m[2])!).replace(/\.js$/, '.ts'))
      .filter((d) => d.startsWith(ROOT));
    graph.set(f, deps);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

test('src/oci has no import cycles (schema.ts and manifest-schemas.ts used to import each other)', () => {
  const graph = importGraph();
  expect(graph.get(join(ROOT, 'schema.ts'))).toContain(join(ROOT, 'manifest-schemas.ts'));
  expect(findCycle(graph)?.map((f) => relative(ROOT, f))).toBeUndefined();
});

test('the cycle finder finds a cycle', () => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
  ]);
  expect(findCycle(g)).toEqual(['a', 'b', 'c', 'a']);
});
