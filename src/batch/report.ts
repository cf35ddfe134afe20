/**
 * One model for a batch's results, whichever way they were decided (keys/identity, or a policy), so
 * that every CI format (text, JSON, SARIF, JUnit, Markdown, GitHub annotations) renders the same
 * facts: per image, its status, its checks, and where in the repository it was named.
 */
import type { PolicyRun } from '../policy/run.js';
import type { AttestationRun } from '../verify/verify-attestations-image.js';
import type { VerifyRun } from '../verify/verify-image.js';

export type BatchStatus = 'pass' | 'fail' | 'warn';

export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
  /** YAML path, for references from manifests. */
  path?: string;
}

export interface BatchCheck {
  id: string;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  reason: string;
  rule?: string;
}

export interface BatchEntry {
  reference: string;
  digest?: string;
  status: BatchStatus;
  /** One line. */
  summary: string;
  checks: BatchCheck[];
  locations: SourceLocation[];
}

export interface BatchReport {
  tool: { name: 'trustgate'; version: string };
  mode: 'verify' | 'verify-attestation' | 'policy';
  entries: BatchEntry[];
  /** Manifest fields that looked like images but were not verified (unknown CRDs). */
  skipped: Array<SourceLocation & { reason: string }>;
  exitCode: number;
  summary: { images: number; passed: number; failed: number; warned: number; distinctDigests: number };
}

function summarise(entries: BatchEntry[]): BatchReport['summary'] {
  return {
    images: entries.length,
    passed: entries.filter((e) => e.status === 'pass').length,
    failed: entries.filter((e) => e.status === 'fail').length,
    warned: entries.filter((e) => e.status === 'warn').length,
    distinctDigests: new Set(entries.map((e) => e.digest).filter(Boolean)).size,
  };
}

export function reportFromVerify(
  run: VerifyRun,
  locations: Map<string, SourceLocation[]>,
  version: string,
  skipped: BatchReport['skipped'] = [],
): BatchReport {
  const entries = run.images.map((i): BatchEntry => {
    const status: BatchStatus = i.verdict === 'verified' ? 'pass' : 'fail';
    return {
      reference: i.reference,
      ...(i.digest ? { digest: i.digest } : {}),
      status,
      summary: i.message,
      checks: [{ id: i.error ? 'verification' : 'signatures', status, reason: i.message }],
      locations: locations.get(i.reference) ?? [],
    };
  });
  return {
    tool: { name: 'trustgate', version },
    mode: 'verify',
    entries,
    skipped,
    exitCode: run.exitCode,
    summary: summarise(entries),
  };
}

export function reportFromPolicy(
  run: PolicyRun,
  locations: Map<string, SourceLocation[]>,
  version: string,
  skipped: BatchReport['skipped'] = [],
): BatchReport {
  const entries = run.decisions.map((d): BatchEntry => {
    const checks: BatchCheck[] = [
      ...d.checks.map((c) => ({ id: c.id, status: c.status, reason: c.reason })),
      ...d.rules.flatMap((r) =>
        r.checks.map((c) => ({ id: c.id, status: c.status, reason: c.reason, rule: r.name })),
      ),
    ];
    const firstBad = checks.find((c) => c.status === 'fail') ?? checks.find((c) => c.status === 'warn');
    return {
      reference: d.reference,
      ...(d.digest ? { digest: d.digest } : {}),
      status: d.status === 'skip' ? 'pass' : d.status,
      summary: firstBad
        ? `${d.decision === 'deny' ? 'denied' : 'allowed with warnings'}: ${firstBad.id}: ${firstBad.reason}`
        : 'allowed',
      checks,
      locations: locations.get(d.reference) ?? [],
    };
  });
  return {
    tool: { name: 'trustgate', version },
    mode: 'policy',
    entries,
    skipped,
    exitCode: run.exitCode,
    summary: summarise(entries),
  };
}

export function reportFromAttestations(
  run: AttestationRun,
  locations: Map<string, SourceLocation[]>,
  version: string,
  skipped: BatchReport['skipped'] = [],
): BatchReport {
  const entries = run.images.map((i): BatchEntry => {
    const status: BatchStatus = i.verdict === 'verified' ? 'pass' : 'fail';
    const checks: BatchCheck[] = i.error
      ? [{ id: 'verification', status: 'fail', reason: i.message }]
      : i.attestations.length === 0
        ? [{ id: 'attestations', status: 'fail', reason: i.message }]
        : i.attestations.map((a) => ({
            id: `attestations/${a.predicateType ?? 'unreadable'}`,
            status: a.verified ? 'pass' : 'fail',
            reason: a.verified ? `verified (${a.format})` : (a.reason ?? 'not verified'),
          }));
    return {
      reference: i.reference,
      ...(i.digest ? { digest: i.digest } : {}),
      status,
      summary: i.message,
      checks,
      locations: locations.get(i.reference) ?? [],
    };
  });
  return {
    tool: { name: 'trustgate', version },
    mode: 'verify-attestation',
    entries,
    skipped,
    exitCode: run.exitCode,
    summary: summarise(entries),
  };
}
