/**
 * The audit log: one JSON line per decision, appended and fsynced before the command returns, so a
 * crash never truncates what was written. Records hold what was decided and why, never credentials:
 * the inputs are references, digests, check reasons and signer identities.
 */

import { aboutOption } from '../errors.js';
import { jsonText } from '../util/printable.js';
import { appendNoFollow } from '../util/safe-fs.js';
import { redact } from '../util/secrets.js';
import { VERSION } from '../version.js';
import type { PolicyDecision } from './evaluate/index.js';

export interface AuditRecord {
  time: string;
  tool: string;
  event: 'decision' | 'policy-change';
  policy: { name: string; sha256: string; file?: string };
  reference?: string;
  digest?: string;
  decision?: 'allow' | 'deny';
  status?: string;
  effectiveTime?: string;
  failed?: Array<{ rule?: string; id: string; reason: string }>;
  warned?: Array<{ rule?: string; id: string; reason: string }>;
  signers?: string[];
  /** Attachments not read because what was read already passed every check. */
  unread?: string[];
  changes?: string[];
}

export function decisionRecord(d: PolicyDecision, file: string, now = new Date()): AuditRecord {
  const pick = (status: string) => [
    ...d.checks.filter((c) => c.status === status).map((c) => ({ id: c.id, reason: c.reason })),
    ...d.rules.flatMap((r) =>
      r.checks.filter((c) => c.status === status).map((c) => ({ rule: r.name, id: c.id, reason: c.reason })),
    ),
  ];
  return {
    time: now.toISOString(),
    tool: `trustgate ${VERSION}`,
    event: 'decision',
    policy: { name: d.policy.name, sha256: d.policy.sha256, file },
    reference: d.reference,
    ...(d.digest ? { digest: d.digest } : {}),
    decision: d.decision,
    status: d.status,
    effectiveTime: d.effectiveTime,
    failed: pick('fail'),
    warned: pick('warn'),
    signers: d.signers,
    ...(d.unread ? { unread: d.unread } : {}),
  };
}

/** The audit event for a policy change: which policy replaced which, and the semantic differences. */
export function policyChangeRecord(
  before: { file: string; sha256: string },
  after: { file: string; sha256: string; name: string },
  changes: string[],
  now = new Date(),
): AuditRecord {
  return {
    time: now.toISOString(),
    tool: `trustgate ${VERSION}`,
    event: 'policy-change',
    policy: { name: after.name, sha256: after.sha256, file: after.file },
    changes: [`from ${before.sha256} (${before.file})`, ...changes],
  };
}

/**
 * Appends records as JSON lines and fsyncs them. The log is created 0600 and must be a regular file:
 * a link planted at its name would otherwise make trustgate append to a file of the attacker's choice.
 */
export function appendAudit(file: string, records: AuditRecord[]): void {
  if (records.length === 0) return;
  // Redacted as a whole line: a check reason may quote a registry's error body.
  const text = records.map((r) => `${redact(jsonText(r))}\n`).join('');
  aboutOption('auditLog', () => appendNoFollow(file, text, 0o600, 'auditLog'));
}
