import { expect } from 'vitest';
import { TrustgateError } from '../../src/errors.js';

/** Await a promise that must reject with a TrustgateError, and return that error. */
export async function expectFailure(p: Promise<unknown>): Promise<TrustgateError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TrustgateError);
    return e as TrustgateError;
  }
  throw new Error('expected a TrustgateError, but the call succeeded');
}
