/**
 * A batch streamed as its images finish (report/batch-stream.ts, report/stream.ts, report/tally.ts)
 * writes the same bytes as the whole-report formats: trustgate's JSON is JSON.stringify of the whole
 * document, JSON Lines are its results one per line, and SARIF, JUnit, annotations and the summary
 * tables equal formats.ts on the full report, though the tally keeps passed images without checks.
 */
import { describe, expect, test } from 'vitest';
import { batchStreamWriter, type StreamedFormat } from '../../src/report/batch-stream.js';
import {
  formatGithub,
  formatJunit,
  formatMarkdown,
  formatSarif,
  formatText,
} from '../../src/report/formats.js';
import type { BatchEntry, BatchReport } from '../../src/report/report.js';
import { collect, fileSpool, JsonListStream } from '../../src/report/stream.js';
import { BatchTally } from '../../src/report/tally.js';
import { jsonText } from '../../src/util/printable.js';

const ODD = 'x\u001b[2K\r\n"quoted"\\ \u2028\u2029 ünïcødé 🙂 <&>';

function entry(i: number): BatchEntry {
  const status = i % 3 === 0 ? 'fail' : i % 3 === 1 ? 'pass' : 'warn';
  return {
    reference: `ghcr.io/org/app${i}:1${ODD}`,
    ...(i % 4 === 0 ? {} : { digest: `sha256:${String(i).padStart(64, '0')}` }),
    status,
    summary: status === 'pass' ? 'allowed' : `denied: sbom: ${ODD}`,
    checks: [
      {
        id: `attestations/x${i}`,
        status: status === 'pass' ? 'pass' : 'fail',
        reason: `said ${ODD}`,
        rule: 'prod',
      },
      { id: 'sbom', status: status === 'warn' ? 'warn' : 'pass', reason: `warned ${ODD}` },
      { id: 'skipped', status: 'skip', reason: 'not needed' },
    ],
    locations: i % 2 ? [{ file: `deploy${i}.yaml`, line: i, column: 3, path: `spec.image${ODD}` }] : [],
  };
}

const entries = Array.from({ length: 7 }, (_, i) => entry(i));
const full: BatchReport = {
  tool: { name: 'trustgate', version: '0.0.0' },
  mode: 'policy',
  entries,
  skipped: [{ file: 'crd.yaml', line: 9, path: 'spec.image', reason: `unknown kind ${ODD}` }],
  exitCode: 1,
  summary: {
    images: 7,
    passed: entries.filter((e) => e.status === 'pass').length,
    failed: entries.filter((e) => e.status === 'fail').length,
    warned: entries.filter((e) => e.status === 'warn').length,
    distinctDigests: entries.filter((e) => e.digest).length,
  },
};
const document = (list: unknown, exitCode: number) => ({
  schemaVersion: 1,
  policy: { name: `p${ODD}`, nested: { deeper: [1, { x: 2 }] } },
  decisions: list,
  exitCode,
  skipped: full.skipped,
});

/** The format written item by item as the entries come, then ended from the tally. */
function streamed(format: StreamedFormat, list: BatchEntry[] = entries): string {
  return collect((sink) => {
    const w = batchStreamWriter(format, sink, { mode: 'policy', version: '0.0.0', document });
    const tally = new BatchTally();
    for (const e of list) {
      tally.add(e);
      w.entry?.(e, e);
    }
    const end = w.end(tally.report(full.tool, 'policy', full.exitCode, full.skipped), full.exitCode);
    if (end !== undefined) sink.write(end);
  });
}

describe('a streamed batch writes what the whole report gives', () => {
  test("trustgate's JSON: the bytes of JSON.stringify of the whole document, with 0, 1 and many results", () => {
    for (const list of [[], entries.slice(0, 1), entries])
      expect(streamed('report', list)).toBe(jsonText(document(list, 1), 2));
  });

  test('JsonListStream at any depth and indent, the list first, last or alone', () => {
    const shapes: Array<(l: unknown) => unknown> = [
      (l) => l,
      (l) => ({ a: { b: [{ c: l, d: 'after' }] } }),
      (l) => ({ first: l, later: [ODD] }),
    ];
    for (const shape of shapes)
      for (const indent of [2, 4])
        for (const list of [[], [ODD], entries]) {
          const text = collect((sink) => {
            const s = new JsonListStream(sink, indent);
            s.open(shape);
            for (const x of list) s.item(x);
            s.close(shape);
          });
          expect(text).toBe(jsonText(shape(list), indent));
        }
  });

  test('JSON Lines: one line per result that parses to the item of the report, in order', () => {
    const lines = streamed('jsonl').split('\n');
    expect(lines).toHaveLength(entries.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(JSON.parse(streamed('report')).decisions);
  });

  test('SARIF, JUnit and annotations equal the whole-report formats', () => {
    expect(streamed('sarif')).toBe(formatSarif(full));
    expect(JSON.parse(streamed('sarif')).runs[0].results).toHaveLength(
      entries.flatMap((e) => e.checks).filter((c) => c.status !== 'pass' && c.status !== 'skip').length,
    );
    expect(streamed('junit')).toBe(formatJunit(full));
    expect(streamed('github')).toBe(formatGithub(full));
  });

  test('the summary tables from the tally (passed images without their checks) equal those of the full report', () => {
    expect(streamed('table')).toBe(formatText(full));
    expect(streamed('markdown')).toBe(formatMarkdown(full));
    const tally = new BatchTally();
    for (const e of entries) tally.add(e);
    const kept = tally.report(full.tool, 'policy', 1, []);
    expect(kept.summary).toEqual(full.summary);
    // Only failures and warnings keep their checks.
    expect(kept.entries.filter((e) => e.checks.length > 0).every((e) => e.status !== 'pass')).toBe(true);
  });
});

describe('spools', () => {
  test('a file spool gives back every character, a multi-byte one split across its read buffer included', () => {
    const spool = fileSpool();
    const text = `${'a'.repeat(64 * 1024 - 1)}🙂${ODD}\n`.repeat(3);
    spool.write(text);
    expect(collect((sink) => spool.drain(sink))).toBe(text);
  });
});
