/**
 * The policy run layer called directly: runEvaluate takes its source, limits and batch behaviour from
 * the RunContext (and leaves the caller's source open), and parseCases checks a cases file before any
 * case runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';
import { parseCases } from '../../src/policy/cases.js';
import { loadPolicy } from '../../src/policy/load.js';
import { buildPolicyVerifiers } from '../../src/policy/policy-trust.js';
import { runEvaluate } from '../../src/run/evaluate.js';
import { sourceFrom } from '../../src/run/source.js';
import { repoRoot } from '../support/repo-root.js';

const root = repoRoot();
const policy = loadPolicy(join(root, 'fixtures', 'demo-policy.yaml'));
const trust = buildPolicyVerifiers(policy);
const DEMO = `oci:${join(root, 'fixtures', 'demo')}`;
const dir = mkdtempSync(join(tmpdir(), 'tg-run-evaluate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('runEvaluate decides through the given source and leaves it open for the caller', async () => {
  const opened = sourceFrom({});
  const source = { client: opened.client, close: vi.fn(() => opened.close()) };
  const run = await runEvaluate(
    [DEMO],
    policy,
    trust,
    { source, limits: {} },
    {
      imageName: 'registry.example/trustgate/demo',
    },
  );
  expect(run.decisions.map((d) => d.decision)).toEqual(['allow']);
  expect(run.exitCode).toBe(0);
  expect(source.close).not.toHaveBeenCalled();
  await opened.close();
});

test("runEvaluate takes --fail-fast and progress from the context's batch", async () => {
  const progress: number[] = [];
  const run = await runEvaluate(
    [DEMO, DEMO],
    policy,
    trust,
    {
      source: sourceFrom({}),
      limits: { imageConcurrency: 1 },
      batch: { failFast: true, onProgress: (done) => progress.push(done) },
    },
    {}, // no layout name: the layout matches no rule and is denied
  );
  expect(run.decisions.map((d) => d.decision)).toEqual(['deny', 'deny']);
  expect(JSON.stringify(run.decisions[1])).toContain('--fail-fast stopped the run');
  expect(JSON.stringify(run.decisions[0])).not.toContain('--fail-fast');
  expect(progress).toEqual([1, 2]);
});

test('parseCases resolves a relative layout against the cases file, and refuses a bad imageName first', () => {
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'cases:\n  - { name: a, image: "oci:sub/layout", expect: allow }\n');
  expect(parseCases(good)).toEqual([
    { name: 'a', image: 'oci:sub/layout', target: `oci:${join(dir, 'sub', 'layout')}`, expect: 'allow' },
  ]);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    'cases:\n  - { name: a, image: "oci:x", expect: allow }\n  - { name: b, image: "oci:x", imageName: "r.example/a:v1", expect: deny }\n',
  );
  expect(() => parseCases(bad)).toThrow(`--cases ${bad}: cases.1.imageName`);
});
