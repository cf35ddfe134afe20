/**
 * The `signatures:` requirement. A signature counts for a key authority only if its key is not
 * revoked and its signed time (the log time; without one, the effective time) lies in the key's
 * notBefore/notAfter window; anyOf, allOf and threshold then count distinct signers.
 */
import type { AttestationEvidence, ImageEvidence, SignatureEvidence } from '../evidence.js';
import type { CompiledPolicy, CompiledRule } from '../load.js';
import type { CheckResult } from './types.js';

/** Whether a signature counts for its authority: key not revoked, signed inside the key's window. */
export function counts(
  policy: CompiledPolicy,
  s: SignatureEvidence | AttestationEvidence,
  now: Date,
): { ok: boolean; why?: string } {
  const a = policy.authorities.get(s.authority);
  if (!a) return { ok: false, why: `unknown authority ${s.authority}` };
  if (!s.key) return { ok: true };
  if (a.revoked.has(s.key)) return { ok: false, why: `key ${s.key.slice(0, 19)}… is revoked` };
  const k = a.keys.find((x) => x.key.fingerprint === s.key);
  const at = s.time ? new Date(s.time) : now;
  if (k?.notBefore && at < k.notBefore)
    return {
      ok: false,
      why: `signed at ${at.toISOString()}, before key ${s.key.slice(0, 19)}… became valid (${k.notBefore.toISOString()})`,
    };
  if (k?.notAfter && at > k.notAfter)
    return {
      ok: false,
      why: `signed at ${at.toISOString()}, after key ${s.key.slice(0, 19)}… was retired (${k.notAfter.toISOString()})`,
    };
  return { ok: true };
}

/**
 * Who signed, as the threshold counts it. Two pieces of evidence are one signer when they share a key
 * (its SPKI fingerprint, whatever PEM or certificate the policy wrote it in), a certificate identity
 * (SAN and issuer: two certificates for the same workflow or person are one party signing twice), or
 * the signature itself (one signature that two authorities verified, by key and by certificate).
 */
function signerAliases(s: SignatureEvidence): string[] {
  const out: string[] = [];
  if (s.key) out.push(`key ${s.key}`);
  if (s.identity) out.push(`identity ${s.identity.subjectAlternativeName ?? ''}\n${s.identity.issuer ?? ''}`);
  if (s.signature) out.push(`signature ${s.signature}`);
  return out;
}

/** Groups evidence into distinct signers (signerAliases, transitively): one number per signer. */
function distinctSigners(evidence: SignatureEvidence[]): Map<SignatureEvidence, number> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const first = new Map<SignatureEvidence, string>();
  for (const [i, s] of evidence.entries()) {
    const aliases = signerAliases(s);
    // Evidence with nothing to name its signer by is a signer of its own.
    if (aliases.length === 0) aliases.push(`evidence ${i}`);
    for (const a of aliases) if (!parent.has(a)) parent.set(a, a);
    for (const a of aliases.slice(1)) parent.set(find(a), find(aliases[0]!));
    first.set(s, aliases[0]!);
  }
  const ids = new Map<string, number>();
  const out = new Map<SignatureEvidence, number>();
  for (const [s, alias] of first) {
    const root = find(alias);
    if (!ids.has(root)) ids.set(root, ids.size);
    out.set(s, ids.get(root)!);
  }
  return out;
}

/**
 * The most listed authorities that can each be credited with a different signer (a maximum bipartite
 * matching, by augmenting paths: the lists are short). `credit[i]` is the signer credited to entry i.
 */
function creditSigners(candidates: number[][]): Array<number | undefined> {
  const owner = new Map<number, number>();
  const assign = (i: number, seen: Set<number>): boolean => {
    for (const s of candidates[i]!) {
      if (seen.has(s)) continue;
      seen.add(s);
      const o = owner.get(s);
      if (o === undefined || assign(o, seen)) {
        owner.set(s, i);
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < candidates.length; i++) assign(i, new Set());
  const credit = new Array<number | undefined>(candidates.length).fill(undefined);
  for (const [s, i] of owner) credit[i] = s;
  return credit;
}

/**
 * anyOf, allOf and threshold all count distinct signers, never authorities: `threshold: 2` (or
 * `allOf: [a, b]`) over two authorities that hold the same key, or the same keyless identity, is met
 * only by two different signers, as two-party control means. allOf is threshold N of N, by the same
 * rule. Each listed authority is credited with at most one signer and each signer with at most one
 * authority; the check passes when that many can be credited (an authority listed twice needs two).
 */
export function signatureCheck(
  policy: CompiledPolicy,
  req: NonNullable<CompiledRule['raw']['signatures']>,
  ev: ImageEvidence,
  now: Date,
): CheckResult {
  const names = 'anyOf' in req ? req.anyOf : 'allOf' in req ? req.allOf : req.of;
  const need = 'anyOf' in req ? 1 : 'allOf' in req ? req.allOf.length : req.threshold;
  const good = (n: string) => ev.signatures.filter((s) => s.authority === n && counts(policy, s, now).ok);
  const signerOf = distinctSigners(names.flatMap(good));
  const credit = creditSigners(names.map((n) => [...new Set(good(n).map((s) => signerOf.get(s)!))]));
  const state = names.map((n, i) => {
    const mine = good(n);
    const credited = mine.find((s) => signerOf.get(s) === credit[i]);
    if (credited) return { n, ok: true, text: `${n}: signed${credited.time ? ` at ${credited.time}` : ''}` };
    if (mine.length > 0) {
      const signers = new Set(mine.map((s) => signerOf.get(s)));
      const others = names.filter((_, j) => j !== i && signers.has(credit[j]));
      return {
        n,
        ok: false,
        text: `${n}: signed only by the signer already counted for ${others.join(', ') || 'another authority'} (distinct signers are counted, not authorities)`,
      };
    }
    const sigs = ev.signatures.filter((s) => s.authority === n);
    const whyNot = sigs.map((s) => counts(policy, s, now).why).filter(Boolean);
    const rejected = ev.rejections[n] ?? [];
    return {
      n,
      ok: false,
      text: `${n}: ${whyNot.length ? whyNot.join('; ') : rejected.length ? rejected.slice(0, 2).join('; ') : 'no signature verified'}`,
    };
  });
  const have = state.filter((s) => s.ok).length;
  const kind = 'anyOf' in req ? 'any of' : 'allOf' in req ? 'all of' : `${need} of`;
  const ok = have >= need;
  return {
    id: 'signatures',
    status: ok ? 'pass' : 'fail',
    reason: `${have} of ${names.length} authorities signed, by distinct signers; ${kind} [${names.join(', ')}] required: ${state.map((s) => s.text).join('; ')}`,
    expected: `${kind} ${names.join(', ')}`,
    actual:
      state
        .filter((s) => s.ok)
        .map((s) => s.n)
        .join(', ') || 'none',
  };
}
