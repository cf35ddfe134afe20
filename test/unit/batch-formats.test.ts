/**
 * Every CI format of a batch report, fed outside text (an image reference from a manifest, a
 * registry's error, a predicate type from a signed payload) that tries to add lines, headings,
 * images, workflow commands and terminal controls: none of it gets through.
 */
import { describe, expect, test } from 'vitest';
import {
  formatGithub,
  formatJson,
  formatJunit,
  formatMarkdown,
  formatSarif,
  formatText,
} from '../../src/report/formats.js';
import type { BatchReport } from '../../src/report/report.js';

const HOSTILE =
  'x\u001b[2K\u0007\r\n# pwned\n![x](http://evil/x.png)\r::error::forged\n<img src=x>&amp;|`$$\u009b31m\u2028\u202eevil%0A,:';

/** A report whose every outside string is `t` (plus a suffix, so that they differ). */
function report(t: string): BatchReport {
  return {
    tool: { name: 'trustgate', version: '0.0.0' },
    mode: 'policy',
    entries: [
      {
        reference: `ghcr.io/org/a:1${t}`,
        digest: `sha256:${'a'.repeat(8)}${t}`,
        status: 'fail',
        summary: `denied: sbom: ${t}`,
        checks: [
          { id: `attestations/${t}`, status: 'fail', reason: `registry said ${t}`, rule: `rule ${t}` },
          { id: 'sbom', status: 'warn', reason: `warned ${t}` },
          { id: 'skipped', status: 'skip', reason: `skip ${t}` },
          { id: 'signatures', status: 'pass', reason: 'verified' },
        ],
        locations: [{ file: `deploy${t}.yaml`, line: 3, column: 7, path: `spec.containers[0].image${t}` }],
      },
      {
        reference: `ghcr.io/org/b:2${t}`,
        status: 'pass',
        summary: `allowed ${t}`,
        checks: [{ id: 'signatures', status: 'pass', reason: `ok ${t}` }],
        locations: [],
      },
    ],
    skipped: [{ file: `crd${t}.yaml`, line: 9, path: `spec.image${t}`, reason: `unknown kind ${t}` }],
    exitCode: 1,
    summary: { images: 2, passed: 1, failed: 1, warned: 0, distinctDigests: 1 },
  };
}

const FORMATS = {
  text: formatText,
  json: formatJson,
  sarif: formatSarif,
  junit: formatJunit,
  markdown: formatMarkdown,
  github: formatGithub,
};
/** Any control character but the newlines and indentation a format writes itself. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('outside text in every output format', () => {
  for (const [name, format] of Object.entries(FORMATS)) {
    test(`${name}: no raw control character, and not one line more than with plain text`, () => {
      const plain = format(report('-plain'));
      const hostile = format(report(HOSTILE));
      expect(hostile).not.toMatch(RAW_CONTROL);
      expect(hostile.split('\n')).toHaveLength(plain.split('\n').length);
      expect(hostile).not.toContain('\r');
    });
  }

  test('json and sarif keep exact values, escaped', () => {
    const j = JSON.parse(formatJson(report(HOSTILE)));
    expect(j.entries[0].reference).toBe(`ghcr.io/org/a:1${HOSTILE}`);
    expect(j.entries[0].checks[0].reason).toBe(`registry said ${HOSTILE}`);
    const s = JSON.parse(formatSarif(report(HOSTILE)));
    expect(s.runs[0].results[0].properties.reference).toBe(`ghcr.io/org/a:1${HOSTILE}`);
    // What a viewer shows is one printable line.
    expect(s.runs[0].results[0].message.text).not.toMatch(/[\n\r\u001b]/);
    expect(s.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toMatch(
      /^deployx%1B\[2K%07%0D%0A# pwned%0A/,
    );
  });

  test('markdown: no heading, image, HTML or table cell of its own', () => {
    const md = formatMarkdown(report(HOSTILE));
    const lines = md.split('\n');
    expect(lines.filter((l) => l.startsWith('#'))).toEqual(['### trustgate policy: ❌ failed']);
    // Outside a code span (where text is literal; a span from outside has no backtick to end it), an
    // image, a link, HTML or an entity needs an unescaped "![", "<" or "&": every one is escaped.
    expect(md.match(/(^|[^\\])`/g)).toHaveLength(2 * 3);
    const prose = md.replace(/(^|[^\\])`[^`\n]*`/g, '$1');
    expect(prose).not.toMatch(/(^|[^\\])!\[/);
    expect(prose).not.toMatch(/(^|[^\\])<img/);
    expect(prose).not.toMatch(/(^|[^\\])&amp;/);
    expect(prose).toContain('\\!\\[x\\]');
    // Every table row keeps its four cells: a pipe from outside is escaped.
    for (const row of lines.filter((l) => l.startsWith('| ') && !l.startsWith('| |')))
      expect(row.replace(/\\\|/g, '').match(/\|/g)).toHaveLength(5);
  });

  test('github: one workflow command per line, the message and properties escaped', () => {
    const out = formatGithub(report(HOSTILE)).split('\n');
    expect(out).toHaveLength(2);
    for (const l of out) {
      expect(l).toMatch(/^::(error|warning) file=[^,:]+,line=3,col=7,title=[^,:]+::/);
      // The forged command is message text, never at the start of a line.
      expect(l.indexOf('::error::forged')).toBeGreaterThan(0);
    }
    // A literal "%0A" in outside text stays literal, not a newline the runner would decode.
    expect(out[0]).toContain('evil%250A');
  });

  test('junit: well-formed XML with no character XML 1.0 forbids', () => {
    const xml = formatJunit(report(HOSTILE));
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
    expect(xml).not.toContain('<img');
    const stack: string[] = [];
    for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([a-z-]+)[^>]*?(\/?)>/g)) {
      if (m[3]) continue;
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
  });
});
