/**
 * Whether one verified VSA vouches for one image, as policy `requireVSA` and `verify-vsa` both ask:
 * the signature and its signer were already checked by sigstore-js (the caller passes only VSAs its
 * authority's key verified); what is judged here is what the summary says. Every check names the
 * expected and the actual value, and the first that fails is the reason.
 */
import { formatDuration } from './duration.js';
import { meetsLevel, parseVsaStatement, type VsaStatement } from './vsa-predicate.js';

/** A VSA stamped later than this after `now` is refused: the verifier's clock cannot be that far ahead. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface VsaExpectations {
  /** The image digest the VSA's subject must name. */
  digest: string;
  /** The resourceUri it must state, exactly (undefined: not checked). */
  resourceUri?: string;
  /** verifier.id it must name (undefined: not checked). */
  verifierId?: string;
  /** `sha256:<hex>` of the policy it must have been made under, or 'any'. */
  policyDigest?: string;
  /** Every one of these levels must be met (a higher level on the same track implies a lower). */
  levels?: string[];
  /** How old timeVerified may be, as of `now`. */
  maxAgeMs?: number;
  maxAgeText?: string;
  now: Date;
}

export type VsaJudgement =
  | { ok: true; vsa: VsaStatement; summary: string }
  | { ok: false; reason: string; expected?: string; actual?: string };

export function judgeVsa(statement: unknown, want: VsaExpectations): VsaJudgement {
  const parsed = parseVsaStatement(statement);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const vsa = parsed.vsa;
  const p = vsa.predicate;
  const hex = want.digest.replace(/^sha256:/, '');
  const subjects = vsa.subject.map((s) => s.digest.sha256).filter((d): d is string => d !== undefined);
  if (!subjects.includes(hex))
    return {
      ok: false,
      reason: `the VSA is for another artifact: its subject names ${subjects.map((d) => `sha256:${d}`).join(', ') || 'no sha256 digest'}, not this image`,
      expected: want.digest,
      actual: subjects.map((d) => `sha256:${d}`).join(', '),
    };
  if (p.verificationResult !== 'PASSED')
    return {
      ok: false,
      reason: `the VSA records a ${p.verificationResult} verification`,
      expected: 'PASSED',
      actual: p.verificationResult,
    };
  if (want.resourceUri !== undefined && p.resourceUri !== want.resourceUri)
    return {
      ok: false,
      reason: `the VSA is for another resource (${p.resourceUri}): a summary made for one image does not vouch for another`,
      expected: want.resourceUri,
      actual: p.resourceUri,
    };
  if (want.verifierId !== undefined && p.verifier.id !== want.verifierId)
    return {
      ok: false,
      reason: `the VSA names verifier ${p.verifier.id}`,
      expected: want.verifierId,
      actual: p.verifier.id,
    };
  if (want.policyDigest && want.policyDigest !== 'any') {
    const got = p.policy.digest?.sha256 ? `sha256:${p.policy.digest.sha256}` : undefined;
    if (got !== want.policyDigest)
      return {
        ok: false,
        reason: `the VSA was made under another policy (${p.policy.uri}${got ? `, ${got}` : ', no sha256 digest'})`,
        expected: want.policyDigest,
        actual: got ?? 'none',
      };
  }
  for (const level of want.levels ?? [])
    if (!meetsLevel(p.verifiedLevels, level))
      return {
        ok: false,
        reason: `the VSA states ${p.verifiedLevels.join(', ') || 'no level'}, below ${level}`,
        expected: level,
        actual: p.verifiedLevels.join(' '),
      };
  const age = want.now.getTime() - new Date(p.timeVerified).getTime();
  if (age < -MAX_CLOCK_SKEW_MS)
    return {
      ok: false,
      reason: `the VSA's timeVerified ${p.timeVerified} is in the future`,
      actual: p.timeVerified,
    };
  if (want.maxAgeMs !== undefined && age > want.maxAgeMs)
    return {
      ok: false,
      reason: `the VSA is ${formatDuration(age)} old (verified ${p.timeVerified}), over maxAge ${want.maxAgeText ?? formatDuration(want.maxAgeMs)}`,
      expected: `<= ${want.maxAgeText ?? formatDuration(want.maxAgeMs)}`,
      actual: formatDuration(age),
    };
  return {
    ok: true,
    vsa,
    summary: `${p.verificationResult} ${p.verifiedLevels.join(' ')} by ${p.verifier.id} at ${p.timeVerified}`,
  };
}
