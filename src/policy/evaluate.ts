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
 */
import { exitCodeForStatus } from '../exit-codes.js';
import { PREDICATE_TYPES } from '../verify/attestations.js';
import { formatDuration } from './duration.js';
import type { AttestationEvidence, ImageEvidence, SignatureEvidence } from './evidence.js';
import {
  type Finding,
  sbomFindings,
  sbomPackages,
  scanTime,
  slsaFields,
  slsaFindings,
  triagedIds,
  trivyVulnerabilities,
  vulnerabilityFindings,
} from './gates.js';
import { matchesAny } from './glob.js';
import type { CompiledAttestation, CompiledPolicy, CompiledRule } from './load.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** Stable id, the thing exceptions name: signatures, attestations/provenance/slsa/builderId, … */
  id: string;
  status: CheckStatus;
  reason: string;
  expected?: string;
  actual?: string;
  severity?: string;
  /** The exception that waived it, or that would have but expired. */
  exception?: { name: string; ticket: string; reason: string; expiresAt: string; expired: boolean };
}

export interface RuleResult {
  name: string;
  mode: 'enforce' | 'warn' | 'audit';
  matchedBy: string;
  status: CheckStatus;
  checks: CheckResult[];
}

export type Decision = 'allow' | 'deny';

export interface PolicyDecision {
  reference: string;
  name: string;
  digest?: string;
  decision: Decision;
  /** pass: allowed; warn: allowed with warnings; fail: denied. */
  status: CheckStatus;
  exitCode: number;
  policy: { name: string; sha256: string; matching: string };
  effectiveTime: string;
  /** Policy-wide checks: deny lists, no matching rule, verification errors. */
  checks: CheckResult[];
  /**
   * Attachments left unread because what was read already passed every check that depends on
   * attachments (policy/discovery-plan.ts).
   */
  unread?: string[];
  rules: RuleResult[];
  /** Verified signer identities and keys that took part, for audit records. */
  signers: string[];
}

const EXPIRY_WARNING_MS = 14 * 86400e3;

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
  for (const c of denyChecks(policy, ev)) checks.push(c);

  const matching = matchingRules(policy, ev.name);
  if (matching.length === 0) {
    const how = policy.doc.noMatch;
    checks.push({
      id: 'noMatch',
      status: how === 'deny' ? 'fail' : how === 'warn' ? 'warn' : 'pass',
      reason: `no rule matches ${ev.name} (noMatch: ${how})`,
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

/** evaluatePolicy, except that an evaluation that throws denies this image instead of ending the batch. */
export function evaluateOrDeny(policy: CompiledPolicy, ev: ImageEvidence, now: Date): PolicyDecision {
  try {
    return evaluatePolicy(policy, ev, now);
  } catch (e) {
    return evaluatePolicy(policy, { ...ev, error: `policy evaluation failed: ${(e as Error).message}` }, now);
  }
}

function signerText(s: SignatureEvidence | AttestationEvidence): string {
  if (s.identity) return `${s.identity.subjectAlternativeName ?? '?'} (${s.identity.issuer ?? 'no issuer'})`;
  return s.key ?? '?';
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

function denyChecks(policy: CompiledPolicy, ev: ImageEvidence): CheckResult[] {
  const deny = policy.doc.deny;
  const out: CheckResult[] = [];
  const ref = (r?: string) => (r ? ` (${r})` : '');
  const d = ev.digest ? deny?.digests?.find((x) => x.digest === ev.digest) : undefined;
  if (d)
    out.push({
      id: 'deny/digest',
      status: 'fail',
      reason: `digest ${d.digest} is denied: ${d.reason}${ref(d.reference)}`,
      actual: d.digest,
    });
  else if (deny?.digests?.length)
    out.push({ id: 'deny/digest', status: 'pass', reason: 'the digest is not on the deny list' });
  // Every keyless signer seen: by the deny scan, and by the authorities themselves.
  const everyone = new Map<string, { subjectAlternativeName?: string; issuer?: string }>();
  for (const id of [
    ...ev.signers,
    ...ev.signatures.map((x) => x.identity),
    ...ev.attestations.map((x) => x.identity),
  ]) {
    if (id) everyone.set(`${id.subjectAlternativeName ?? ''}\n${id.issuer ?? ''}`, id);
  }
  for (const signer of everyone.values()) {
    const san = signer.subjectAlternativeName ?? '';
    for (const di of policy.denyIdentities) {
      const subjectHit =
        di.subject !== undefined ? di.subject === san : (di.subjectRegExp?.test(san) ?? false);
      if (subjectHit && (di.issuer === undefined || di.issuer === signer.issuer)) {
        out.push({
          id: 'deny/identity',
          status: 'fail',
          reason: `signed by denied identity ${san}: ${di.reason}${ref(di.reference)}`,
          actual: san,
        });
      }
    }
    for (const di of deny?.issuers ?? []) {
      if (signer.issuer === di.issuer) {
        out.push({
          id: 'deny/issuer',
          status: 'fail',
          reason: `signed through denied issuer ${di.issuer}: ${di.reason}${ref(di.reference)}`,
          actual: di.issuer,
        });
      }
    }
  }
  return out;
}

function evaluateRule(
  policy: CompiledPolicy,
  rule: CompiledRule,
  glob: string,
  ev: ImageEvidence,
  now: Date,
): RuleResult {
  const r = rule.raw;
  const raw: CheckResult[] = [];
  const host = ev.registry;
  if (r.allowedRegistries) {
    const ok = r.allowedRegistries.includes(host);
    raw.push({
      id: 'registry',
      status: ok ? 'pass' : 'fail',
      reason: ok ? `registry ${host} is allowed` : `registry ${host} is not allowed`,
      expected: r.allowedRegistries.join(' | '),
      actual: host,
    });
  }
  if (r.allowedNamespaces) {
    const ok = r.allowedNamespaces.some(
      (ns) => ev.name === ns || ev.name.startsWith(`${ns.replace(/\/$/, '')}/`),
    );
    raw.push({
      id: 'namespace',
      status: ok ? 'pass' : 'fail',
      reason: ok
        ? `${ev.name} is in an allowed namespace`
        : `${ev.name} is in none of the allowed namespaces`,
      expected: r.allowedNamespaces.join(' | '),
      actual: ev.name,
    });
  }
  if (r.requireDigest) {
    const resolveTags = typeof r.requireDigest === 'object' && r.requireDigest.resolve;
    if (ev.givenBy === 'tag' && !resolveTags) {
      raw.push({
        id: 'digest',
        status: 'fail',
        reason: `${ev.reference} names a mutable tag; pin it by digest${ev.digest ? ` (${ev.name}@${ev.digest})` : ''}`,
        expected: 'a reference by digest',
        actual: `tag ${ev.tag ?? '?'}`,
      });
    } else {
      raw.push({
        id: 'digest',
        status: 'pass',
        reason:
          ev.givenBy === 'tag'
            ? `${ev.tag ? `tag ${ev.tag}` : 'the reference'} resolved and pinned to ${ev.digest}`
            : `given by digest ${ev.digest ?? ''}`.trim(),
      });
    }
  }
  if (r.signatures) raw.push(signatureCheck(policy, r.signatures, ev, now));
  // Appended one by one: a report with many findings has more checks than a call takes arguments.
  for (const a of rule.attestations) for (const c of attestationChecks(policy, a, ev, now)) raw.push(c);
  if (r.vulnerabilities) for (const c of vulnerabilityChecks(policy, rule, ev, now)) raw.push(c);
  if (r.sbom) for (const c of sbomChecks(policy, r.sbom, ev, now)) raw.push(c);

  const checks = raw.map((c) => applyExceptions(policy, rule, ev, c, now)).map((c) => byMode(c, r.mode));
  const statuses = checks.map((c) => c.status);
  const status: CheckStatus =
    r.mode === 'audit'
      ? 'pass'
      : statuses.includes('fail')
        ? 'fail'
        : statuses.includes('warn')
          ? 'warn'
          : 'pass';
  return { name: r.name, mode: r.mode, matchedBy: glob, status, checks };
}

function byMode(c: CheckResult, mode: 'enforce' | 'warn' | 'audit'): CheckResult {
  if (c.status !== 'fail') return c;
  if (mode === 'warn') return { ...c, status: 'warn', reason: `${c.reason} (warn mode)` };
  if (mode === 'audit') return { ...c, reason: `${c.reason} (audit mode: recorded, not enforced)` };
  return c;
}

function applyExceptions(
  policy: CompiledPolicy,
  rule: CompiledRule,
  ev: ImageEvidence,
  c: CheckResult,
  now: Date,
): CheckResult {
  if (c.status === 'pass' || c.status === 'skip') return c;
  let expired: CheckResult['exception'];
  for (const e of policy.exceptions) {
    if (e.raw.rules && !e.raw.rules.includes(rule.raw.name)) continue;
    if (!matchesAny(e.images, ev.name) || !matchesAny(e.checks, c.id)) continue;
    const info = { name: e.raw.name, ticket: e.raw.ticket, reason: e.raw.reason, expiresAt: e.raw.expiresAt };
    if (e.expiresAt.getTime() <= now.getTime()) {
      expired = { ...info, expired: true };
      continue;
    }
    const left = e.expiresAt.getTime() - now.getTime();
    const soon = left <= EXPIRY_WARNING_MS;
    return {
      ...c,
      status: soon ? 'warn' : 'pass',
      reason: `waived by exception ${e.raw.name} (${e.raw.ticket}: ${e.raw.reason}; expires ${e.raw.expiresAt}${soon ? `, in ${formatDuration(left)}` : ''}): ${c.reason}`,
      exception: { ...info, expired: false },
    };
  }
  if (expired) {
    return {
      ...c,
      reason: `${c.reason}; exception ${expired.name} (${expired.ticket}) expired at ${expired.expiresAt}`,
      exception: expired,
    };
  }
  return c;
}

/** Whether a signature counts for its authority: key not revoked, signed inside the key's window. */
function counts(
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
function signatureCheck(
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

const shorthand = (pt: string) => Object.entries(PREDICATE_TYPES).find(([, v]) => v === pt)?.[0] ?? pt;

/** Verified attestations of a type from allowed authorities, newest first, with the ones that do not count. */
function candidates(
  policy: CompiledPolicy,
  ev: ImageEvidence,
  predicateType: string,
  signedBy: string[] | undefined,
  now: Date,
): { good: AttestationEvidence[]; notes: string[] } {
  const notes: string[] = [];
  const good = ev.attestations
    .filter((a) => a.predicateType === predicateType)
    .filter((a) => {
      if (signedBy && !signedBy.includes(a.authority)) {
        notes.push(`one signed by ${a.authority}, not by ${signedBy.join(' | ')}`);
        return false;
      }
      const c = counts(policy, a, now);
      if (!c.ok) notes.push(c.why!);
      return c.ok;
    })
    .sort((x, y) => (y.time ?? '').localeCompare(x.time ?? ''));
  return { good, notes };
}

function attestationChecks(
  policy: CompiledPolicy,
  req: CompiledAttestation,
  ev: ImageEvidence,
  now: Date,
): CheckResult[] {
  const base = `attestations/${req.raw.name}`;
  const { good, notes } = candidates(policy, ev, req.predicateType, req.raw.signedBy, now);
  const who = req.raw.signedBy ? ` signed by ${req.raw.signedBy.join(' | ')}` : '';
  if (good.length === 0) {
    return [
      {
        id: base,
        status: 'fail',
        reason: `no verified ${shorthand(req.predicateType)} attestation${who}${notes.length ? ` (${[...new Set(notes)].join('; ')})` : ''}`,
        expected: `${req.predicateType}${who}`,
        actual: 'none',
      },
    ];
  }
  // Each candidate is judged whole: the newest that passes everything wins, else the newest that
  // only warns, else the newest is reported. A clean candidate wins wherever it is in the list, so
  // once one is found no further evidence can change this requirement's outcome: the property
  // policy-directed discovery stops on (policy/discovery-plan.ts). (Short of a clean pass, which
  // candidate is reported can change with more evidence, and so can which exceptions apply; the
  // plan reads everything in those cases.)
  let warnOnly: CheckResult[] | undefined;
  let newest: CheckResult[] | undefined;
  for (const a of good) {
    const results = judgeAttestation(req, a, base, now);
    if (results.every((c) => c.status === 'pass' || c.status === 'skip')) return results;
    if (results.every((c) => c.status !== 'fail')) warnOnly ??= results;
    newest ??= results;
  }
  return warnOnly ?? newest!;
}

function judgeAttestation(
  req: CompiledAttestation,
  a: AttestationEvidence,
  base: string,
  now: Date,
): CheckResult[] {
  const out: CheckResult[] = [];
  const age = a.time ? now.getTime() - new Date(a.time).getTime() : undefined;
  if (req.maxAgeMs !== undefined && (age === undefined || age > req.maxAgeMs)) {
    out.push({
      id: base,
      status: 'fail',
      reason:
        age === undefined
          ? `the ${shorthand(req.predicateType)} attestation has no signed time to measure its age against maxAge ${req.raw.maxAge}`
          : `the ${shorthand(req.predicateType)} attestation is ${formatDuration(age)} old, over maxAge ${req.raw.maxAge}`,
      expected: `<= ${req.raw.maxAge}`,
      actual: age === undefined ? 'unknown' : formatDuration(age),
    });
  } else {
    out.push({
      id: base,
      status: 'pass',
      reason: `verified ${shorthand(req.predicateType)} attestation by ${a.authority}${a.time ? `, logged ${a.time}` : ''}`,
    });
  }
  const predicate = a.statement.predicate;
  const large = predicate === undefined;
  if (req.raw.slsa) {
    const { builderIdRegExp: _b, sourceRefRegExp: _s, ...exact } = req.raw.slsa;
    const want = {
      ...exact,
      ...(req.builderIdRegExp ? { builderIdRegExp: req.builderIdRegExp } : {}),
      ...(req.sourceRefRegExp ? { sourceRefRegExp: req.sourceRefRegExp } : {}),
    };
    for (const f of slsaFindings(slsaFields(a.predicateType, predicate), want))
      out.push(fromFinding(f, base));
  }
  for (const c of req.conditions) {
    const id = `${base}/conditions/${c.id}`;
    if (large) {
      out.push({
        id,
        status: 'fail',
        reason: 'the predicate is too large to evaluate conditions on (over 1 MiB)',
        severity: c.raw.severity,
      });
      continue;
    }
    const r = c.evaluate({
      predicate,
      predicateType: a.predicateType,
      subject: a.statement.subject,
      signer: {
        ...(a.identity?.subjectAlternativeName ? { san: a.identity.subjectAlternativeName } : {}),
        ...(a.identity?.issuer ? { issuer: a.identity.issuer } : {}),
        ...(a.key ? { key: a.key } : {}),
        claims: a.identity?.claims ?? {},
      },
    });
    const failed = c.raw.mode === 'warn' ? 'warn' : 'fail';
    out.push({
      id,
      status: r.ok ? 'pass' : failed,
      reason: r.ok ? `${c.raw.message}: holds` : r.reason,
      expected: c.raw.expr,
      severity: c.raw.severity,
    });
  }
  return out;
}

function fromFinding(f: Finding, base: string): CheckResult {
  return {
    id: base ? `${base}/${f.id}` : f.id,
    status: f.ok ? 'pass' : 'fail',
    reason: f.reason,
    ...(f.expected !== undefined ? { expected: f.expected } : {}),
    ...(f.actual !== undefined ? { actual: f.actual } : {}),
  };
}

function vulnerabilityChecks(
  policy: CompiledPolicy,
  rule: CompiledRule,
  ev: ImageEvidence,
  now: Date,
): CheckResult[] {
  const gate = rule.raw.vulnerabilities!;
  const vulnType = PREDICATE_TYPES.vuln!;
  const { good, notes } = candidates(policy, ev, vulnType, gate.signedBy, now);
  const scan = good[0];
  if (!scan) {
    return [
      {
        id: 'vulnerabilities',
        status: 'fail',
        reason: `no verified vulnerability report (vuln attestation)${notes.length ? ` (${notes.join('; ')})` : ''}`,
        expected: vulnType,
        actual: 'none',
      },
    ];
  }
  const vulns = trivyVulnerabilities(scan.statement.predicate);
  if (!vulns) {
    return [
      {
        id: 'vulnerabilities',
        status: 'fail',
        reason:
          'the vulnerability report is not a Trivy result inside a cosign vuln predicate (scanner.result.Results)',
      },
    ];
  }
  const out: CheckResult[] = [];
  const when = scanTime(scan.statement.predicate) ?? scan.time;
  const age = when ? now.getTime() - new Date(when).getTime() : undefined;
  if (
    rule.vulnMaxAgeMs !== undefined &&
    (age === undefined || Number.isNaN(age) || age > rule.vulnMaxAgeMs)
  ) {
    out.push({
      id: 'vulnerabilities',
      status: 'fail',
      reason:
        age === undefined || Number.isNaN(age)
          ? 'the scan has no time to check maxAge against'
          : `the scan is ${formatDuration(age)} old, over maxAge ${gate.maxAge}`,
      expected: `<= ${gate.maxAge}`,
      actual: age === undefined || Number.isNaN(age) ? 'unknown' : formatDuration(age),
    });
  } else {
    out.push({
      id: 'vulnerabilities',
      status: 'pass',
      reason: `verified scan by ${scan.authority}${when ? ` from ${when}` : ''}: ${vulns.length} finding(s)`,
    });
  }
  let triaged = new Set<string>();
  if (gate.honourTriage) {
    const t = candidates(policy, ev, PREDICATE_TYPES.triage!, gate.signedBy, now).good[0];
    if (t) triaged = triagedIds(t.statement.predicate, now);
  }
  for (const f of vulnerabilityFindings(vulns, gate, triaged)) out.push(fromFinding(f, ''));
  return out;
}

function sbomChecks(
  policy: CompiledPolicy,
  gate: NonNullable<CompiledRule['raw']['sbom']>,
  ev: ImageEvidence,
  now: Date,
): CheckResult[] {
  const sboms = [PREDICATE_TYPES.cyclonedx!, PREDICATE_TYPES.spdxjson!].flatMap(
    (t) => candidates(policy, ev, t, gate.signedBy, now).good,
  );
  const sbom = sboms[0];
  if (!sbom)
    return [
      {
        id: 'sbom',
        status: 'fail',
        reason: 'no verified SBOM (CycloneDX or SPDX attestation)',
        actual: 'none',
      },
    ];
  const packages = sbomPackages(sbom.statement.predicate);
  if (!packages)
    return [
      {
        id: 'sbom',
        status: 'fail',
        reason: 'the SBOM has no readable package list (too large, or neither CycloneDX nor SPDX JSON)',
      },
    ];
  const findings = sbomFindings(packages, gate);
  return [
    {
      id: 'sbom',
      status: 'pass',
      reason: `verified ${shorthand(sbom.predicateType)} SBOM by ${sbom.authority}: ${packages.length} package(s)`,
    },
    ...findings.map((f) => fromFinding(f, '')),
  ];
}
