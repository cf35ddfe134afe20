/** The nesting-depth guard on statements: counted without parsing, strings ignored, limit inclusive. */
import { describe, expect, test } from 'vitest';
import { nestingWithin } from '../../src/util/json-span.js';
import { MAX_STATEMENT_DEPTH, parseStatement } from '../../src/verify/statement.js';

const b = (s: string) => Buffer.from(s);
const statement = (predicate: string) =>
  b(
    `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"t","predicate":${predicate}}`,
  );

describe('nestingWithin', () => {
  test('counts open arrays and objects; the limit is inclusive', () => {
    expect(nestingWithin(b('[[{"a":[]}]]'), 4)).toBe(true);
    expect(nestingWithin(b('[[{"a":[]}]]'), 3)).toBe(false);
    expect(nestingWithin(b('[][][][]'), 1)).toBe(true);
  });
  test('brackets inside strings, escaped quotes included, do not count', () => {
    expect(nestingWithin(b(`["[[[[\\"[[[[", "${'{'.repeat(100)}"]`), 1)).toBe(true);
  });
  test('an unterminated string ends the count instead of throwing', () => {
    expect(nestingWithin(b('[["[[[['), 2)).toBe(true);
  });
  test('300,000 levels: refused at once, without a stack', () => {
    expect(nestingWithin(b('['.repeat(300_000)), MAX_STATEMENT_DEPTH)).toBe(false);
  });
});

describe('parseStatement refuses nesting over MAX_STATEMENT_DEPTH', () => {
  test('at the limit it parses; one level more is refused with the limit named', () => {
    const at = MAX_STATEMENT_DEPTH - 1;
    const ok = parseStatement(statement(`${'['.repeat(at)}${']'.repeat(at)}`));
    expect(ok.ok).toBe(true);
    const deeper = parseStatement(statement(`${'['.repeat(at + 1)}${']'.repeat(at + 1)}`));
    expect(deeper).toEqual({
      ok: false,
      reason: expect.stringContaining(`more than ${MAX_STATEMENT_DEPTH}`),
    });
  });
  test('a 300,000-deep predicate in a large (> 1 MB) payload is refused too', () => {
    const r = parseStatement(statement(`${'['.repeat(600_000)}${']'.repeat(600_000)}`));
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toContain(`more than ${MAX_STATEMENT_DEPTH}`);
  });
});
