/**
 * Go durations, as cosign's `-t/--timeout` takes them (`90s`, `3m`, `1h30m`, `500ms`, `1.5s`), and a
 * bare number read as seconds (what trustgate's timeout flags took before). Pure, so it is tested
 * on its own; the flags that use it are in registry-options.ts.
 */
import { UsageError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5, as Go accepts
  μs: 1e-3, // U+03BC
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Longer than any run should take; also keeps the value far inside what setTimeout can hold. */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

const BARE = /^\d+(\.\d+)?$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Milliseconds (rounded up to a whole one, so no positive duration becomes 0, which means "no
 * limit" to the transport). `0` is 0. A sign, an unknown unit or anything over MAX_DURATION_MS is
 * a usage error naming `flag`.
 */
export function parseGoDuration(text: string, flag: string): number {
  const s = text.trim();
  const bad = (why: string) =>
    new UsageError(
      `${flag} "${text}" ${why}: give a duration such as 90s, 3m, 1h30m or 500ms (a bare number is seconds)`,
    );
  if (s === '') throw bad('is empty');
  if (s.startsWith('-')) throw bad('is negative');
  let ms: number;
  if (BARE.test(s)) ms = Number(s) * 1000;
  else {
    ms = 0;
    let at = 0;
    while (at < s.length) {
      PART.lastIndex = at;
      const m = PART.exec(s);
      if (!m) throw bad('is not a duration');
      ms += Number(m[1]) * UNIT_MS[m[2]!]!;
      at = PART.lastIndex;
    }
  }
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) throw bad('is longer than 168h');
  return Math.ceil(ms);
}
