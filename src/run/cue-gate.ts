/**
 * `verify-attestation --policy FILE.cue` on one image, as cosign 2.5 applies it: every attestation
 * that verified and is of the asked-for type is checked against the policies, and one failure fails
 * the image (cosign returns "N validation errors occurred" and prints no attestation). Failures
 * and the fields a policy declares but a statement lacks are recorded on the attestations, so every
 * output shows them.
 */
import { type CuePolicies, evaluateCuePolicies } from '../policy/cue/policy.js';
import type { AttestationVerdict } from '../verify/attestations.js';

export interface CuePolicyOutcome {
  /** The first failure, as `path: constraint (positions)`, when any attestation failed. */
  failure?: string;
  failed: number;
  /** Fields the policies declare that a checked statement lacks, once each. */
  unmatched: string[];
}

export async function applyCuePolicies(
  verified: AttestationVerdict[],
  policies: CuePolicies,
  strict: boolean,
): Promise<CuePolicyOutcome> {
  const out: CuePolicyOutcome = { failed: 0, unmatched: [] };
  for (const a of verified) {
    const v = await evaluateCuePolicies(policies, a.payload ?? new Uint8Array());
    let reason = v.failure ? `the CUE policy failed: ${v.failure.message}` : undefined;
    if (v.unmatched.length > 0) {
      const fields = v.unmatched.join(', ');
      for (const f of v.unmatched) if (!out.unmatched.includes(f)) out.unmatched.push(f);
      const words = `the CUE policy declares fields the statement does not have, which constrain nothing: ${fields}`;
      if (strict && !reason) reason = `${words} (strict policy)`;
      else a.warnings.push(words);
    }
    if (reason) {
      a.verified = false;
      a.reason = reason;
      out.failed++;
      out.failure ??= reason;
    }
  }
  return out;
}
