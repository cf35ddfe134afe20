/**
 * A key is one key however its PEM writes it: an EC point given compressed has the fingerprint of
 * the uncompressed form, so revocation lists and distinct-signer counts cannot be dodged by re-encoding.
 */
import { createPublicKey, ECDH, generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';
import { parsePublicKey } from '../../src/trust/keys.js';

test('a compressed P-256 public key has the same fingerprint and SPKI as its uncompressed form', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const uncompressedPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x!, 'base64url'),
    Buffer.from(jwk.y!, 'base64url'),
  ]);
  const compressed = ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
  const spki = Buffer.concat([
    Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
    compressed,
  ]);
  const compressedPem = `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
  // The two PEMs really differ, and both are the same key to OpenSSL.
  expect(compressedPem).not.toBe(uncompressedPem);
  expect(createPublicKey(compressedPem).export({ format: 'jwk' })).toEqual(jwk);

  const a = parsePublicKey(uncompressedPem, 'a.pub');
  const b = parsePublicKey(compressedPem, 'b.pub');
  expect(b.fingerprint).toBe(a.fingerprint);
  expect(b.spkiDer.equals(a.spkiDer)).toBe(true);
});
