/**
 * `verify --policy` over a batch streams its outputs (cli/batch-output.ts streamBatchOutputs): every
 * output is written as the images are decided, in input order, and is what a whole-report run writes:
 * trustgate's JSON parses and carries each decision as a single-image run reports it, JSON Lines are
 * those decisions one per line, SARIF and JUnit are complete documents. Offline, on the demo layout.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { runCli } from '../support/run-cli.js';

const POLICY = 'fixtures/demo-policy.yaml';
const DEMO = 'sha256:33c94403be9e506bab4e6600e4251f05e8c61645a68db4373d5f8c06c8dc2f56';
const AT = ['--effective-time', '2026-06-01T00:00:00Z', '--image-name', 'registry.example/trustgate/demo'];
let dir: string;
let list: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-batch-stream-'));
  list = join(dir, 'images.txt');
  // Three names of the one demo image (the same name twice is one input), and one layout that is not
  // there (denied, third in the list).
  writeFileSync(
    list,
    [
      'oci:fixtures/demo',
      'oci:fixtures/demo:latest',
      `oci:${join(dir, 'missing')}`,
      `oci:fixtures/demo@${DEMO}`,
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a streamed policy batch', () => {
  test('report, jsonl, sarif and junit files in one run: in input order, each result as a single run gives it', () => {
    const out = (f: string) => join(dir, f);
    const r = runCli([
      'verify',
      '--policy',
      POLICY,
      ...AT,
      '--images-from',
      list,
      '-o',
      `report=${out('r.json')}`,
      '-o',
      `jsonl=${out('r.jsonl')}`,
      '-o',
      `sarif=${out('r.sarif')}`,
      '-o',
      `junit=${out('r.xml')}`,
      '-o',
      'tree',
    ]);
    expect(r.code).toBe(ExitCode.FAILURE);
    const report = JSON.parse(readFileSync(out('r.json'), 'utf8'));
    expect(Object.keys(report)).toEqual([
      'schemaVersion',
      'policy',
      'effectiveTime',
      'decisions',
      'exitCode',
    ]);
    expect(report).toMatchObject({
      schemaVersion: 1,
      exitCode: 1,
      effectiveTime: '2026-06-01T00:00:00.000Z',
    });
    expect(report.decisions.map((d: { reference: string }) => d.reference)).toEqual(
      readFileSync(list, 'utf8').split('\n'),
    );
    expect(report.decisions.map((d: { decision: string }) => d.decision)).toEqual([
      'allow',
      'allow',
      'deny',
      'allow',
    ]);

    const jsonl = readFileSync(out('r.jsonl'), 'utf8');
    expect(jsonl.endsWith('}\n')).toBe(true);
    expect(
      jsonl
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(report.decisions);

    const single = runCli(['verify', '--policy', POLICY, ...AT, '-o', 'report', 'oci:fixtures/demo']);
    expect(single.code).toBe(ExitCode.OK);
    const { locations, ...first } = report.decisions[0];
    expect(locations).toEqual([{ file: list, line: 1 }]);
    expect(first).toEqual(JSON.parse(single.stdout).decisions[0]);

    const sarif = JSON.parse(readFileSync(out('r.sarif'), 'utf8'));
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
    expect(
      sarif.runs[0].results.every((x: { properties: { reference: string } }) =>
        x.properties.reference.includes('missing'),
      ),
    ).toBe(true);
    const xml = readFileSync(out('r.xml'), 'utf8');
    const tests = Number(xml.match(/<testsuites name="trustgate" tests="(\d+)"/)![1]);
    expect(xml.match(/<testcase /g)).toHaveLength(tests);
    expect(xml.endsWith('</testsuites>\n')).toBe(true);

    expect(r.stdout.split('\n')[0]).toBe(
      '4 image(s), 1 distinct digest(s): 3 passed, 1 failed, 0 with warnings',
    );
    expect(r.stdout.split('\n')[1]).toMatch(/^FAIL {2}oci:.*missing/);
  });

  test('-o jsonl on stdout: one line per image, nothing else', () => {
    const r = runCli(['verify', '--policy', POLICY, ...AT, '--images-from', list, '-o', 'jsonl']);
    expect(r.code).toBe(ExitCode.FAILURE);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).reference)).toEqual(readFileSync(list, 'utf8').split('\n'));
  });
});
