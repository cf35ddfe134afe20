/**
 * `trustgate verify --policy` as a library call: load the policy (or take a compiled one), gather
 * evidence for every image, evaluate each, and append the decisions to the audit log when asked.
 */
import { exitCodeForDecisions } from '../exit-codes.js';
import { appendAudit, decisionRecord } from './audit-log.js';
import { discoveryPlanFor } from './discovery-plan.js';
import { evaluateOrDeny, type PolicyDecision } from './evaluate.js';
import { buildPolicyVerifiers, type GatherOptions, gatherEvidence, type PolicyVerifiers } from './gather.js';
import { type CompiledPolicy, loadPolicy } from './load.js';

export interface PolicyRunOptions extends GatherOptions {
  policy: string | CompiledPolicy;
  /** Evaluate as of this time (exceptions, key windows, maxAge); default now. */
  effectiveTime?: Date;
  /** Append one JSON line per decision here (fsynced). */
  auditLog?: string;
  /** Stop starting new images after the first denial; the rest are denied as not verified. */
  failFast?: boolean;
  /** Called as each image is decided (for progress on a terminal). */
  onProgress?: (done: number, total: number) => void;
  /** Trust material already built for this policy (buildPolicyVerifiers), to share across runs. */
  verifiers?: PolicyVerifiers;
  /**
   * Read every attachment of every image, even once what was read already passes every check
   * (src/policy/discovery-plan.ts): for evidence archives. The decisions are the same either way,
   * except that only here can an attachment the decision did not need fail it (one that is malformed,
   * over a limit, or that the registry fails to serve denies the image, as any verification error does).
   */
  exhaustive?: boolean;
}

export interface PolicyRun {
  policy: { file: string; name: string; sha256: string };
  effectiveTime: string;
  decisions: PolicyDecision[];
  /** Over the whole batch: 1 if any image is denied, else 3 if any warned, else 0. */
  exitCode: number;
}

/** Kept for importers; the table is src/exit-codes.ts. */
export const batchExitCode: (decisions: PolicyDecision[]) => number = exitCodeForDecisions;

export async function evaluateImages(references: string[], options: PolicyRunOptions): Promise<PolicyRun> {
  const policy = typeof options.policy === 'string' ? loadPolicy(options.policy) : options.policy;
  const now = options.effectiveTime ?? new Date();
  const verifiers = options.verifiers ?? buildPolicyVerifiers(policy, options.trustRoots);
  // Each image is decided as soon as its evidence is in, so --fail-fast can stop the rest.
  const decisions = new Array<PolicyDecision>(references.length);
  let stop = false;
  let done = 0;
  await gatherEvidence(
    references,
    verifiers,
    {
      ...options,
      cacheContext: policy.sha256,
      ...(options.exhaustive
        ? {}
        : { planFor: (base, verify) => discoveryPlanFor(policy, base, verify, now) }),
    },
    {
      shouldStop: () => stop,
      onEvidence: (ev, i) => {
        const d = evaluateOrDeny(policy, ev, now);
        decisions[i] = d;
        if (options.failFast && d.status === 'fail') stop = true;
        options.onProgress?.(++done, references.length);
      },
    },
  );
  if (options.auditLog) {
    const at = new Date();
    appendAudit(
      options.auditLog,
      decisions.map((d) => decisionRecord(d, policy.file, at)),
    );
  }
  return {
    policy: { file: policy.file, name: policy.doc.metadata.name, sha256: policy.sha256 },
    effectiveTime: now.toISOString(),
    decisions,
    exitCode: exitCodeForDecisions(decisions),
  };
}
