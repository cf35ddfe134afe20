/** The JSON span scanner against JSON.parse: same verdict on well-formedness, same member values. */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isWellFormedJson, nestingWithin, topLevelMembers } from '../../src/util/json-span.js';
import { bounded, bytesNear, fuzz, jsonishText } from './harness.js';

function oracle(b: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(Buffer.from(b).toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** Nesting depth of a parsed value, with a stack (the value may be thousands deep). */
function depthOf(v: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x && typeof x === 'object') {
      max = Math.max(max, d + 1);
      for (const y of Object.values(x)) stack.push([y, d + 1]);
    }
  }
  return max;
}

/** Strings past the scanner's 64-byte walk, where it switches to native searches: escapes matter there. */
const longString = fc
  .array(fc.constantFrom('a', '\\', '"', '\\\\', '\\"', 'é', '\\u00e9'), { minLength: 20, maxLength: 120 })
  .map((parts) => parts.join(''));
const numberish = fc.stringMatching(/^-?[0-9]{0,3}(\.[0-9]{0,2})?([eE][+-]?[0-9]{0,2})?$/);
const tokens = fc
  .array(
    fc.oneof(
      numberish,
      fc.constantFrom('true', 'fals', 'null', '"', '\\u12g4', ',', ':', '{', '}', '[', ']', ' ', '\ufeff'),
    ),
    {
      maxLength: 12,
    },
  )
  .map((t) => t.join(''));
const docs = fc.oneof(
  bytesNear(jsonishText(fc.jsonValue({ maxDepth: 5 }))),
  fc.dictionary(longString, longString).map((o) => Buffer.from(JSON.stringify(o))),
  longString.map((s) => Buffer.from(`{"k":"${s}"}`)),
  tokens.map((t) => Buffer.from(t)),
);
const objects = fc
  .tuple(
    fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 4 })),
    fc.constantFrom(0, 1, '\t'),
  )
  .map(([o, indent]) => Buffer.from(JSON.stringify(o, null, indent)));

describe('fuzz: json-span', () => {
  test('isWellFormedJson agrees with JSON.parse', () => {
    fuzz('json-span isWellFormedJson', [docs], (b) => {
      const r = bounded(() => isWellFormedJson(b));
      expect(r).toEqual({ value: oracle(b).ok });
    });
  });

  test('nestingWithin never throws and, on JSON, agrees with the parsed depth', () => {
    fuzz('json-span nestingWithin', [docs, fc.integer({ min: 0, max: 64 })], (b, limit) => {
      const r = bounded(() => nestingWithin(b, limit));
      const o = oracle(b);
      if (o.ok) expect(r).toEqual({ value: depthOf(o.value) <= limit });
    });
  });

  test('topLevelMembers: every span parses to the member JSON.parse gives', () => {
    fuzz('json-span topLevelMembers', [fc.oneof(objects, docs)], (b) => {
      const o = oracle(b);
      // Documented precondition: a JSON object; a repeated key is refused with a plain Error.
      if (!o.ok || !o.value || typeof o.value !== 'object' || Array.isArray(o.value)) return;
      let members: Map<string, [number, number]>;
      try {
        members = topLevelMembers(b);
      } catch (e) {
        expect((e as Error).message).toMatch(/appears twice/);
        return;
      }
      const value = o.value as Record<string, unknown>;
      expect([...members.keys()].sort()).toEqual(Object.keys(value).sort());
      if (depthOf(value) > 500) return;
      for (const [k, [s, e]] of members) {
        expect(isDeepStrictEqual(JSON.parse(Buffer.from(b).toString('utf8', s, e)), value[k])).toBe(true);
      }
    });
  });
});
