/**
 * `trustgate verify` as a library call with one option bag: the run itself is run/verify.ts
 * (runVerify); this file builds its trust and Source from the bag, and keeps the names Node callers
 * and tests import from here.
 */
import { exitCodeForVerdicts } from '../exit-codes.js';
import { parseReference } from '../reference/parse.js';
import type { VerificationKey } from '../trust/keys.js';
import { type LoadedTrustRoot, loadRoot } from '../trust/roots.js';
import { buildTrust as buildRunTrust } from '../verify/trust.js';
import type { SignatureVerifiers } from '../verify/verify-signatures.js';
import { batchOf, limitsOf, sourceOptionsOf, trustInputOf, type VerifyOptions } from './options.js';
import { withSource } from './source.js';
import { type ImageVerdict, runVerify, type VerifyRun } from './verify.js';

// Their home is run/options.ts and run/verify.ts.
export type { VerifyOptions } from './options.js';
export type { ImageVerdict, ImageVerification, VerifyRun } from './verify.js';

/** Kept for importers; the table is src/exit-codes.ts. */
export const exitCodeFor: (verdicts: ImageVerdict[]) => number = exitCodeForVerdicts;

/** Kept for importers: the static root of a trusted_root.json file and/or a Rekor key (trust/roots.ts). */
export function loadTrustRoot(opts: { trustedRoot?: string; rekorPublicKey?: string }): LoadedTrustRoot {
  const rekor = opts.rekorPublicKey ? { rekorPublicKey: opts.rekorPublicKey } : {};
  return loadRoot(
    opts.trustedRoot ? { trustedRoot: opts.trustedRoot, ...rekor } : { embedded: 'public-good', ...rekor },
  );
}

export interface BuiltTrust {
  verifiers: SignatureVerifiers;
  keys: VerificationKey[];
  trustRoot: LoadedTrustRoot;
  /** What must have signed, for messages: key sources and fingerprints, or the identity policy. */
  trustText: string;
}

/** Kept for importers: verify/trust.ts buildTrust, from the option bag, in the old shape. */
export async function buildTrust(options: VerifyOptions): Promise<BuiltTrust> {
  const t = await buildRunTrust(trustInputOf(options));
  return { verifiers: t.verifiers, keys: t.keys, trustRoot: t.trustRoot, trustText: t.text };
}

export async function verifyImages(references: string[], options: VerifyOptions): Promise<VerifyRun> {
  // Parse, then trust, then the client: the order errors were reported in before.
  const parsed = references.map((r) => parseReference(r));
  const trust = await buildRunTrust(trustInputOf(options));
  const batch = batchOf(options);
  return withSource(sourceOptionsOf(options), (source) =>
    runVerify(
      parsed,
      trust,
      { source, limits: limitsOf(options), ...(batch ? { batch } : {}) },
      {
        ...(options.signatureRepository ? { signatureRepository: options.signatureRepository } : {}),
        ...(options.allSignatures ? { allSignatures: true } : {}),
      },
    ),
  );
}
