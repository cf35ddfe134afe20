/**
 * CI formats for a batch report. Each is a pure function of the report and returns text; where it
 * goes (stdout, a file, $GITHUB_STEP_SUMMARY) is decided by the caller.
 *
 * Every string in a report may have come from outside (an image reference or path from a manifest, a
 * reason quoting a registry's error or a signed payload), so each format passes every one of them
 * through its own escaping, built on printable(): no outside text adds a line, a heading, an image,
 * a workflow command or a control character to what a person reads. JSON keeps exact values.
 */
import { jsonText, printable } from '../util/printable.js';
import type { BatchCheck, BatchEntry, BatchReport, SourceLocation } from './report.js';
import { collect, JsonListStream, memorySpool, type Sink, type Spool } from './stream.js';

const ORDER = { fail: 0, warn: 1, pass: 2 } as const;
const byStatus = (a: BatchEntry, b: BatchEntry) => ORDER[a.status] - ORDER[b.status];
const bad = (e: BatchEntry): BatchCheck[] =>
  e.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
const where = (l: SourceLocation) => `${l.file}:${l.line}${l.path ? ` (${l.path})` : ''}`;
/** The first characters of a digest, for tables (a digest from a layout is outside text too). */
const short = (digest: string) => printable(`${digest.slice(0, 19)}…`);

/** A summary table, failures first, each with its reasons. */
export function formatText(r: BatchReport): string {
  const lines: string[] = [];
  const s = r.summary;
  lines.push(
    `${s.images} image(s), ${s.distinctDigests} distinct digest(s): ${s.passed} passed, ${s.failed} failed, ${s.warned} with warnings`,
  );
  for (const e of [...r.entries].sort(byStatus)) {
    const mark = e.status === 'fail' ? 'FAIL' : e.status === 'warn' ? 'WARN' : 'ok  ';
    lines.push(
      `${mark}  ${printable(e.reference)}${e.digest ? `  ${short(e.digest)}` : ''}  ${printable(e.summary)}`,
    );
    if (e.status !== 'pass') {
      for (const c of bad(e)) lines.push(`        ${c.status}: ${printable(c.id)}: ${printable(c.reason)}`);
      for (const l of e.locations) lines.push(`        at ${printable(where(l))}`);
    }
  }
  for (const k of r.skipped) lines.push(`skipped  ${printable(where(k))}: ${printable(k.reason)}`);
  return lines.join('\n');
}

export function formatJson(r: BatchReport): string {
  return jsonText({ schemaVersion: 1, ...r }, 2);
}

/**
 * A path as a SARIF artifact URI: the characters a URI cannot carry raw (controls, and so newlines)
 * are percent-encoded; others stay as written, as viewers expect a repository path.
 */
const sarifUri = (file: string) =>
  file
    .replace(/\\/g, '/')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) =>
      encodeURIComponent(c),
    );

/**
 * SARIF 2.1.0: one result per failed (error) or warned (warning) check, at the manifest line. Text a
 * viewer shows (messages, logical locations) is one printable line; properties and fingerprints keep
 * exact values (JSON-escaped). Results come before the tool, whose rules are only known once every
 * result is (so a streamed batch writes results as images finish: report/stream.ts).
 */
export function formatSarif(r: BatchReport): string {
  return collect((sink) => {
    const out = sarifStream(sink, r.tool.version);
    for (const e of r.entries) out.entry(e);
    out.end();
  });
}

/** One entry's SARIF results, each with its rule id. */
export function sarifResults(e: BatchEntry): Array<{ ruleId: string; result: unknown }> {
  return bad(e).map((c) => {
    const ruleId = sarifRuleId(c.id);
    const locations = e.locations.map((l) => ({
      physicalLocation: {
        artifactLocation: { uri: sarifUri(l.file) },
        region: { startLine: Math.max(1, l.line), ...(l.column ? { startColumn: l.column } : {}) },
      },
      ...(l.path ? { logicalLocations: [{ fullyQualifiedName: printable(l.path) }] } : {}),
    }));
    return {
      ruleId,
      result: {
        ruleId,
        level: c.status === 'fail' ? 'error' : 'warning',
        message: { text: printable(`${e.reference}: ${c.reason}`) },
        ...(locations.length > 0 ? { locations } : {}),
        partialFingerprints: { imageCheck: `${e.reference}|${c.rule ?? ''}|${c.id}` },
        properties: {
          reference: e.reference,
          ...(e.digest ? { digest: e.digest } : {}),
          ...(c.rule ? { rule: c.rule } : {}),
        },
      },
    };
  });
}

/** The SARIF document around its results (`results` is the list, or the stream's placeholder). */
export function sarifDocument(version: string, ruleIds: ReadonlySet<string>, results: unknown): unknown {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        results,
        tool: {
          driver: {
            name: 'trustgate',
            version,
            informationUri: 'https://github.com/trustgate/trustgate',
            rules: [...ruleIds]
              .sort()
              .map((id) => ({ id, shortDescription: { text: printable(`trustgate check ${id}`) } })),
          },
        },
      },
    ],
  };
}

/** Each entry's SARIF results as it comes; the document is complete after end(). */
export function sarifStream(sink: Sink, version: string): { entry(e: BatchEntry): void; end(): void } {
  const ruleIds = new Set<string>();
  const list = new JsonListStream(sink);
  list.open((results) => sarifDocument(version, ruleIds, results));
  return {
    entry: (e) => {
      for (const { ruleId, result } of sarifResults(e)) {
        ruleIds.add(ruleId);
        list.item(result);
      }
    },
    end: () => list.close((results) => sarifDocument(version, ruleIds, results)),
  };
}

/** SARIF rule ids: stable per kind of check (vulnerabilities/CVE-… → vulnerabilities). */
function sarifRuleId(id: string): string {
  if (id.startsWith('vulnerabilities/')) return 'vulnerabilities';
  if (id.startsWith('sbom/package/')) return 'sbom/package';
  if (id.startsWith('sbom/license/')) return 'sbom/license';
  return id;
}

/**
 * Outside text in XML, attribute or content: one printable line (which also drops every character
 * XML 1.0 cannot carry: C0 controls, unpaired surrogates), then the five markup characters escaped.
 */
const xml = (s: string) =>
  printable(s)
    .replace(/\uFFFE|\uFFFF/g, '?')
    .replace(
      /[<>&"']/g,
      (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
    );

/** JUnit XML: one testcase per image and check. */
export function formatJunit(r: BatchReport): string {
  return collect((sink) => {
    const out = junitStream(sink, r.mode, memorySpool());
    for (const e of r.entries) out.entry(e);
    out.end();
  });
}

/** One entry's testcases, each with its status. */
export function junitCases(e: BatchEntry): Array<{ status: BatchCheck['status']; xml: string }> {
  return e.checks.map((c) => {
    const name = xml(`${c.rule ? `${c.rule}/` : ''}${c.id}`);
    const open = `    <testcase classname="${xml(e.reference)}" name="${name}">`;
    const body =
      c.status === 'fail'
        ? `${open}\n      <failure message="${xml(c.reason)}">${xml(`${e.reference}${e.digest ? ` (${e.digest})` : ''}: ${c.reason}`)}</failure>\n    </testcase>`
        : c.status === 'skip'
          ? `${open}\n      <skipped message="${xml(c.reason)}"/>\n    </testcase>`
          : c.status === 'warn'
            ? `${open}\n      <system-out>${xml(`warning: ${c.reason}`)}</system-out>\n    </testcase>`
            : `${open}</testcase>`;
    return { status: c.status, xml: body };
  });
}

/** The lines before a JUnit report's testcases, which carry its totals. */
export function junitHead(
  mode: BatchReport['mode'],
  t: { total: number; failures: number; skipped: number },
) {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="trustgate" tests="${t.total}" failures="${t.failures}">`,
    `  <testsuite name="trustgate ${mode}" tests="${t.total}" failures="${t.failures}" errors="0" skipped="${t.skipped}">`,
  ].join('\n');
}

export const JUNIT_TAIL = '  </testsuite>\n</testsuites>';

/** Each entry's testcases into `spool` as it comes; end() writes the head with the totals, then them. */
export function junitStream(
  sink: Sink,
  mode: BatchReport['mode'],
  spool: Spool,
): { entry(e: BatchEntry): void; end(): void } {
  const totals = { total: 0, failures: 0, skipped: 0 };
  return {
    entry: (e) => {
      for (const c of junitCases(e)) {
        totals.total++;
        if (c.status === 'fail') totals.failures++;
        if (c.status === 'skip') totals.skipped++;
        spool.write(`${c.xml}\n`);
      }
    },
    end: () => {
      sink.write(`${junitHead(mode, totals)}\n`);
      spool.drain(sink);
      sink.write(JUNIT_TAIL);
    },
  };
}

/**
 * Outside text in a Markdown table cell: one printable line (no newline or carriage return can start
 * a heading or an image of its own), then a backslash before every character GitHub Markdown acts on
 * within a line (emphasis, code, links and images, HTML and entities, tables, math, strikethrough).
 */
const md = (s: string) => printable(s).replace(/[\\`*_{}[\]<>()#!|~&$]/g, (c) => `\\${c}`);
/**
 * Outside text in a Markdown code span: one printable line without backticks (a span cannot escape
 * them); a table still splits a cell at a pipe inside a span unless it is escaped.
 */
const mdCode = (s: string) => `\`${printable(s).replace(/`/g, '').replace(/\|/g, '\\|')}\``;

/** Markdown for a GitHub step summary: totals, then a table, failures first. */
export function formatMarkdown(r: BatchReport): string {
  const s = r.summary;
  const icon = { fail: '❌', warn: '⚠️', pass: '✅' } as const;
  const lines = [
    `### trustgate ${r.mode}: ${s.failed > 0 ? '❌ failed' : s.warned > 0 ? '⚠️ passed with warnings' : '✅ passed'}`,
    '',
    `${s.images} image(s), ${s.distinctDigests} distinct digest(s): **${s.passed} passed**, **${s.failed} failed**, ${s.warned} with warnings.`,
    '',
    '| | image | digest | result |',
    '|---|---|---|---|',
    ...[...r.entries]
      .sort(byStatus)
      .map(
        (e) =>
          `| ${icon[e.status]} | ${mdCode(e.reference)} | ${e.digest ? mdCode(short(e.digest)) : ''} | ${md(e.summary)} |`,
      ),
  ];
  if (r.skipped.length > 0)
    lines.push(
      '',
      `${r.skipped.length} image field(s) skipped (unknown kinds): ${r.skipped.map((k) => md(`${k.file}:${k.line}`)).join(', ')}`,
    );
  return `${lines.join('\n')}\n`;
}

/**
 * GitHub Actions workflow commands: ::error / ::warning, at the manifest line when known. Outside
 * text is one printable line (so each command stays one line and its message one line), then
 * escaped as the runner reads it: `%` in the message; `%`, `:` and `,` in properties.
 */
export function formatGithub(r: BatchReport): string {
  return r.entries.flatMap(githubLines).join('\n');
}

/** One entry's workflow commands. */
export function githubLines(e: BatchEntry): string[] {
  const esc = (s: string) => printable(s).replace(/%/g, '%25');
  const prop = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const out: string[] = [];
  for (const c of bad(e)) {
    const level = c.status === 'fail' ? 'error' : 'warning';
    const at = e.locations.length > 0 ? e.locations : [undefined];
    for (const l of at) {
      const props = [
        ...(l ? [`file=${prop(l.file)}`, `line=${l.line}`, ...(l.column ? [`col=${l.column}`] : [])] : []),
        `title=${prop(`trustgate ${c.id}`)}`,
      ];
      out.push(`::${level} ${props.join(',')}::${esc(`${e.reference}: ${c.reason}`)}`);
    }
  }
  return out;
}
