/**
 * What every command loads before it runs: the built CLI's static import graph (dist/cli/main.mjs and
 * the chunks it imports) holds none of sigstore-js, the YAML parser, zod or CEL. Those are the
 * `// lazy:` imports of src/cli/commands, loaded by the command that needs them; in the graph they
 * would add 40-80 ms of CPU to `resolve`, `--help` and every other start.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../support/repo-root.js';

const dist = join(repoRoot(), 'dist', 'cli');
const HEAVY = /^(@sigstore\/|sigstore$|yaml$|zod$|@bufbuild\/)/;

/** The chunks `entry` imports statically, itself included (dynamic import() is not followed). */
function staticGraph(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(dist, file), 'utf8');
    for (const m of text.matchAll(/^import\s[^;]*?from\s*"\.\/([^"]+)"/gms)) queue.push(m[1]!);
    for (const m of text.matchAll(/^import\s*"\.\/([^"]+)"/gm)) queue.push(m[1]!);
  }
  return [...seen];
}

/** The npm packages bundled into these chunks, from esbuild's `// path` comment before each module. */
function packagesIn(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const f of files)
    for (const m of readFileSync(join(dist, f), 'utf8').matchAll(
      /^\/\/ \S*?node_modules\/((?:@[^/\s]+\/)?[^/\s]+)/gm,
    ))
      out.add(m[1]!);
  return out;
}

describe('CLI start-up', () => {
  test('main.mjs statically loads commander and chalk, but no verification or policy library', () => {
    const packages = packagesIn(staticGraph('main.mjs'));
    expect(packages).toContain('commander');
    expect([...packages].filter((p) => HEAVY.test(p))).toEqual([]);
  });

  test('the check bites: the chunk holding buildTrust pulls sigstore-js in', () => {
    const chunk = chunkHolding('// dist/src/verify/trust.js');
    const heavy = [...packagesIn(staticGraph(chunk))].filter((p) => HEAVY.test(p));
    expect(heavy.some((p) => p.startsWith('@sigstore/'))).toBe(true);
  });
});

function chunkHolding(marker: string): string {
  const hit = readdirSync(dist).find(
    (f) => f.endsWith('.mjs') && readFileSync(join(dist, f), 'utf8').includes(marker),
  );
  if (!hit) throw new Error(`no chunk in ${dist} holds ${marker}`);
  return hit;
}
