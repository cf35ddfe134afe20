/**
 * When discovery may stop early for a policy. Reading every attachment of every image is what makes
 * a batch slow (each one is a registry round trip), but for most policies more evidence can only
 * turn a failing check into a passing one: a signature or attestation requirement passes if any
 * verified candidate passes. Once every evidence check passes with what has been read, the rest
 * cannot change the decision, so it is not read.
 *
 * Not every policy has that property, and for those this returns no plan (discovery reads
 * everything):
 * - deny lists of signer identities or issuers: an unread attachment could be by a denied signer;
 * - vulnerability and SBOM gates: they judge the newest report, and an unread one could be newer.
 *
 * The stop is only ever on a clean pass of every check that depends on attachments: one that fails,
 * warns or is waived by an exception sends discovery on to read everything, so such decisions and
 * their explanations are made on all the evidence, exactly as without a plan. Checks decided by the
 * reference alone (registry, namespace, digest pinning, noMatch, denied digests) cannot change with
 * more evidence, so they neither hold discovery back nor are affected by it. Attachments never read
 * cannot fail the image either: a malformed or unreachable one denies it only with `exhaustive`.
 */
import type { DiscoveryPlan } from '../discovery/discover.js';
import { COSIGN_SIGN_PREDICATE } from '../discovery/media-types.js';
import type { Discovery } from '../discovery/types.js';
import { evaluatePolicy, matchingRules } from './evaluate/index.js';
import type { ImageEvidence } from './evidence.js';
import type { CompiledPolicy } from './load.js';
import { VSA_PREDICATE_TYPE } from './vsa-predicate.js';

/** Checks decided by the reference alone, which more evidence cannot change. */
const EVIDENCE_FREE = new Set(['registry', 'namespace', 'digest', 'deny/digest', 'noMatch']);

/**
 * A plan for one image: `base` names it (what rules match by), `verify` turns what discovery has read
 * into evidence. Undefined when the policy, for this image, needs everything read.
 */
export function discoveryPlanFor(
  policy: CompiledPolicy,
  base: ImageEvidence,
  verify: (found: Discovery) => Pick<ImageEvidence, 'signatures' | 'attestations' | 'rejections' | 'signers'>,
  now: Date,
): DiscoveryPlan | undefined {
  if (policy.denyIdentities.length > 0 || (policy.doc.deny?.issuers?.length ?? 0) > 0) return undefined;
  const rules = matchingRules(policy, base.name).map((m) => m.rule);
  if (rules.some((r) => r.raw.vulnerabilities || r.raw.sbom)) return undefined;
  const wanted = new Set(rules.flatMap((r) => r.attestations.map((a) => a.predicateType)));
  if (rules.some((r) => r.raw.signatures)) wanted.add(COSIGN_SIGN_PREDICATE);
  if (rules.some((r) => r.raw.requireVSA)) wanted.add(VSA_PREDICATE_TYPE);
  return {
    wants: (predicateType) => wanted.has(predicateType),
    enough(found) {
      const decision = evaluatePolicy(policy, { ...base, ...verify(found) }, now);
      return [...decision.checks, ...decision.rules.flatMap((r) => r.checks)].every(
        // A skip is a requirement a passing VSA covers: more evidence cannot un-cover it.
        (c) => EVIDENCE_FREE.has(c.id) || ((c.status === 'pass' || c.status === 'skip') && !c.exception),
      );
    },
  };
}
