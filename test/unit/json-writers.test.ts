/**
 * JSON files trustgate writes for humans to read later (the audit log, an export's summary.json) carry
 * outside text (registry errors, annotations) with every string's exact value, and no raw character a
 * terminal or viewer acts on: C1 controls, line separators and bidi overrides are \u-escaped.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { sealArchive } from '../../src/output/archive.js';
import { type AuditRecord, appendAudit } from '../../src/policy/audit-log.js';

const HOSTILE = 'ok\u2028# forged line\u202Egnp.exe\u009b31m\u0085end';
const RAW = /[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const dir = mkdtempSync(join(tmpdir(), 'tg-json-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('an audit record quoting a hostile registry error is escaped, and parses back to the same text', () => {
  const file = join(dir, 'audit.log');
  appendAudit(file, [{ event: 'decision', reason: HOSTILE } as unknown as AuditRecord]);
  const text = readFileSync(file, 'utf8');
  expect(text).not.toMatch(RAW);
  expect(text.trimEnd().split('\n')).toHaveLength(1);
  expect(JSON.parse(text).reason).toBe(HOSTILE);
});

test("an export's summary.json holding a hostile annotation is escaped, and parses back to the same text", () => {
  const files = new Map<string, Uint8Array>();
  sealArchive(files, { annotation: HOSTILE });
  const text = Buffer.from(files.get('summary.json')!).toString('utf8');
  expect(text).not.toMatch(RAW);
  expect(JSON.parse(text).annotation).toBe(HOSTILE);
});
