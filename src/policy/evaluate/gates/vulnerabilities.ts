/**
 * The vulnerability gate: a signed Trivy report (`cosign vuln` predicate), an optional signed triage
 * list, and the findings over the gate's maxSeverity, denyCVEs and ignoreUnfixed.
 */
import { PREDICATE_TYPES } from '../../../verify/attestations.js';
import { formatDuration } from '../../duration.js';
import type { ImageEvidence } from '../../evidence.js';
import type { CompiledPolicy, CompiledRule } from '../../load.js';
import type { Severity } from '../../schema.js';
import { candidates } from '../attestations.js';
import { fromFinding } from '../describe.js';
import type { CheckResult } from '../types.js';
import { arr, type Finding, obj, opt, str } from './finding.js';

export interface Vulnerability {
  id: string;
  severity: Severity;
  pkg?: string;
  fixedVersion?: string;
}

const RANK: Record<Severity, number> = { UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** Vulnerabilities from a `cosign vuln` predicate wrapping a Trivy JSON report. */
export function trivyVulnerabilities(predicate: unknown): Vulnerability[] | undefined {
  const result = obj(obj(obj(predicate)?.scanner)?.result);
  if (!result) return undefined;
  const out: Vulnerability[] = [];
  for (const r of arr(result.Results)) {
    for (const v of arr(obj(r)?.Vulnerabilities)) {
      const o = obj(v);
      const id = str(o?.VulnerabilityID);
      if (!o || !id) continue;
      const sev = String(o.Severity ?? 'UNKNOWN').toUpperCase();
      out.push({
        id,
        severity: (sev in RANK ? sev : 'UNKNOWN') as Severity,
        ...opt('pkg', str(o.PkgName)),
        ...opt('fixedVersion', str(o.FixedVersion) || undefined),
      });
    }
  }
  return out;
}

/** When the scan finished, from the signed predicate. */
export function scanTime(predicate: unknown): string | undefined {
  const md = obj(obj(predicate)?.metadata);
  return str(md?.scanFinishedOn) ?? str(md?.scanStartedOn);
}

/**
 * CVE ids a triage attestation waives: `.trivyignore` text (comments allowed; an `exp:YYYY-MM-DD`
 * entry stops applying after that date, as in Trivy) or an `ignore` list. Ids are upper-cased.
 */
export function triagedIds(predicate: unknown, now: Date): Set<string> {
  const p = obj(predicate) ?? {};
  const ids = new Set<string>();
  for (const line of (str(p.trivyignore) ?? '').split('\n')) {
    const t = line.replace(/#.*/, '').trim();
    if (!t) continue;
    const [id, ...rest] = t.split(/\s+/);
    const exp = rest.find((r) => r.startsWith('exp:'))?.slice(4);
    if (exp !== undefined) {
      const until = new Date(`${exp}T00:00:00Z`);
      // An unreadable expiry is no waiver: fail closed.
      if (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime()) continue;
    }
    ids.add(id!.toUpperCase());
  }
  for (const v of arr(p.ignore)) if (typeof v === 'string') ids.add(v.toUpperCase());
  return ids;
}

export function vulnerabilityFindings(
  vulns: Vulnerability[],
  gate: { maxSeverity?: Severity; denyCVEs?: string[]; ignoreUnfixed?: boolean },
  triaged: Set<string>,
): Finding[] {
  const out: Finding[] = [];
  const deny = new Set((gate.denyCVEs ?? []).map((c) => c.toUpperCase()));
  // An id is settled by its first instance that matters: the same CVE may be listed for several
  // packages or severities, and a harmless listing must not hide a failing one.
  const seen = new Set<string>();
  for (const v of vulns) {
    const id = v.id.toUpperCase();
    if (seen.has(id)) continue;
    const denied = deny.has(id);
    const tooSevere = gate.maxSeverity !== undefined && RANK[v.severity] > RANK[gate.maxSeverity];
    if (!denied && !tooSevere) continue;
    if (!denied && gate.ignoreUnfixed && !v.fixedVersion) continue;
    seen.add(id);
    const where = `${v.pkg ? ` in ${v.pkg}` : ''}${v.fixedVersion ? ` (fixed in ${v.fixedVersion})` : ' (no fix yet)'}`;
    if (triaged.has(id)) {
      out.push({
        id: `vulnerabilities/${v.id}`,
        ok: true,
        reason: `${v.id} ${v.severity}${where} is triaged by the signed triage attestation`,
      });
      continue;
    }
    out.push({
      id: `vulnerabilities/${v.id}`,
      ok: false,
      reason: denied
        ? `${v.id}${where} is on the deny list`
        : `${v.id} is ${v.severity}${where}, above the allowed ${gate.maxSeverity}`,
      expected: denied ? `not ${v.id}` : `severity <= ${gate.maxSeverity}`,
      actual: v.severity,
    });
  }
  return out;
}

export function vulnerabilityChecks(
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
