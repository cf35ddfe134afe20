/** Inputs the fuzzers found, and the extremes they are kept away from for time, as fixed cases. */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { scanManifestFile } from '../../src/inputs/manifests.js';
import { compilePolicy } from '../../src/policy/load.js';
import { repoRoot } from '../support/repo-root.js';

const file = join(repoRoot(), 'fixtures', 'demo-policy.yaml');

function aliasBomb(levels: number): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\nrules: *a${levels}\n`;
}

describe('policy loader', () => {
  test('an alias bomb is a policy problem naming the limit, not a ReferenceError', () => {
    const r = compilePolicy(aliasBomb(9), file);
    expect(r).toEqual({
      issues: [expect.objectContaining({ message: expect.stringContaining('at most 100 alias uses') })],
    });
  });

  test('20,000 levels of flow nesting: problems with a line, no throw', () => {
    for (const text of [
      `rules: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
      `rules: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`,
    ]) {
      const r = compilePolicy(text, file);
      expect('issues' in r && r.issues.length).toBeGreaterThan(0);
    }
  });
});

describe('--from-manifests scanner', () => {
  test('an alias bomb and 20,000 levels of nesting: reported or scanned, no throw', () => {
    for (const text of [aliasBomb(9), `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`]) {
      expect(() => scanManifestFile('m.yaml', text)).not.toThrow();
    }
  });
});
