/**
 * Attestation requirements: the verified attestations of a type from the allowed authorities, each
 * judged whole (age, SLSA fields, CEL conditions).
 */
import { formatDuration } from '../duration.js';
import type { AttestationEvidence, ImageEvidence, UnsignedEvidence } from '../evidence.js';
import type { CompiledAttestation, CompiledPolicy } from '../load.js';
import { shorthand } from './describe.js';
import { slsaChecks } from './gates/slsa.js';
import { counts } from './signatures.js';
import type { CheckResult } from './types.js';

/** Verified attestations of a type from allowed authorities, newest first, with the ones that do not count. */
export function candidates(
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

export function attestationChecks(
  policy: CompiledPolicy,
  req: CompiledAttestation,
  ev: ImageEvidence,
  now: Date,
): CheckResult[] {
  const base = `attestations/${req.raw.name}`;
  const { good, notes } = candidates(policy, ev, req.predicateType, req.raw.signedBy, now);
  const who = req.raw.signedBy ? ` signed by ${req.raw.signedBy.join(' | ')}` : '';
  // Unsigned evidence only where the policy opted in, and never for a requirement naming a signer.
  if (good.length === 0 && req.raw.allowUnsigned === 'buildkit' && !req.raw.signedBy && ev.unsigned)
    return unsignedChecks(req, ev, ev.unsigned, base, now, notes);
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
  for (const c of slsaChecks(req, a, base)) out.push(c);
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

/**
 * `allowUnsigned: buildkit`: the BuildKit attestations of the type stand in for a signed one. For a
 * child image, its own; for the index, every runnable image of it must have one (the index is all of
 * them). Each is judged as a signed one would be (maxAge fails: nothing signed its time), and the
 * result carries a warning that the evidence was unsigned.
 */
function unsignedChecks(
  req: CompiledAttestation,
  ev: ImageEvidence,
  u: UnsignedEvidence,
  base: string,
  now: Date,
  notes: string[],
): CheckResult[] {
  const type = shorthand(req.predicateType);
  const self = u.children.find((c) => c.digest === ev.digest);
  const targets = self ? [self] : u.children;
  const name = (c: { digest: string; platform?: string }) => `${c.platform ?? 'image'} ${c.digest}`;
  const missing = targets.filter(
    (t) => !u.attestations.some((a) => a.subject === t.digest && a.predicateType === req.predicateType),
  );
  if (targets.length === 0 || missing.length > 0) {
    const seen = [...new Set([...notes, ...u.ignored])];
    return [
      {
        id: base,
        status: 'fail',
        reason: `no verified ${type} attestation, and no unsigned BuildKit one for ${targets.length === 0 ? 'any image of the index' : missing.map(name).join(', ')}${seen.length ? ` (${seen.join('; ')})` : ''}`,
        expected: `${req.predicateType} (signed, or unsigned from BuildKit for every image)`,
        actual: 'none',
      },
    ];
  }
  const out: CheckResult[] = [];
  for (const t of targets) {
    const mine = u.attestations.filter(
      (a) => a.subject === t.digest && a.predicateType === req.predicateType,
    );
    let chosen: CheckResult[] | undefined;
    for (const a of mine) {
      const judged = judgeAttestation(
        req,
        {
          authority: 'unsigned (BuildKit)',
          predicateType: a.predicateType,
          format: 'buildkit',
          via: a.via,
          statement: a.statement,
        },
        base,
        now,
      ).map((c) =>
        c.id === base && c.status === 'pass'
          ? {
              ...c,
              reason: `unsigned BuildKit ${type} attestation for ${name(t)} (attestation manifest ${a.via})`,
            }
          : c,
      );
      chosen ??= judged;
      if (judged.every((c) => c.status === 'pass' || c.status === 'skip')) {
        chosen = judged;
        break;
      }
    }
    out.push(...chosen!);
  }
  out.push({
    id: `${base}/unsigned`,
    status: 'warn',
    reason: `satisfied only by unsigned BuildKit attestations stored in the image index (allowUnsigned: buildkit): nothing signed them, so whoever could push the index could have written them`,
    expected: `a ${type} attestation signed by an authority`,
    actual: 'unsigned (BuildKit)',
  });
  return out;
}
