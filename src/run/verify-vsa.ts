/**
 * `trustgate verify-vsa IMAGE --key K` (slsa-verifier's `verify-vsa`, for an image in a registry or
 * layout): the image's VSA attestations are found and their signatures verified with the key like
 * any attestation (legacy `.att` and bundle referrers; no transparency log: a VSA is key-signed by
 * the verifier), then each verified one is judged (src/policy/vsa-judge.ts). The first that passes passes.
 */
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { judgeVsa } from '../policy/vsa-judge.js';
import { resourceUriOf, VSA_PREDICATE_TYPE } from '../policy/vsa-predicate.js';
import type { Trust } from '../verify/trust.js';
import type { RunContext } from './context.js';
import { runVerifyAttestations } from './verify-attestations.js';

export interface VsaJob {
  verifierId?: string;
  resourceUri?: string;
  policyDigest?: string;
  levels?: string[];
  maxAgeMs?: number;
  maxAgeText?: string;
  now?: Date;
}

export interface VsaRun {
  reference: string;
  digest?: string;
  passed: boolean;
  reason?: string;
  /** The statement that passed, exactly as signed (what --print-attestation prints). */
  attestation?: Uint8Array;
  exitCode: ExitCodeValue;
}

export async function runVerifyVsa(
  reference: string,
  trust: Trust,
  ctx: RunContext,
  job: VsaJob = {},
): Promise<VsaRun> {
  const run = await runVerifyAttestations([reference], trust, ctx, { type: VSA_PREDICATE_TYPE });
  const image = run.images[0]!;
  const base = { reference, ...(image.digest ? { digest: image.digest } : {}) };
  if (image.error) return { ...base, passed: false, reason: image.error.message, exitCode: ExitCode.FAILURE };
  const verified = image.attestations.filter((a) => a.verified && a.statement);
  if (verified.length === 0)
    return {
      ...base,
      passed: false,
      reason: image.message,
      exitCode: image.attestations.length === 0 ? ExitCode.NO_SIGNATURES : ExitCode.NONE_MATCHED,
    };
  const canonicalName = image.canonical?.replace(/@sha256:[0-9a-f]{64}$/, '').replace(/:[^/:]+$/, '');
  let reason: string | undefined;
  for (const a of verified) {
    const j = judgeVsa(a.statement, {
      digest: image.digest!,
      now: job.now ?? new Date(),
      ...(job.resourceUri !== undefined
        ? { resourceUri: job.resourceUri }
        : canonicalName && !canonicalName.startsWith('oci:')
          ? { resourceUri: resourceUriOf(canonicalName, image.digest!) }
          : {}),
      ...(job.verifierId !== undefined ? { verifierId: job.verifierId } : {}),
      ...(job.policyDigest !== undefined ? { policyDigest: job.policyDigest } : {}),
      ...(job.levels ? { levels: job.levels } : {}),
      ...(job.maxAgeMs !== undefined ? { maxAgeMs: job.maxAgeMs, maxAgeText: job.maxAgeText ?? '' } : {}),
    });
    if (j.ok)
      return {
        ...base,
        passed: true,
        ...(a.payload ? { attestation: a.payload } : {}),
        exitCode: ExitCode.OK,
      };
    reason ??= j.reason;
  }
  return { ...base, passed: false, reason: reason!, exitCode: ExitCode.NONE_MATCHED };
}
