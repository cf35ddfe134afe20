import { expect, test } from 'vitest';
import { topLevelValueSpan } from '../../src/util/json-span.js';

const slice = (s: string, key: string) => {
  const b = Buffer.from(s);
  const span = topLevelValueSpan(b, key);
  return span ? b.subarray(span[0], span[1]).toString() : undefined;
};

test('finds the exact bytes of a top-level value, whitespace and key order as written', () => {
  const doc =
    '{"_type":"x","subject":[{"digest":{"sha256":"ab"}}],"predicate":{ "b" : [1, "}\\"]"] ,"a":null }, "z": 1}';
  expect(slice(doc, 'predicate')).toBe('{ "b" : [1, "}\\"]"] ,"a":null }');
  expect(slice(doc, 'z')).toBe('1');
  expect(slice(doc, 'subject')).toBe('[{"digest":{"sha256":"ab"}}]');
  expect(slice(doc, 'missing')).toBeUndefined();
});

test('a nested "predicate" key is not the top-level one', () => {
  expect(slice('{"x":{"predicate":1},"predicate":2}', 'predicate')).toBe('2');
});

test('a key present twice is refused, as parsers disagree on which wins', () => {
  expect(() => slice('{"predicate":1,"predicate":2}', 'predicate')).toThrow(/twice/);
  expect(() => slice('{"predicate":1,"pred\\u0069cate":2}', 'predicate')).toThrow(/twice/);
});

test('isWellFormedJson agrees with JSON.parse on valid and broken documents', async () => {
  const { isWellFormedJson } = await import('../../src/util/json-span.js');
  const cases = [
    '{}',
    '[]',
    '{"a":[1,2.5,-3e10,true,false,null,"x\\u00e9\\n"]}',
    ' {"a" : { "b" : [ ] } } ',
    '"s"',
    '0',
    '-0.1E+2',
    '{',
    '{"a":}',
    '{"a":1,}',
    '[1,]',
    '{"a" 1}',
    '01',
    '1.',
    '-',
    'tru',
    '"\\x"',
    '"a\nb"',
    '{"a":1}}',
    '[1] [2]',
    '{"a":"\\u12G4"}',
    '',
  ];
  for (const c of cases) {
    let ok = true;
    try {
      JSON.parse(c);
    } catch {
      ok = false;
    }
    expect(isWellFormedJson(Buffer.from(c)), c).toBe(ok);
  }
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  expect(isWellFormedJson(Buffer.from(deep))).toBe(true);
});

test('long strings are skipped exactly: escaped quotes and backslashes on either side of the walk limit', () => {
  for (const n of [60, 61, 62, 63, 64, 65, 66, 200]) {
    const filler = 'a'.repeat(n);
    for (const tail of ['\\"', '\\\\', '\\\\\\"x', 'b\\\\']) {
      const value = JSON.stringify(`${filler}${JSON.parse(`"${tail}"`)}`);
      const doc = `{"s":${value},"k":1}`;
      expect(slice(doc, 's'), `${n} ${tail}`).toBe(value);
      expect(slice(doc, 'k')).toBe('1');
    }
  }
  expect(() => slice(`{"s":"${'a'.repeat(100)}\\"}`, 'k')).toThrow(/unterminated/);
});
