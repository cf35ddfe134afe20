/**
 * GHSA-whqx-f9j3-ch6m, per log entry shape: the signer a body records is read from every kind the
 * verifier accepts, and only the signer that verified the signature matches.
 */
import type { TransparencyLogEntry } from '@sigstore/protobuf-specs';
import { describe, expect, test } from 'vitest';
import { tlogSignerMismatch } from '../../src/verify/tlog-signer.js';
import { generateKey } from '../support/signing.js';

const signer = generateKey('p256');
const other = generateKey('p256');
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

function entry(body: unknown): TransparencyLogEntry {
  return { logIndex: '7', canonicalizedBody: Buffer.from(JSON.stringify(body)) } as TransparencyLogEntry;
}

const shapes: Record<string, (pem: string, der: Buffer) => unknown> = {
  'hashedrekord 0.0.1': (pem) => ({
    kind: 'hashedrekord',
    apiVersion: '0.0.1',
    spec: { signature: { publicKey: { content: b64(pem) } } },
  }),
  'dsse 0.0.1': (pem) => ({
    kind: 'dsse',
    apiVersion: '0.0.1',
    spec: { signatures: [{ verifier: b64(pem) }] },
  }),
  'intoto 0.0.2 (base64 twice)': (pem) => ({
    kind: 'intoto',
    apiVersion: '0.0.2',
    spec: { content: { envelope: { signatures: [{ publicKey: b64(b64(pem)) }] } } },
  }),
  'intoto 0.0.1': (pem) => ({ kind: 'intoto', apiVersion: '0.0.1', spec: { publicKey: b64(pem) } }),
  'hashedrekord 0.0.2': (_pem, der) => ({
    kind: 'hashedrekord',
    apiVersion: '0.0.2',
    spec: { hashedRekordV002: { signature: { verifier: { publicKey: { rawBytes: b64(der) } } } } },
  }),
  'dsse 0.0.2': (_pem, der) => ({
    kind: 'dsse',
    apiVersion: '0.0.2',
    spec: { dsseV002: { signatures: [{ verifier: { publicKey: { rawBytes: b64(der) } } }] } },
  }),
};

describe('GHSA-whqx-f9j3-ch6m: the log entry names the signer', () => {
  for (const [name, shape] of Object.entries(shapes)) {
    test(`GHSA-whqx-f9j3-ch6m: ${name} entries match only the key that verified`, () => {
      const expected = { spkiDer: signer.spkiDer };
      expect(tlogSignerMismatch([entry(shape(signer.pem, signer.spkiDer))], expected)).toBeUndefined();
      expect(tlogSignerMismatch([entry(shape(other.pem, other.spkiDer))], expected)).toContain(
        'records another signer',
      );
    });
  }

  test('GHSA-whqx-f9j3-ch6m: an entry naming no readable signer, or a body that is not JSON, does not match', () => {
    const expected = { spkiDer: signer.spkiDer };
    expect(
      tlogSignerMismatch([entry({ kind: 'hashedrekord', apiVersion: '0.0.1', spec: {} })], expected),
    ).toBeDefined();
    const junk = { logIndex: '1', canonicalizedBody: Buffer.from('{') } as TransparencyLogEntry;
    expect(tlogSignerMismatch([junk], expected)).toContain('not JSON');
    // Every entry must name the signer, not just one of them.
    const good = entry(shapes['dsse 0.0.1']!(signer.pem, signer.spkiDer));
    const bad = entry(shapes['dsse 0.0.1']!(other.pem, other.spkiDer));
    expect(tlogSignerMismatch([good, bad], expected)).toBeDefined();
  });
});
