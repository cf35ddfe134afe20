/**
 * `trustgate verify-bundle`: one Sigstore bundle against an artifact, with the trust every other
 * command builds (verify/trust.ts). Nothing here touches a registry; the bundle's bytes are the caller's.
 */
import { existsSync } from 'node:fs';
import { TrustgateError } from '../errors.js';
import { readInputFile } from '../util/safe-fs.js';
import { parseArtifactDigest, type SubjectDigestAlgorithm } from '../verify/artifact-digest.js';
import { type ArtifactInput, type BundleVerification, verifyBundleJson } from '../verify/bundle-verify.js';
import type { Trust } from '../verify/trust.js';

export type BundleResult = BundleVerification;

/**
 * An artifact is held in memory (an Ed25519 message signature is over the bytes, not a digest), so it
 * is read up to a cap: /dev/zero fails there instead of exhausting memory. Larger artifacts are
 * verified by digest: pass sha256:<hex>.
 */
export const MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024;

/**
 * The artifact argument: a file, unless no file has that name and it is written as a digest
 * (`sha256:<64 hex>`, `sha384:`, `sha512:`). What is neither (a short or bare digest, a missing file)
 * is a usage error saying which forms are accepted, never a raw file-system error.
 */
export function artifactOf(target: string): ArtifactInput {
  if (existsSync(target)) return { bytes: readInputFile(target, MAX_ARTIFACT_BYTES) };
  const digest = parseArtifactDigest(target);
  if (digest) return digest.algorithm === 'sha256' ? { sha256: digest.digest } : digest;
  const forms = 'the artifact file, or its digest as sha256:<64 hex> (sha384:, sha512: too)';
  if (/^[0-9a-f]+$/i.test(target))
    throw new TrustgateError(
      'USAGE',
      `${target} is neither a file nor a digest: a digest names its algorithm`,
      {
        hint: `give ${forms}`,
      },
    );
  throw new TrustgateError('USAGE', `${target}: no such file`, { hint: `give ${forms}` });
}

export interface BundleJob {
  /** Match the statement's subjects by this algorithm only (gh attestation verify --digest-alg); default: any that can be computed. */
  digestAlgorithm?: SubjectDigestAlgorithm;
}

/** A bundle carries one signature, so it is checked against one key, or the keyless identity. */
export function runVerifyBundle(
  json: unknown,
  artifact: ArtifactInput,
  trust: Trust,
  job: BundleJob = {},
): BundleResult {
  const given = 'algorithm' in artifact ? artifact.algorithm : 'sha256' in artifact ? 'sha256' : undefined;
  if (job.digestAlgorithm && given && given !== job.digestAlgorithm)
    throw new TrustgateError(
      'USAGE',
      `the artifact is given as a ${given} digest, but only ${job.digestAlgorithm} subject digests are to be matched`,
      { hint: `give the artifact file, or its ${job.digestAlgorithm} digest` },
    );
  const options = job.digestAlgorithm ? { digestAlgorithm: job.digestAlgorithm } : {};
  if (trust.identity)
    return verifyBundleJson(json, artifact, { identity: trust.identity }, trust.trustRoot, options);
  const [key, ...more] = trust.keys;
  if (!key || more.length > 0)
    throw new TrustgateError('USAGE', `a bundle is verified with one key; ${trust.keys.length} were given`);
  return verifyBundleJson(json, artifact, { key }, trust.trustRoot, options);
}
