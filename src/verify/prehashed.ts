/**
 * Verifying a message signature from the artifact's digest alone (the conformance suite's
 * `sha256:<hex>` form), as other Sigstore clients do. Node's crypto always hashes the message, so
 * ECDSA goes through @noble/curves with prehash off, and RSA PKCS#1 v1.5 through the DigestInfo that
 * publicDecrypt recovers. Ed25519 signs the message itself: it cannot be checked from a digest.
 */
import { constants, type KeyObject, publicDecrypt, timingSafeEqual } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';

/** DER prefix of a DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

function rawEcPoint(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]);
}

export function verifyPrehashed(key: KeyObject, sha256: Buffer, signature: Buffer): boolean {
  try {
    if (key.asymmetricKeyType === 'ec') {
      const curve = { prime256v1: p256, secp384r1: p384, secp521r1: p521 }[
        key.asymmetricKeyDetails?.namedCurve ?? ''
      ];
      if (!curve) return false;
      return curve.verify(signature, sha256, rawEcPoint(key), { prehash: false, format: 'der', lowS: false });
    }
    if (key.asymmetricKeyType === 'rsa') {
      const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
      const expected = Buffer.concat([SHA256_DIGEST_INFO, sha256]);
      return recovered.length === expected.length && timingSafeEqual(recovered, expected);
    }
  } catch {
    return false;
  }
  return false;
}
