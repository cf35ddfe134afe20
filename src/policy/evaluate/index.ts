/**
 * Policy evaluation: a pure function of the compiled policy, the evidence for one image, and the
 * effective time. The result is a tree (policy → rule → check), each node pass, fail, warn or skip
 * with a reason naming the expected and actual values, so that every decision explains itself.
 *
 * Semantics, stated once:
 * - Rules match on registry/repository. `matching: all` applies every matching rule; `mostSpecific`
 *   only the one whose matching glob has the most literal characters (the first on a tie).
 * - A check's failure counts by its rule's mode: enforce → fail, warn → warn, audit → recorded only.
 * - An unexpired exception turns a failing check into a pass that names it; one expiring within 14
 *   days also warns. An expired exception no longer applies, and the check says so.
 * - Deny lists are policy-wide and cannot be waived by exceptions: a denied digest fails whatever
 *   else passes.
 * - A signature counts for a key authority only if its key is not revoked and its signed time (the
 *   log time; without one, the effective time) lies in the key's notBefore/notAfter window.
 *
 * Layout: rules.ts (one rule), signatures.ts, attestations.ts, gates/* (vulnerabilities, sbom, slsa),
 * exceptions.ts, deny.ts; describe.ts names evidence in reasons; types.ts is the decision tree.
 */
import { exitCodeForStatus } from '../../exit-codes.js';
import type { ImageEvidence } from '../evidence.js';
import { matchesAny } from '../glob.js';
import type { CompiledPolicy, CompiledRule } from '../load.js';
import { denyChecks } from './deny.js';
import { signerText } from './describe.js';
import { evaluateRule } from './rules.js';
import type { CheckResult, CheckStatus, PolicyDecision, RuleResult } from './types.js';

export type {
  CheckResult,
  CheckStatus,
  Decision,
  PlatformResult,
  PolicyDecision,
  RuleResult,
} from './types.js';

export function evaluatePolicy(policy: CompiledPolicy, ev: ImageEvidence, now: Date): PolicyDecision {
  const checks: CheckResult[] = [];
  const rules: RuleResult[] = [];
  if (ev.error) {
    checks.push({
      id: 'verification',
      status: 'fail',
      reason: `verification could not complete: ${ev.error}`,
    });
  }
  for (const c of denyChecks(policy, withPlatformSigners(ev))) checks.push(c);

  const matching = matchingRules(policy, ev.name);
  if (matching.length === 0) {
    const how = policy.doc.noMatch;
    checks.push({
      id: 'noMatch',
      status: how === 'deny' ? 'fail' : how === 'warn' ? 'warn' : 'pass',
      reason: `no rule matches ${ev.name} (noMatch: ${how})${unnamedLayout(ev) ? UNNAMED_LAYOUT_HINT : ''}`,
    });
  }
  if (!ev.error) {
    for (const { rule, glob } of matching) rules.push(evaluateRule(policy, rule, glob, ev, now));
  }

  const statuses = [...checks.map((c) => c.status), ...rules.map((r) => r.status)];
  const status: CheckStatus = statuses.includes('fail')
    ? 'fail'
    : statuses.includes('warn')
      ? 'warn'
      : 'pass';
  const signers = new Set<string>();
  for (const s of [...ev.signatures, ...ev.attestations]) signers.add(signerText(s));
  for (const p of ev.platforms ?? [])
    for (const s of [...p.signatures, ...p.attestations]) signers.add(signerText(s));
  return {
    reference: ev.reference,
    name: ev.name,
    ...(ev.digest ? { digest: ev.digest } : {}),
    decision: status === 'fail' ? 'deny' : 'allow',
    status,
    exitCode: exitCodeForStatus(status),
    policy: { name: policy.doc.metadata.name, sha256: policy.sha256, matching: policy.doc.matching },
    effectiveTime: now.toISOString(),
    checks,
    rules,
    signers: [...signers].sort(),
    ...(ev.unread ? { unread: ev.unread } : {}),
  };
}

/** Deny lists see the signers of the platform images too: a denied signer anywhere denies the image. */
function withPlatformSigners(ev: ImageEvidence): ImageEvidence {
  if (!ev.platforms?.length) return ev;
  const all = [ev, ...ev.platforms];
  return {
    ...ev,
    signers: all.flatMap((p) => p.signers),
    signatures: all.flatMap((p) => p.signatures),
    attestations: all.flatMap((p) => p.attestations),
  };
}

// Rules match registry/repository names; a layout given without one is matched as `oci:PATH`.
const UNNAMED_LAYOUT_HINT =
  ': an OCI layout has no registry/repository name of its own; give the name it will be pulled as with --image-name REGISTRY/REPOSITORY';

function unnamedLayout(ev: ImageEvidence): boolean {
  return ev.registry === 'oci' && ev.name.startsWith('oci:');
}

/** evaluatePolicy, except that an evaluation that throws denies this image instead of ending the batch. */
export function evaluateOrDeny(policy: CompiledPolicy, ev: ImageEvidence, now: Date): PolicyDecision {
  try {
    return evaluatePolicy(policy, ev, now);
  } catch (e) {
    return evaluatePolicy(policy, { ...ev, error: `policy evaluation failed: ${(e as Error).message}` }, now);
  }
}

export function matchingRules(
  policy: CompiledPolicy,
  name: string,
): Array<{ rule: CompiledRule; glob: string }> {
  const out: Array<{ rule: CompiledRule; glob: string; specificity: number }> = [];
  for (const rule of policy.rules) {
    const g = matchesAny(rule.images, name);
    if (!g || matchesAny(rule.exclude, name)) continue;
    out.push({ rule, glob: g.source, specificity: g.specificity });
  }
  if (policy.doc.matching === 'mostSpecific' && out.length > 1) {
    const best = out.reduce((a, b) => (b.specificity > a.specificity ? b : a));
    return [best];
  }
  return out;
}
