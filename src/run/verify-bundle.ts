/**
 * `trustgate verify-bundle`: one Sigstore bundle against an artifact, with the trust every other
 * command builds (verify/trust.ts). Nothing here touches a registry; the bundle's bytes are the caller's.
 */
import { existsSync } from 'node:fs';
import { TrustgateError } from '../errors.js';
import { readInputFile } from '../util/safe-fs.js';
import { type ArtifactInput, type BundleVerification, verifyBundleJson } from '../verify/bundle-verify.js';
import type { Trust } from '../verify/trust.js';

export type BundleResult = BundleVerification;

const DIGEST_ARG = /^sha256:[a-f0-9]{64}$/;

/**
 * An artifact is held in memory (an Ed25519 message signature is over the bytes, not a digest), so it
 * is read up to a cap: /dev/zero fails there instead of exhausting memory. Larger artifacts are
 * verified by digest: pass sha256:<hex>.
 */
export const MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024;

/** The artifact argument: `sha256:<64 hex>` stands for a digest unless a file has that very name. */
export function artifactOf(target: string): ArtifactInput {
  return DIGEST_ARG.test(target) && !existsSync(target)
    ? { sha256: Buffer.from(target.slice(7), 'hex') }
    : { bytes: readInputFile(target, MAX_ARTIFACT_BYTES) };
}

/** A bundle carries one signature, so it is checked against one key, or the keyless identity. */
export function runVerifyBundle(json: unknown, artifact: ArtifactInput, trust: Trust): BundleResult {
  if (trust.identity) return verifyBundleJson(json, artifact, { identity: trust.identity }, trust.trustRoot);
  const [key, ...more] = trust.keys;
  if (!key || more.length > 0)
    throw new TrustgateError('USAGE', `a bundle is verified with one key; ${trust.keys.length} were given`);
  return verifyBundleJson(json, artifact, { key }, trust.trustRoot);
}
