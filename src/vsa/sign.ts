/**
 * Signing a VSA: a DSSE envelope (payloadType application/vnd.in-toto+json) in a Sigstore bundle
 * v0.3 whose verification material is a public-key hint, with no transparency-log entry: the shape
 * `cosign attest --new-bundle-format --key … --tlog-upload=false` writes. sigstore-js's
 * DSSEBundleBuilder assembles it (pre-authentication encoding, envelope, bundle); node:crypto makes
 * the one signature, since sigstore-js has no signer for a local key. Signing is not verification:
 * what trustgate accepts is still checked by sigstore-js alone.
 */
import { sign as nodeSign } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import type { VsaStatement } from '../policy/vsa-predicate.js';
import type { VsaSigningKey } from './signing-key.js';

export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface SignedVsa {
  /** The bundle's JSON text, as written to files and pushed as the referrer's layer. */
  bundle: string;
  /** The statement's exact bytes (the DSSE payload). */
  payload: Buffer;
}

let builders: WeakMap<VsaSigningKey, DSSEBundleBuilder> | undefined;

/** One builder per key, made once: building is per image, and the batch target is ≤ 1 ms each. */
function builderFor(key: VsaSigningKey): DSSEBundleBuilder {
  builders ??= new WeakMap();
  const known = builders.get(key);
  if (known) return known;
  const publicKey = `-----BEGIN PUBLIC KEY-----\n${key.spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
  const b = new DSSEBundleBuilder({
    witnesses: [],
    signer: {
      sign: async (pae: Buffer) => ({
        signature: nodeSign(key.hash ?? null, pae, key.privateKey),
        key: { $case: 'publicKey', publicKey, hint: key.hint },
      }),
    },
  });
  builders.set(key, b);
  return b;
}

/** Sign `statement` as cosign would, returning the bundle JSON. */
export async function signVsa(statement: VsaStatement, key: VsaSigningKey): Promise<SignedVsa> {
  const payload = Buffer.from(JSON.stringify(statement));
  const bundle = await builderFor(key).create({ data: payload, type: INTOTO_PAYLOAD_TYPE });
  return { bundle: JSON.stringify(cosignShape(bundleToJSON(bundle))), payload };
}

/**
 * cosign's field set: sigstore-js also writes the hint as each signature's keyid and an empty
 * timestamp list, which cosign leaves out. Both verify either way; matching cosign keeps a bundle
 * trustgate attaches indistinguishable from one cosign attached.
 */
function cosignShape(json: unknown): unknown {
  const b = json as {
    mediaType: string;
    verificationMaterial: { publicKey?: { hint: string } };
    dsseEnvelope: { payload: string; payloadType: string; signatures: Array<{ sig: string }> };
  };
  return {
    mediaType: b.mediaType,
    verificationMaterial: { publicKey: b.verificationMaterial.publicKey },
    dsseEnvelope: {
      payload: b.dsseEnvelope.payload,
      payloadType: b.dsseEnvelope.payloadType,
      signatures: b.dsseEnvelope.signatures.map((s) => ({ sig: s.sig })),
    },
  };
}
