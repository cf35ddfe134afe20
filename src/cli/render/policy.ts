/** Rendering policy decisions: a readable tree (policy → rule → check) or the full JSON. */

import type { CacheEvent } from '../../discovery/cache.js';
import type { CheckResult, CheckStatus } from '../../policy/evaluate/index.js';
import type { PolicyRun } from '../../run/evaluate.js';
import { printable } from '../../util/printable.js';
import type { Io } from '../output.js';

export const POLICY_JSON_SCHEMA_VERSION = 1;

export function policyJson(run: PolicyRun): unknown {
  return { schemaVersion: POLICY_JSON_SCHEMA_VERSION, ...run };
}

export function renderPolicyText(run: PolicyRun, io: Io): void {
  const c = io.outChalk;
  const mark: Record<CheckStatus, string> = {
    pass: c.green('✓ pass'),
    fail: c.red('✗ FAIL'),
    warn: c.yellow('! warn'),
    skip: c.dim('- skip'),
  };
  io.err(
    `policy: ${printable(`${run.policy.name} (${run.policy.file}, ${run.policy.sha256.slice(0, 19)}…) as of ${run.effectiveTime}`)}`,
  );
  const line = (indent: string, ch: CheckResult) => {
    const extra =
      ch.status !== 'pass' && ch.expected !== undefined
        ? ` [expected ${ch.expected}; actual ${ch.actual ?? '?'}]`
        : '';
    io.out(`${indent}${mark[ch.status]} ${printable(ch.id)}: ${printable(ch.reason)}${printable(extra)}`);
  };
  for (const d of run.decisions) {
    const verdict =
      d.decision === 'deny'
        ? c.red('DENIED')
        : d.status === 'warn'
          ? c.yellow('allowed with warnings')
          : c.green('allowed');
    io.out(`${printable(d.reference)}${d.digest ? ` (${printable(d.digest)})` : ''}: ${verdict}`);
    for (const ch of d.checks) line('  ', ch);
    for (const r of d.rules) {
      io.out(
        `  ${mark[r.status]} rule ${printable(r.name)} [${printable(r.mode)}, matched ${printable(r.matchedBy)}]`,
      );
      for (const ch of r.checks) line('      ', ch);
      for (const p of r.platforms ?? []) {
        io.out(`        ${mark[p.status]} platform ${printable(p.platform)} (${printable(p.digest)})`);
        for (const ch of p.checks) line('            ', ch);
      }
    }
    if (d.unread)
      io.out(
        c.dim(
          `  not read, as ${d.status === 'pass' ? 'every check that depends on attachments had passed without it' : 'nothing in it could change this decision'} (--exhaustive reads it): ${d.unread.map(printable).join('; ')}`,
        ),
      );
  }
}

/** On stderr: each cache entry that was discarded and fetched again, then how many images it served. */
export function renderCacheEvents(events: readonly CacheEvent[], images: number, dir: string, io: Io): void {
  for (const e of events)
    if (e.kind !== 'hit' && e.kind !== 'miss')
      io.err(
        `${io.errChalk.yellow('cache:')} discarded the ${e.kind} entry for ${printable(e.image)}: ${printable(e.reason)}; fetched it again`,
      );
  const hits = events.filter((e) => e.kind === 'hit').length;
  io.err(`cache: ${hits} of ${images} image(s) re-verified from ${printable(dir)}`);
}
