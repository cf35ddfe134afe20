import { dsse } from '@sigstore/core';
import { describe, expect, test } from 'vitest';
import { allocatePayloadAfterHeader, preAuthEncoding } from '../../src/verify/dsse-pae.js';

describe('DSSE PAE without a payload copy', () => {
  test('a payload decoded after its header gives the same bytes as @sigstore/core, with no new buffer', () => {
    for (const type of ['application/vnd.in-toto+json', 'tÿpe/ünicode', '']) {
      // Over Node's pool size, so that sharing an ArrayBuffer means sharing memory on purpose.
      const body = Buffer.from(`{"n":"${type}${'x'.repeat(100_000)}"}`);
      const payload = allocatePayloadAfterHeader(type, body.length);
      body.copy(payload);
      const pae = preAuthEncoding(type, payload);
      expect(pae.equals(dsse.preAuthEncoding(type, body))).toBe(true);
      expect(pae.buffer).toBe(payload.buffer);
    }
  });

  test('a header for another payloadType is not reused: the PAE is built for the type asked', () => {
    const body = Buffer.from(`{"x":"${'x'.repeat(100_000)}"}`);
    const payload = allocatePayloadAfterHeader('application/vnd.in-toto+json', body.length);
    body.copy(payload);
    const pae = preAuthEncoding('text/plain', payload);
    expect(pae.equals(dsse.preAuthEncoding('text/plain', body))).toBe(true);
    expect(pae.buffer).not.toBe(payload.buffer);
  });

  test('a shortened view of the payload is not taken for the laid-out one', () => {
    const payload = allocatePayloadAfterHeader('t', 4);
    Buffer.from('abcd').copy(payload);
    const part = payload.subarray(0, 2);
    expect(preAuthEncoding('t', part).equals(dsse.preAuthEncoding('t', Buffer.from('ab')))).toBe(true);
  });
});
