/**
 * One model for a batch's results, whichever way they were decided (keys/identity, or a policy), so
 * that every CI format (text, JSON, SARIF, JUnit, Markdown, GitHub annotations) renders the same
 * facts: per image, its status, its checks, and where in the repository it was named.
 */

import type { SkippedImage, SourceLocation } from '../inputs/location.js';
import { explainingCheck } from '../policy/checks.js';
import type { PolicyDecision } from '../policy/evaluate/types.js';
import type { PolicyRun } from '../run/evaluate.js';
import type { VerifyRun } from '../run/verify.js';
import type { AttestationRun } from '../run/verify-attestations.js';
import { VERSION } from '../version.js';

export type { SkippedImage, SourceLocation } from '../inputs/location.js';

export type BatchStatus = 'pass' | 'fail' | 'warn';

export interface BatchCheck {
  id: string;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  reason: string;
  rule?: string;
  /** The platform image a check is about (policy rules with a `platforms:` scope). */
  platform?: { platform: string; digest: string };
}

export interface BatchEntry {
  reference: string;
  digest?: string;
  status: BatchStatus;
  /** One line. */
  summary: string;
  checks: BatchCheck[];
  /**
   * Policy runs: attachments left unread because what was read already passed every check (the
   * decision is the same; `--exhaustive` reads them).
   */
  unread?: string[];
  locations: SourceLocation[];
}

export interface BatchReport {
  tool: { name: 'trustgate'; version: string };
  mode: 'verify' | 'verify-attestation' | 'policy';
  entries: BatchEntry[];
  /** Manifest fields that looked like images but were not verified (unknown CRDs). */
  skipped: SkippedImage[];
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

type EntryFacts = Omit<BatchEntry, 'locations' | 'digest'> & { digest?: string | undefined };

/** The report around per-image facts: each entry gets where it was named; totals are derived. */
function report(
  mode: BatchReport['mode'],
  exitCode: number,
  facts: EntryFacts[],
  locations: Map<string, SourceLocation[]>,
  skipped: BatchReport['skipped'],
): BatchReport {
  const entries = facts.map(
    ({ digest, ...f }): BatchEntry => ({
      ...f,
      ...(digest ? { digest } : {}),
      locations: locations.get(f.reference) ?? [],
    }),
  );
  return {
    tool: { name: 'trustgate', version: VERSION },
    mode,
    entries,
    skipped,
    exitCode,
    summary: summarise(entries),
  };
}

export function reportFromVerify(
  run: VerifyRun,
  locations: Map<string, SourceLocation[]>,
  skipped: BatchReport['skipped'] = [],
): BatchReport {
  const facts = run.images.map((i): EntryFacts => {
    const status: BatchStatus = i.verdict === 'verified' ? 'pass' : 'fail';
    const summary = i.platform ? `${i.platform}: ${i.message}` : i.message;
    return {
      reference: i.reference,
      digest: i.digest,
      status,
      summary,
      checks: [{ id: i.error ? 'verification' : 'signatures', status, reason: summary }],
    };
  });
  return report('verify', run.exitCode, facts, locations, skipped);
}

export function reportFromPolicy(
  run: PolicyRun,
  locations: Map<string, SourceLocation[]>,
  skipped: BatchReport['skipped'] = [],
): BatchReport {
  return report('policy', run.exitCode, run.decisions.map(factsOfDecision), locations, skipped);
}

/** One decision's report entry (a streamed batch makes each as the decision is made). */
export function entryFromDecision(d: PolicyDecision, locations: Map<string, SourceLocation[]>): BatchEntry {
  const { digest, ...f } = factsOfDecision(d);
  return { ...f, ...(digest ? { digest } : {}), locations: locations.get(f.reference) ?? [] };
}

function factsOfDecision(d: PolicyDecision): EntryFacts {
  const checks: BatchCheck[] = [
    ...d.checks.map((c) => ({ id: c.id, status: c.status, reason: c.reason })),
    ...d.rules.flatMap((r) => [
      ...r.checks.map((c) => ({ id: c.id, status: c.status, reason: c.reason, rule: r.name })),
      // Each platform image's checks, named by platform and digest (rules with a platforms: scope).
      ...(r.platforms ?? []).flatMap((p) =>
        p.checks.map((c) => ({
          id: `platforms/${p.platform}/${c.id}`,
          status: c.status,
          reason: `${p.platform} (${p.digest}): ${c.reason}`,
          rule: r.name,
          platform: { platform: p.platform, digest: p.digest },
        })),
      ),
    ]),
  ];
  const firstBad = explainingCheck(d);
  return {
    reference: d.reference,
    digest: d.digest,
    status: d.status === 'skip' ? 'pass' : d.status,
    summary: firstBad
      ? `${d.decision === 'deny' ? 'denied' : 'allowed with warnings'}: ${firstBad.id}: ${firstBad.reason}`
      : 'allowed',
    checks,
    ...(d.unread ? { unread: d.unread } : {}),
  };
}

export function reportFromAttestations(
  run: AttestationRun,
  locations: Map<string, SourceLocation[]>,
  skipped: BatchReport['skipped'] = [],
): BatchReport {
  const facts = run.images.map(
    (i): EntryFacts => ({
      reference: i.reference,
      digest: i.digest,
      status: i.verdict === 'verified' ? 'pass' : 'fail',
      summary: i.platform ? `${i.platform}: ${i.message}` : i.message,
      checks: i.error
        ? [{ id: 'verification', status: 'fail', reason: i.message }]
        : i.attestations.length === 0
          ? [{ id: 'attestations', status: 'fail', reason: i.message }]
          : i.attestations.map((a) => ({
              id: `attestations/${a.predicateType ?? 'unreadable'}`,
              status: a.verified ? 'pass' : 'fail',
              reason: a.verified ? `verified (${a.format})` : (a.reason ?? 'not verified'),
            })),
    }),
  );
  return report('verify-attestation', run.exitCode, facts, locations, skipped);
}
