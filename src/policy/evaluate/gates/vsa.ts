/**
 * `requireVSA`: the image is vouched for by a signed SLSA VSA from one authority (src/policy/vsa-judge.ts).
 * When one passes, the rule's SLSA provenance requirements are not judged again: the verifier did
 * that under the named policy, and the decision tree says so on each of them.
 */

import { parseDuration } from '../../duration.js';
import type { ImageEvidence } from '../../evidence.js';
import type { CompiledPolicy } from '../../load.js';
import type { VsaRequirement } from '../../schema.js';
import { judgeVsa } from '../../vsa-judge.js';
import { DEFAULT_VERIFIER_ID, resourceUriOf, VSA_PREDICATE_TYPE } from '../../vsa-predicate.js';
import { candidates } from '../attestations.js';
import type { CheckResult } from '../types.js';

export const VSA_CHECK = 'vsa';

/** The provenance a VSA summarises. */
export const SLSA_PROVENANCE_TYPES: readonly string[] = [
  'https://slsa.dev/provenance/v0.2',
  'https://slsa.dev/provenance/v1',
];

export function vsaCheck(
  policy: CompiledPolicy,
  req: VsaRequirement,
  ev: ImageEvidence,
  now: Date,
): CheckResult {
  const expected = `a PASSED VSA by ${req.authority}${req.minLevel ? ` at ${req.minLevel} or above` : ''}, at most ${req.maxAge} old`;
  if (!ev.digest)
    return { id: VSA_CHECK, status: 'fail', reason: 'the image has no digest for a VSA to name', expected };
  const { good, notes } = candidates(policy, ev, VSA_PREDICATE_TYPE, [req.authority], now);
  if (good.length === 0)
    return {
      id: VSA_CHECK,
      status: 'fail',
      reason: `no verified VSA signed by ${req.authority}${notes.length ? ` (${[...new Set(notes)].join('; ')})` : ''}`,
      expected,
      actual: 'none',
    };
  const want = {
    digest: ev.digest,
    resourceUri: resourceUriOf(ev.name, ev.digest),
    verifierId: req.verifierId ?? DEFAULT_VERIFIER_ID,
    policyDigest: req.policyDigest,
    ...(req.minLevel ? { levels: [req.minLevel] } : {}),
    maxAgeMs: parseDuration(req.maxAge),
    maxAgeText: req.maxAge,
    now,
  };
  let first: CheckResult | undefined;
  for (const a of good) {
    const j = judgeVsa(a.statement, want);
    if (j.ok)
      return {
        id: VSA_CHECK,
        status: 'pass',
        reason: `VSA by ${req.authority}: ${j.summary}; provenance not re-checked`,
        actual: j.vsa.predicate.verifiedLevels.join(' '),
      };
    first ??= {
      id: VSA_CHECK,
      status: 'fail',
      reason: j.reason,
      expected: j.expected ?? expected,
      ...(j.actual ? { actual: j.actual } : {}),
    };
  }
  return first!;
}

/** A provenance requirement the passing VSA covers: recorded, not judged. */
export function coveredByVsa(name: string, authority: string): CheckResult {
  return {
    id: `attestations/${name}`,
    status: 'skip',
    reason: `not re-checked: the VSA by ${authority} vouches for the provenance`,
  };
}
