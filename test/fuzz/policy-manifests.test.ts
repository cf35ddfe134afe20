/**
 * The policy loader and the --from-manifests scanner, both over YAML from outside. Oracle: the yaml
 * package itself; text it reports errors for is a list of issues, never a policy, and never a throw.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments, parseDocument, parse as parseYaml, stringify } from 'yaml';
import { scanManifestFile } from '../../src/inputs/manifests.js';
import { compilePolicy } from '../../src/policy/load.js';
import { repoRoot } from '../support/repo-root.js';
import { anyString, bounded, fuzz, mutated } from './harness.js';

const policyFile = join(repoRoot(), 'fixtures', 'demo-policy.yaml');
const policyText = readFileSync(policyFile, 'utf8');
const examples = ['github-slsa', 'platform-baseline', 'vendor-key', 'vuln-gate'].map((n) =>
  readFileSync(join(repoRoot(), 'policies', `${n}.yaml`), 'utf8'),
);

const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 6 }), ins: anyString(6) });
function edited(texts: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...texts), fc.array(edit, { minLength: 1, maxLength: 3 }))
    .map(([t, edits]) => {
      let s = t;
      for (const e of edits) {
        const i = e.at % (s.length + 1);
        s = s.slice(0, i) + e.ins + s.slice(i + e.del);
      }
      return s;
    });
}

/**
 * YAML nested `depth` deep: flow sequences, flow maps, or block maps by indentation. Kept under the
 * depth where the yaml package itself runs out of stack (it reports that as an error, but catching it
 * costs it ~0.5 s, over the per-input bound); deeper inputs are regressions.test.ts's.
 */
const deepYaml = fc
  .record({
    depth: fc.integer({ min: 1, max: 300 }),
    style: fc.constantFrom('flow-seq', 'flow-map', 'block'),
  })
  .map(({ depth, style }) =>
    style === 'flow-seq'
      ? `rules: ${'['.repeat(depth)}${']'.repeat(depth)}\n`
      : style === 'flow-map'
        ? `rules: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`
        : `rules:\n${Array.from({ length: Math.min(depth, 300) }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`,
  );

const aliasBomb = fc.integer({ min: 1, max: 12 }).map((n) => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= n; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\nrules: *a${n}\n`;
});

const policyTexts = fc.oneof(
  { weight: 3, arbitrary: mutated(parseYaml(policyText)).map((o) => stringify(o)) },
  { weight: 3, arbitrary: edited([policyText, ...examples]) },
  { weight: 1, arbitrary: anyString(300) },
  { weight: 1, arbitrary: deepYaml },
  { weight: 1, arbitrary: aliasBomb },
);

describe('fuzz: policy loader', () => {
  test('compilePolicy returns a policy or issues, never throws; YAML errors are always issues', () => {
    fuzz('policy compilePolicy', [policyTexts], (text) => {
      const r = bounded(() => compilePolicy(text, policyFile));
      if (!('value' in r)) throw new Error(`compilePolicy threw ${r.error.code}; it returns issues`);
      let yamlErrors = true;
      try {
        yamlErrors = parseDocument(text, { uniqueKeys: true }).errors.length > 0;
      } catch {
        // the oracle itself gave up; only the no-throw property holds
      }
      if (yamlErrors) expect('issues' in r.value).toBe(true);
    });
  });
});

const workload = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    template: {
      spec: {
        containers: [{ name: 'a', image: 'ghcr.io/acme/web:1.0' }],
        initContainers: [{ name: 'b', image: `busybox@sha256:${'a'.repeat(64)}` }],
      },
    },
  },
};
const list = {
  apiVersion: 'v1',
  kind: 'List',
  items: [workload, { ...workload, kind: 'Pod', spec: workload.spec.template.spec }],
};
const manifestTexts = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(mutated(workload), { minLength: 1, maxLength: 3 })
      .map((ds) => ds.map((d) => stringify(d)).join('---\n')),
  },
  { weight: 1, arbitrary: mutated(list).map((d) => stringify(d)) },
  { weight: 2, arbitrary: edited([stringify(workload), stringify(list)]) },
  { weight: 1, arbitrary: anyString(300) },
  { weight: 1, arbitrary: deepYaml },
  { weight: 1, arbitrary: aliasBomb },
);

describe('fuzz: --from-manifests scanner', () => {
  test('scanManifestFile returns images, skips and errors, never throws; YAML errors are reported', () => {
    fuzz('batch scanManifestFile', [manifestTexts], (text) => {
      const r = bounded(() => scanManifestFile('fuzz.yaml', text));
      if (!('value' in r)) throw new Error(`scanManifestFile threw ${r.error.code}`);
      let yamlErrors = false;
      try {
        yamlErrors = parseAllDocuments(text).some((d) => d.errors.length > 0);
      } catch {
        // oracle gave up
      }
      if (yamlErrors) expect(r.value.errors.length).toBeGreaterThan(0);
    });
  });
});
