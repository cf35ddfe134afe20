/**
 * sigstore-js's signature check, with the hash chosen by key type. @sigstore/verify hashes DSSE with
 * SHA-256 whatever the curve, and message signatures with the bundle's digest algorithm, which Ed25519
 * cannot take. Everything else (tlog, SET, timestamps, key validity) stays with sigstore-js; only the
 * final `crypto.verify` call is replaced, over the same signed bytes.
 */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import { type SignedEntity, toSignedEntity } from '@sigstore/verify';
import type { KeyAlgorithm } from '../trust/keys.js';
import { preAuthEncoding } from './dsse-pae.js';

/** Hashes tried in order: the curve's own first, then SHA-256, which cosign 2 uses for every key. */
const HASHES: Record<KeyAlgorithm, Array<string | null>> = {
  'ecdsa-p256': ['sha256'],
  'ecdsa-p384': ['sha384', 'sha256'],
  'ecdsa-p521': ['sha512', 'sha256'],
  rsa: ['sha256'],
  'rsa-pss': ['sha256'],
  ed25519: [null],
};

export function signedBytes(bundle: Bundle, artifact: Buffer | undefined): Buffer {
  if (bundle.content.$case === 'dsseEnvelope') {
    const env = bundle.content.dsseEnvelope;
    return preAuthEncoding(env.payloadType, env.payload);
  }
  return artifact ?? Buffer.alloc(0);
}

/** A hash the user chose (cosign's --signature-digest-algorithm), in place of the defaults above. */
export type SignatureHash = 'sha256' | 'sha384' | 'sha512';

/**
 * `hash`, when given, is the only one tried, as cosign verifies with exactly the one it is told;
 * Ed25519 signs its message whole and takes no hash, so it ignores the choice (as cosign's does).
 */
export function verifyWithAlgorithm(
  data: Buffer,
  key: KeyObject,
  algorithm: KeyAlgorithm,
  signature: Buffer,
  hash?: SignatureHash,
): boolean {
  const hashes = hash && algorithm !== 'ed25519' ? [hash] : HASHES[algorithm];
  for (const h of hashes) {
    try {
      if (cryptoVerify(h, data, key, signature)) return true;
      // RSA keys sign PKCS#1 v1.5 by default; PSS signatures by an rsaEncryption key are accepted too.
      if (
        algorithm === 'rsa' &&
        cryptoVerify(
          h,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          signature,
        )
      ) {
        return true;
      }
    } catch {
      // A malformed signature is simply not a valid one.
    }
  }
  return false;
}

/** toSignedEntity, with the signature check made key-type aware. */
export function toKeyAwareEntity(
  bundle: Bundle,
  artifact: Buffer | undefined,
  algorithm: KeyAlgorithm,
  hash?: SignatureHash,
): SignedEntity {
  const entity = toSignedEntity(bundle, artifact);
  const content = entity.signature;
  const data = signedBytes(bundle, artifact);
  return {
    ...entity,
    signature: {
      signature: content.signature,
      compareSignature: (s) => content.compareSignature(s),
      compareDigest: (d) => content.compareDigest(d),
      compareSignedDigest: (d) => content.compareSignedDigest(d),
      verifySignature: (key) => verifyWithAlgorithm(data, key, algorithm, content.signature, hash),
    },
  };
}
