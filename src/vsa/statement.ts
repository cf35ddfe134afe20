/**
 * The VSA trustgate issues for one policy decision: an in-toto Statement v1 whose subject is the
 * image digest (named by its repository) and whose predicate says who verified it, when, against
 * which policy (by the policy file's sha256), from which signed evidence, with what result and level.
 */

import { basename } from 'node:path';
import { slsaFields } from '../policy/evaluate/gates/slsa.js';
import type { PolicyDecision } from '../policy/evaluate/types.js';
import type { ImageEvidence } from '../policy/evidence.js';
import type { CompiledPolicy } from '../policy/load.js';
import {
  buildLevelOf,
  INTOTO_STATEMENT_V1,
  resourceUriOf,
  VSA_PREDICATE_TYPE,
  type VsaStatement,
} from '../policy/vsa-predicate.js';
import { VERSION } from '../version.js';

const SLSA_PROVENANCE = new Set(['https://slsa.dev/provenance/v0.2', 'https://slsa.dev/provenance/v1']);

/**
 * Builders that meet SLSA Build L3 (isolated, hardened, non-forgeable provenance): slsa-github-generator's
 * `*_slsa3.yml` reusable workflows. Any other verified, signed provenance proves L2 (a hosted build
 * platform that signed it); a rule's `vsaLevel` states more when the organisation knows it.
 */
const L3_BUILDER =
  /^https:\/\/github\.com\/slsa-framework\/slsa-github-generator\/\.github\/workflows\/[a-z_]+_slsa3\.yml@/;

const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

export interface VsaInput {
  decision: PolicyDecision;
  evidence: ImageEvidence;
  policy: CompiledPolicy;
  verifierId: string;
  timeVerified: Date;
}

/** The statement, or undefined when the image has no digest to be the subject (it never resolved). */
export function vsaStatement(i: VsaInput): VsaStatement | undefined {
  const digest = i.decision.digest ?? i.evidence.digest;
  if (!digest?.startsWith('sha256:')) return undefined;
  const passed = i.decision.status !== 'fail';
  return {
    _type: INTOTO_STATEMENT_V1,
    subject: [{ name: i.evidence.name, digest: { sha256: digest.slice('sha256:'.length) } }],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: i.verifierId, version: { trustgate: VERSION } },
      timeVerified: i.timeVerified.toISOString(),
      resourceUri: resourceUriOf(i.evidence.name, digest),
      policy: {
        // The file's name only: its full local path would be published with the VSA.
        uri: `file:${basename(i.policy.file)}`,
        digest: { sha256: i.policy.sha256.replace(/^sha256:/, '') },
      },
      inputAttestations: inputAttestations(i.evidence),
      verificationResult: passed ? 'PASSED' : 'FAILED',
      verifiedLevels: passed ? [`SLSA_BUILD_LEVEL_${Math.max(0, levelOf(i))}`] : ['FAILED'],
      slsaVersion: '1.0',
    },
  };
}

/** Every verified bundle and envelope (signatures and attestations), by the digest of its blob, once each. */
function inputAttestations(ev: ImageEvidence): Array<{ uri?: string; digest: { sha256: string } }> {
  const seen = new Map<string, string | undefined>();
  for (const e of [...ev.signatures, ...ev.attestations])
    if (e.layer && !seen.has(e.layer))
      seen.set(
        e.layer,
        e.manifest && !ev.name.startsWith('oci:') ? `oci://${ev.name}@${e.manifest}` : undefined,
      );
  return [...seen]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([layer, uri]) => ({ ...(uri ? { uri } : {}), digest: { sha256: layer.slice('sha256:'.length) } }));
}

/**
 * The build level the decision demonstrates: the highest over the rules that passed, each rule at its
 * stated `vsaLevel`, else L2/L3 when one of its SLSA provenance requirements passed on signed
 * evidence, else the level of the VSA it accepted, else L0. A rule whose failures a warn mode turned
 * into warnings demonstrates nothing; unsigned (BuildKit) provenance earns no level; L3 needs a
 * provenance whose certificate is the slsa-github-generator workflow its builder.id names, not only
 * a statement that says so.
 */
function levelOf(i: VsaInput): number {
  let best = 0;
  for (const result of i.decision.rules) {
    if (result.mode === 'audit' || result.status !== 'pass') continue;
    const rule = i.policy.rules.find((r) => r.raw.name === result.name);
    if (!rule) continue;
    if (rule.raw.vsaLevel) best = Math.max(best, buildLevelOf([rule.raw.vsaLevel]));
    for (const a of rule.attestations) {
      if (!SLSA_PROVENANCE.has(a.predicateType)) continue;
      const passed = result.checks.some((c) => c.id === `attestations/${a.raw.name}` && c.status === 'pass');
      const unsigned = result.checks.some((c) => c.id === `attestations/${a.raw.name}/unsigned`);
      if (!passed || unsigned) continue;
      const l3 = i.evidence.attestations.some((e) => {
        if (e.predicateType !== a.predicateType || e.statement.predicate === undefined) return false;
        const builder = slsaFields(e.predicateType, e.statement.predicate).builderId ?? '';
        return (
          L3_BUILDER.test(builder) &&
          e.identity?.subjectAlternativeName === builder &&
          e.identity.issuer === GITHUB_ACTIONS_ISSUER
        );
      });
      best = Math.max(best, l3 ? 3 : 2);
    }
    const vsa = result.checks.find((c) => c.id === 'vsa' && c.status === 'pass');
    if (vsa?.actual) best = Math.max(best, buildLevelOf(vsa.actual.split(' ')));
  }
  return best;
}
