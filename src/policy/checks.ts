/** Questions asked of a finished policy decision, answered the same way wherever it is shown. */
import type { CheckResult, PolicyDecision } from './evaluate/index.js';

/** Every check of a decision in evaluation order: policy-wide checks before rule checks. */
function checksOf(d: PolicyDecision): CheckResult[] {
  return [...d.checks, ...d.rules.flatMap((r) => r.checks)];
}

/** The first failing check, policy-wide checks before rule checks, in evaluation order. */
export function firstFailingCheck(d: PolicyDecision): CheckResult | undefined {
  return checksOf(d).find((c) => c.status === 'fail');
}

/** The check that explains a decision: the first failure, else the first warning (batch reports). */
export function explainingCheck(d: PolicyDecision): CheckResult | undefined {
  return firstFailingCheck(d) ?? checksOf(d).find((c) => c.status === 'warn');
}

/** The first check that did not simply pass or skip, failure or warning alike (`policy test`). */
export function firstFailingOrWarningCheck(d: PolicyDecision): CheckResult | undefined {
  return checksOf(d).find((c) => c.status === 'fail' || c.status === 'warn');
}
