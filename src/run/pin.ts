/**
 * `trustgate pin` as a run: every image named in manifests or compose files is resolved to its
 * digest through the run's one Source and, with a gate, checked by that digest before it is pinned
 * (signatures with trust flags, or a policy). What gets written is exactly what was checked.
 */
import { type PinPlan, type PinPlatforms, type PinVerifier, planPins } from '../inputs/pin.js';
import { firstFailingCheck } from '../policy/checks.js';
import type { PolicyDecision } from '../policy/evaluate/index.js';
import type { CompiledPolicy } from '../policy/load.js';
import type { PolicyTrust, Trust } from '../verify/trust.js';
import type { RunContext } from './context.js';
import { runEvaluate } from './evaluate.js';
import { runVerify } from './verify.js';

/** What an image must pass to be pinned: signatures under built trust, or a policy. */
export type PinGate =
  | { kind: 'verify'; trust: Trust }
  | { kind: 'policy'; policy: CompiledPolicy; trust: PolicyTrust };

export interface PinOptions {
  gate?: PinGate;
  /**
   * The platform pinned from multi-arch indexes. Only resolution uses it: a gate checks the pinned
   * digest itself, which is why it is not the Source's platform.
   */
  platform?: string;
}

export async function runPin(paths: string[], ctx: RunContext, o: PinOptions = {}): Promise<PinPlan> {
  const platforms: PinPlatforms[] = [];
  const verify = o.gate ? pinVerifier(o.gate, ctx, platforms) : undefined;
  const plan = await planPins(paths, {
    client: ctx.source.client,
    ...(verify ? { verify } : {}),
    ...(o.platform ? { platform: o.platform } : {}),
  });
  return platforms.length > 0 ? { ...plan, platforms } : plan;
}

/** Which platform images passed the rules with a `platforms:` scope (each named once, by platform and digest). */
function platformsOf(d: PolicyDecision): PinPlatforms | undefined {
  const results = d.rules.flatMap((r) => r.platforms ?? []);
  if (results.length === 0) return undefined;
  const name = (p: { platform: string; digest: string }) => `${p.platform} (${p.digest})`;
  const failed = [...new Set(results.filter((p) => p.status === 'fail').map(name))];
  const passed = [...new Set(results.filter((p) => p.status !== 'fail').map(name))].filter(
    (n) => !failed.includes(n),
  );
  return { reference: d.reference, passed, failed };
}

/** Pinned reference → undefined when it passes, else the reason it is not pinned. */
function pinVerifier(gate: PinGate, ctx: RunContext, platforms: PinPlatforms[]): PinVerifier {
  if (gate.kind === 'verify') {
    return async (refs) => {
      // No --fail-fast or progress here: every pinned reference needs its own verdict.
      const run = await runVerify(refs, gate.trust, {
        source: ctx.source,
        limits: ctx.limits,
      });
      return new Map(run.images.map((i) => [i.reference, i.verdict === 'verified' ? undefined : i.message]));
    };
  }
  return async (refs) => {
    // No --fail-fast or progress here: every pinned reference needs its own verdict.
    const run = await runEvaluate(refs, gate.policy, gate.trust, { source: ctx.source, limits: {} });
    for (const d of run.decisions) {
      const p = d.decision === 'allow' ? platformsOf(d) : undefined;
      if (p) platforms.push(p);
    }
    return new Map(
      run.decisions.map((d) => {
        const first = firstFailingCheck(d);
        return [
          d.reference,
          d.decision === 'allow'
            ? undefined
            : `denied: ${first ? `${first.id}: ${first.reason}` : 'by the policy'}`,
        ];
      }),
    );
  };
}
