/**
 * `trustgate policy test`: every case evaluated with the one trust and the one source of the run,
 * so a registry's session (ping, token) is set up once for all cases, not once per case.
 */
import { type CaseResult, caseError, outcome, type PolicyCase } from '../policy/cases.js';
import type { CompiledPolicy } from '../policy/load.js';
import type { PolicyTrust } from '../verify/trust.js';
import type { RunContext } from './context.js';
import { runEvaluate } from './evaluate.js';

export async function runPolicyCases(
  policy: CompiledPolicy,
  cases: PolicyCase[],
  trust: PolicyTrust,
  ctx: RunContext,
): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  // One at a time, in file order: each case has its own layout name and effective time.
  for (const c of cases) {
    const run = await runEvaluate([c.target], policy, trust, ctx, {
      ...(c.imageName ? { imageName: c.imageName } : {}),
      ...(c.effectiveTime ? { effectiveTime: c.effectiveTime } : {}),
    });
    const d = run.decisions[0]!;
    const actual = outcome(d);
    const error = caseError(d);
    out.push({
      name: c.name,
      image: c.image,
      expected: c.expect,
      actual,
      ok: !error && actual === c.expect,
      decision: d,
      ...(error ? { error } : {}),
    });
  }
  return out;
}
