/**
 * Policy conditions in CEL, with @bufbuild/cel: it runs the CEL conformance suite and matches
 * `matches()` with RE2, so neither a policy author nor registry data can trigger catastrophic
 * backtracking (@marcbachmann/cel-js is faster to start but uses JS RegExp). Expressions are parsed
 * and planned once, when the policy loads; a syntax error is a validation error with its column.
 *
 * Numbers: JSON has one number type, CEL two. A JSON number with no fractional part becomes a CEL
 * `int`, any other a `double`, so `predicate.count + 1` and `predicate.score > 7.5` both work; mixing
 * an int field with a double literal in arithmetic needs `double(x)`, as CEL requires.
 */
import { type CelEnv, type CelInput, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { PolicyCondition } from './schema.js';

export interface CompiledCondition {
  raw: PolicyCondition;
  /** Stable id within its attestation requirement: the name, or the index. */
  id: string;
  evaluate(vars: ConditionVars): { ok: true } | { ok: false; reason: string };
}

export interface ConditionVars {
  predicate: unknown;
  predicateType: string;
  subject: unknown;
  signer: { san?: string; issuer?: string; key?: string; claims?: Record<string, string> };
}

let env: CelEnv | undefined;

export function compileCondition(
  c: PolicyCondition,
  index: number,
): { condition: CompiledCondition } | { error: string; column: number } {
  env ??= celEnv({ funcs: strings });
  let program: ReturnType<typeof plan>;
  try {
    program = plan(env, parse(c.expr));
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0] ?? 'syntax error';
    const m = /^<input>:(\d+):(\d+): (.*)$/.exec(msg);
    return { error: m ? m[3]! : msg, column: m ? Number(m[2]) - 1 : 0 };
  }
  return {
    condition: {
      raw: c,
      id: c.name ?? String(index),
      evaluate(vars) {
        let result: unknown;
        try {
          result = program({
            predicate: toCel(vars.predicate) as CelInput,
            predicateType: vars.predicateType,
            subject: toCel(vars.subject) as CelInput,
            signer: toCel(vars.signer) as CelInput,
          });
        } catch (e) {
          return { ok: false, reason: `could not evaluate \`${c.expr}\`: ${(e as Error).message}` };
        }
        if (isCelError(result))
          return { ok: false, reason: `could not evaluate \`${c.expr}\`: ${result.message}` };
        if (result === true) return { ok: true };
        if (result === false) return { ok: false, reason: c.message };
        return { ok: false, reason: `\`${c.expr}\` gave ${typeof result}, not a bool` };
      },
    },
  };
}

/** JSON values as CEL inputs: objects as maps, whole numbers as int. */
export function toCel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toCel);
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (v !== null && typeof v === 'object') {
    const m = new Map<string, unknown>();
    for (const [k, x] of Object.entries(v)) if (x !== undefined) m.set(k, toCel(x));
    return m;
  }
  return v;
}
