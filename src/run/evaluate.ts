/**
 * `trustgate verify --policy` as a run: gather every image's evidence, decide each as soon as it is
 * in (so --fail-fast can stop the rest), and append the decisions to the audit log when asked. Also
 * `evaluateImages`, the option-bag form Node callers import from the package.
 */
import type { VerificationCache } from '../discovery/cache.js';
import { exitCodeForDecisions } from '../exit-codes.js';
import { appendAudit, decisionRecord } from '../policy/audit-log.js';
import { discoveryPlanFor } from '../policy/discovery-plan.js';
import { evaluateOrDeny, type PolicyDecision } from '../policy/evaluate/index.js';
import type { ImageEvidence } from '../policy/evidence.js';
import { type CompiledPolicy, loadPolicy } from '../policy/load.js';
import { platformsWanted } from '../policy/platform-plan.js';
import { buildPolicyVerifiers, type PolicyVerifiers } from '../policy/policy-trust.js';
import type { PolicyTrust } from '../verify/trust.js';
import { buildkitTypesOf } from './buildkit.js';
import type { RunContext } from './context.js';
import { type GatherOptions, gatherImages, imageNameFrom } from './gather.js';
import { withSource } from './source.js';

export interface EvaluateOptions {
  /** Evaluate as of this time (exceptions, key windows, maxAge); default now. */
  effectiveTime?: Date;
  /** Append one JSON line per decision here (fsynced). */
  auditLog?: string;
  /** What an OCI layout will be pulled as (GatherOptions.imageName). */
  imageName?: string;
  /** Discoveries cached across runs, re-verified on every read (src/discovery/cache.ts). */
  cache?: VerificationCache;
  /**
   * Read every attachment of every image, even once what was read already passes every check
   * (src/policy/discovery-plan.ts): for evidence archives. The decisions are the same either way,
   * except that only here can an attachment the decision did not need fail it (one that is malformed,
   * over a limit, or that the registry fails to serve denies the image, as any verification error does).
   */
  exhaustive?: boolean;
  /**
   * Each decision as it is made, with the evidence it was made on, in input order (a streaming caller
   * writes it out at once; issuing VSAs reads the evidence: src/vsa/issue.ts). With
   * `keepDecisions: false` the run keeps none: its `decisions` is empty and only `counts` (and the
   * exit code) describe the batch, so memory does not grow with the number of images.
   */
  onDecision?: (decision: PolicyDecision, evidence: ImageEvidence, index: number) => void;
  keepDecisions?: boolean;
}

/** Decisions by status, kept however the decisions themselves are handled. */
export interface DecisionCounts {
  pass: number;
  warn: number;
  fail: number;
  skip: number;
}

export interface PolicyRun {
  policy: { file: string; name: string; sha256: string };
  effectiveTime: string;
  decisions: PolicyDecision[];
  /** Over the whole batch: 1 if any image is denied, else 3 if any warned, else 0. */
  exitCode: number;
}

/** Audit records are appended (and fsynced) this many at a time, so a long run loses little on a crash. */
const AUDIT_CHUNK = 256;

export async function runEvaluate(
  references: string[],
  policy: CompiledPolicy,
  trust: PolicyTrust,
  ctx: RunContext,
  o: EvaluateOptions = {},
): Promise<PolicyRun> {
  const now = o.effectiveTime ?? new Date();
  const imageName = imageNameFrom(o.imageName);
  const keep = o.keepDecisions !== false;
  const decisions = keep ? new Array<PolicyDecision>(references.length) : [];
  const counts: DecisionCounts = { pass: 0, warn: 0, fail: 0, skip: 0 };
  let audit: PolicyDecision[] = [];
  const flushAudit = () => {
    if (!o.auditLog || audit.length === 0) return;
    const at = new Date();
    appendAudit(
      o.auditLog,
      audit.map((d) => decisionRecord(d, policy.file, at)),
    );
    audit = [];
  };
  let stop = false;
  let done = 0;
  await gatherImages(
    references,
    trust,
    ctx,
    {
      ...(imageName ? { imageName } : {}),
      ...(o.cache ? { cache: o.cache } : {}),
      cacheContext: policy.sha256,
      platformsFor: (base) => platformsWanted(policy, base.name),
      buildkitTypes: buildkitTypesOf(policy),
      ...(o.exhaustive ? {} : { planFor: (base, verify) => discoveryPlanFor(policy, base, verify, now) }),
    },
    {
      shouldStop: () => stop,
      collect: false,
      onEvidence: (ev, i) => {
        const d = evaluateOrDeny(policy, ev, now);
        if (keep) decisions[i] = d;
        counts[d.status]++;
        if (o.auditLog) {
          audit.push(d);
          if (audit.length >= AUDIT_CHUNK) flushAudit();
        }
        o.onDecision?.(d, ev, i);
        if (ctx.batch?.failFast && d.status === 'fail') stop = true;
        ctx.batch?.onProgress?.(++done, references.length);
      },
    },
  );
  flushAudit();
  return {
    policy: { file: policy.file, name: policy.doc.metadata.name, sha256: policy.sha256 },
    effectiveTime: now.toISOString(),
    decisions,
    exitCode: exitCodeForCounts(counts),
  };
}

/** exitCodeForDecisions from the counts alone (the decisions may not have been kept). */
function exitCodeForCounts(counts: DecisionCounts): number {
  const present = (['pass', 'warn', 'fail', 'skip'] as const).filter((s) => counts[s] > 0);
  return exitCodeForDecisions(present.map((status) => ({ status })));
}

export interface PolicyRunOptions extends GatherOptions, Omit<EvaluateOptions, 'imageName' | 'cache'> {
  policy: string | CompiledPolicy;
  /** Stop starting new images after the first denial; the rest are denied as not verified. */
  failFast?: boolean;
  /** Called as each image is decided (for progress on a terminal). */
  onProgress?: (done: number, total: number) => void;
  /** Trust material already built for this policy (buildPolicyVerifiers), to share across runs. */
  verifiers?: PolicyVerifiers;
}

/** runEvaluate through the option bag (the package's `evaluateImages`). */
export async function evaluateImages(references: string[], options: PolicyRunOptions): Promise<PolicyRun> {
  const policy = typeof options.policy === 'string' ? loadPolicy(options.policy) : options.policy;
  const trust = options.verifiers ?? buildPolicyVerifiers(policy, options.trustRoots);
  imageNameFrom(options.imageName); // a bad name fails before the client is opened, as it always has
  const { effectiveTime, auditLog, imageName, cache, exhaustive, failFast, onProgress, onDecision } = options;
  return withSource(options, (source) =>
    runEvaluate(
      references,
      policy,
      trust,
      {
        source,
        limits: options.imageConcurrency ? { imageConcurrency: options.imageConcurrency } : {},
        batch: { ...(failFast ? { failFast } : {}), ...(onProgress ? { onProgress } : {}) },
      },
      {
        ...(effectiveTime ? { effectiveTime } : {}),
        ...(auditLog ? { auditLog } : {}),
        ...(imageName !== undefined ? { imageName } : {}),
        ...(cache ? { cache } : {}),
        ...(exhaustive ? { exhaustive } : {}),
        ...(onDecision ? { onDecision } : {}),
      },
    ),
  );
}

/** The old name of the decisions' exit code; the table is src/exit-codes.ts. */
export const batchExitCode: (decisions: PolicyDecision[]) => number = exitCodeForDecisions;
