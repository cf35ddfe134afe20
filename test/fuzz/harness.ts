/**
 * Shared rules of the fuzz targets. The CI pass (`npm test`) runs FUZZ_RUNS inputs per target (default
 * 60) from a fixed seed, so a failure reproduces; `npm run fuzz` sets FUZZ_RUNS high, picks a seed and
 * prints it, and sums the counts each target appends to FUZZ_REPORT.
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { isTrustgateError, type TrustgateError } from '../../src/errors.js';

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 60);
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x7257);
/**
 * Per input: wall time, and heap growth (a parser that balloons on a few KB of input is a bug). The
 * CI pass allows more time: it shares small machines, and a GC pause there is not a finding.
 */
export const MAX_MS = Number(process.env.FUZZ_MAX_MS ?? (process.env.FUZZ_RUNS ? 500 : 1500));
export const MAX_HEAP_GROWTH = 64 * 1024 * 1024;

/**
 * Calls `f` on one input: it returns, or throws a TrustgateError with a code; anything else (a
 * TypeError, a RangeError from the stack, a plain Error) fails the property, as does taking too long.
 */
export function bounded<T>(f: () => T): { value: T } | { error: TrustgateError } {
  const heap = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  let out: { value: T } | { error: TrustgateError };
  try {
    out = { value: f() };
  } catch (e) {
    if (!isTrustgateError(e) || !e.code) throw new Error(`not a TrustgateError: ${String(e)}`, { cause: e });
    out = { error: e };
  }
  const ms = performance.now() - t0;
  if (ms > MAX_MS) throw new Error(`one input took ${ms.toFixed(0)} ms (bound ${MAX_MS} ms)`);
  const grew = process.memoryUsage().heapUsed - heap;
  if (grew > MAX_HEAP_GROWTH) throw new Error(`one input grew the heap by ${grew} bytes`);
  return out;
}

/** Runs a property over `weight` × FUZZ_RUNS inputs and records how many were tried. */
export function fuzz<Ts extends [unknown, ...unknown[]]>(
  target: string,
  arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  check: (...args: Ts) => void,
  weight = 1,
): void {
  let tried = 0;
  const property = fc.property(...arbs, (...args: Ts) => {
    tried++;
    check(...args);
  });
  try {
    fc.assert(property, { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(FUZZ_RUNS * weight)) });
  } finally {
    if (process.env.FUZZ_REPORT) appendFileSync(process.env.FUZZ_REPORT, `${target}\t${tried}\n`);
  }
}

// ---- generators ----

/** Strings with anything in them: unicode, control characters, lone surrogates, NUL. */
export const anyString = (maxLength = 64) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.stringMatching(/^[\u0000-\u001f"\\{}[\]:,]*$/).map((s) => s.slice(0, maxLength)),
  );

/** `depth` arrays or objects around `inner`, closed or not. */
export const deepNesting = fc
  .record({
    depth: fc.integer({ min: 1, max: 20_000 }),
    open: fc.constantFrom('[', '{"a":', '[{"a":'),
    closed: fc.boolean(),
  })
  .map(({ depth, open, closed }) => {
    const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
    return `${open.repeat(depth)}1${closed ? close.repeat(depth) : ''}`;
  });

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every container and its keys in `v`, walked with a stack. */
function containers(v: Json): Array<Json[] | { [k: string]: Json }> {
  const out: Array<Json[] | { [k: string]: Json }> = [];
  const stack: Json[] = [v];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x && typeof x === 'object') {
      out.push(x);
      stack.push(...(Array.isArray(x) ? x : Object.values(x)));
    }
  }
  return out;
}

const mutation = fc.record({
  at: fc.nat(),
  key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('mediaType', 'digest', 'size', 'payload')),
  op: fc.constantFrom('set', 'delete', 'wrap'),
  value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
});

/** `seed` with a few random edits: members set to other JSON, deleted, or wrapped in an array. */
export function mutated(seed: unknown): fc.Arbitrary<unknown> {
  return fc.array(mutation, { maxLength: 4 }).map((ops) => {
    const doc = structuredClone(seed) as Json;
    for (const { at, key, op, value } of ops) {
      const all = containers(doc);
      const c = all[at % all.length];
      if (!c) continue;
      const keys = Object.keys(c);
      const k = Array.isArray(c) ? String(at % (c.length + 1)) : (keys[at % (keys.length + 1)] ?? key);
      const r = c as Record<string, Json>;
      if (op === 'delete') delete r[k];
      else if (op === 'wrap') r[k] = [r[k] ?? value];
      else r[k] = value;
    }
    return doc;
  });
}

/** Text near a JSON document: the document, with a byte edit or two, cut short, or raw bytes. */
export function jsonishText(doc: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), ins: anyString(4) });
  return fc.oneof(
    { weight: 4, arbitrary: doc.map((d) => JSON.stringify(d) ?? 'null') },
    {
      weight: 3,
      arbitrary: fc.tuple(doc, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([d, edits]) => {
        let s = JSON.stringify(d) ?? 'null';
        for (const e of edits) {
          const i = e.at % (s.length + 1);
          s = s.slice(0, i) + e.ins + s.slice(i + e.del);
        }
        return s;
      }),
    },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: anyString(200) },
    { weight: 1, arbitrary: deepNesting },
  );
}

/** Raw bytes: arbitrary, or UTF-8 of JSON-ish text. */
export function bytesNear(text: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 3, arbitrary: text.map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
  );
}
