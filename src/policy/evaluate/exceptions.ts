/**
 * An unexpired exception turns a failing check into a pass that names it; one expiring within 14
 * days also warns. An expired exception no longer applies, and the check says so.
 */
import { formatDuration } from '../duration.js';
import type { ImageEvidence } from '../evidence.js';
import { matchesAny } from '../glob.js';
import type { CompiledPolicy, CompiledRule } from '../load.js';
import type { CheckResult } from './types.js';

const EXPIRY_WARNING_MS = 14 * 86400e3;

export function applyExceptions(
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
