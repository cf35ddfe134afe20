/**
 * A cosign simple-signing signature (payload layer + annotations) as a Sigstore v0.1 bundle, so
 * sigstore-js verifies it like any other: a messageSignature over the payload, plus the tlog entry
 * rebuilt from the Rekor-bundle annotation (its SET becomes the inclusion promise).
 */
import { createHash } from 'node:crypto';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import * as z from 'zod';
import type { SimpleSigningSignature } from '../discovery/types.js';
import { TrustgateError } from '../errors.js';

export const rekorBundleSchema = z.object({
  SignedEntryTimestamp: z.string().min(1),
  Payload: z.object({
    body: z.string().min(1),
    integratedTime: z.number().int().nonnegative(),
    logIndex: z.number().int().nonnegative(),
    logID: z.string().regex(/^[0-9a-f]{64}$/),
  }),
});
export type RekorBundle = z.infer<typeof rekorBundleSchema>;

const BUNDLE_V01 = 'application/vnd.dev.sigstore.bundle+json;version=0.1';

export function parseRekorBundle(text: string): RekorBundle {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TrustgateError('BUNDLE_INVALID', 'the Rekor bundle annotation is not JSON');
  }
  const r = rekorBundleSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TrustgateError(
      'BUNDLE_INVALID',
      `the Rekor bundle annotation is malformed (${i?.path.join('.')}: ${i?.message})`,
    );
  }
  return r.data;
}

/** The protobuf-JSON tlog entry for a cosign Rekor bundle. */
export function tlogEntryFromRekorBundle(rb: RekorBundle): Record<string, unknown> {
  let body: { kind?: unknown; apiVersion?: unknown };
  try {
    body = JSON.parse(Buffer.from(rb.Payload.body, 'base64').toString('utf8'));
  } catch {
    throw new TrustgateError('BUNDLE_INVALID', 'the Rekor bundle body is not base64 JSON');
  }
  if (typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') {
    throw new TrustgateError('BUNDLE_INVALID', 'the Rekor bundle body has no kind/apiVersion');
  }
  return {
    logIndex: String(rb.Payload.logIndex),
    logId: { keyId: Buffer.from(rb.Payload.logID, 'hex').toString('base64') },
    kindVersion: { kind: body.kind, version: body.apiVersion },
    integratedTime: String(rb.Payload.integratedTime),
    inclusionPromise: { signedEntryTimestamp: rb.SignedEntryTimestamp },
    canonicalizedBody: rb.Payload.body,
  };
}

export interface LegacyBundleOptions {
  /** Leave the tlog entry out (--insecure-ignore-tlog), as cosign then skips the log entirely. */
  ignoreTlog: boolean;
  /** Keyless: the verification material is the leaf certificate from the annotation. */
  certificate?: boolean;
}

/** The first PEM certificate of an annotation, as base64 DER. */
export function leafCertificateDer(pem: string): string {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new TrustgateError('BUNDLE_INVALID', 'the certificate annotation holds no PEM certificate');
  return m[1]!.replace(/\s/g, '');
}

export function simpleSigningToBundle(sig: SimpleSigningSignature, opts: LegacyBundleOptions): Bundle {
  const tlogEntries =
    !opts.ignoreTlog && sig.rekorBundle ? [tlogEntryFromRekorBundle(parseRekorBundle(sig.rekorBundle))] : [];
  const digest = createHash('sha256').update(sig.payload).digest('base64');
  try {
    return bundleFromJSON({
      mediaType: BUNDLE_V01,
      verificationMaterial: {
        ...(opts.certificate
          ? {
              x509CertificateChain: {
                certificates: [{ rawBytes: leafCertificateDer(sig.certificate ?? '') }],
              },
            }
          : { publicKey: { hint: '' } }),
        tlogEntries,
        timestampVerificationData: { rfc3161Timestamps: [] },
      },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest }, signature: sig.signature },
    });
  } catch (e) {
    throw new TrustgateError(
      'BUNDLE_INVALID',
      `cannot form a Sigstore bundle from the signature: ${(e as Error).message}`,
    );
  }
}
