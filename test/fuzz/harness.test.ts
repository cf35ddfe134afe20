/** The harness itself: a property that cannot fail would make every target worthless. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TrustgateError } from '../../src/errors.js';
import { bounded, fuzz, MAX_MS } from './harness.js';

describe('fuzz harness', () => {
  test('bounded: a value or a TrustgateError passes; anything else fails', () => {
    expect(bounded(() => 1)).toEqual({ value: 1 });
    const e = new TrustgateError('PAYLOAD_INVALID', 'x');
    expect(
      bounded(() => {
        throw e;
      }),
    ).toEqual({ error: e });
    expect(() =>
      bounded(() => {
        throw new RangeError('Maximum call stack size exceeded');
      }),
    ).toThrow(/not a TrustgateError: RangeError/);
    expect(() => bounded(() => JSON.parse('{'))).toThrow(/not a TrustgateError/);
  });

  test('bounded: an input slower than the bound fails', () => {
    expect(() =>
      bounded(() => {
        const end = performance.now() + MAX_MS + 20;
        while (performance.now() < end);
      }),
    ).toThrow(/took/);
  });

  test('fuzz: reports a counterexample from the fixed seed', () => {
    // Not a target: kept out of `npm run fuzz`'s counts.
    delete process.env.FUZZ_REPORT;
    expect(() => fuzz('self-test', [fc.nat()], (n) => expect(n).toBeLessThan(50))).toThrow(/Counterexample/);
  });
});
