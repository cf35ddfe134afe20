/** Questions asked of a finished policy decision, answered the same way wherever it is shown. */
import type { CheckResult, PolicyDecision } from './evaluate.js';

/** The first failing check, policy-wide checks before rule checks, in evaluation order. */
export function firstFailingCheck(d: PolicyDecision): CheckResult | undefined {
  return [...d.checks, ...d.rules.flatMap((r) => r.checks)].find((c) => c.status === 'fail');
}
