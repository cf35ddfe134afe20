/** Rendering `trustgate verify` results: the tree for people and our JSON schema (cosign's output: cosign.ts). */

import type { VerifyRun } from '../../run/verify.js';
import { printable } from '../../util/printable.js';
import type { Colors, Io } from '../output.js';

export const VERIFY_JSON_SCHEMA_VERSION = 1;

/** Our stable JSON: documented in README ("JSON output of verify"). */
export function verifyJson(run: VerifyRun): unknown {
  return {
    schemaVersion: VERIFY_JSON_SCHEMA_VERSION,
    trustRoot: run.trustRoot,
    keys: run.keys,
    ...(run.identity ? { identity: run.identity } : {}),
    ignoreTlog: run.ignoreTlog,
    images: run.images.map((i) => ({
      reference: i.reference,
      ...(i.platform ? { platform: i.platform } : {}),
      canonical: i.canonical,
      digest: i.digest,
      verdict: i.verdict,
      message: i.message,
      signatures: i.signatures.map((s) => ({
        format: s.format,
        origin: s.origin,
        verified: s.verified,
        ...(s.reason ? { reason: s.reason } : {}),
        ...(s.key ? { key: s.key } : {}),
        ...(s.identity ? { identity: s.identity } : {}),
        ...(s.tlog ? { tlog: s.tlog } : {}),
        warnings: s.warnings,
      })),
      notSignatures: i.notSignatures,
      unsigned: i.unsigned,
      searched: i.searched,
      stoppedEarly: i.stoppedEarly,
      ...(i.error ? { error: i.error } : {}),
    })),
    summary: {
      images: run.images.length,
      verified: run.images.filter((i) => i.verdict === 'verified').length,
      exitCode: run.exitCode,
    },
  };
}

function mark(c: Colors, ok: boolean | undefined): string {
  return ok === undefined ? c.dim('·') : ok ? c.green('✓') : c.red('✗');
}

export function renderVerifyText(run: VerifyRun, io: Io): void {
  const c = io.outChalk;
  if (run.ignoreTlog)
    io.err(
      io.errChalk.yellow(
        'warning: --insecure-ignore-tlog: transparency-log entries are neither required nor checked',
      ),
    );
  if (run.identity) io.err(`keyless: ${printable(run.identity)}`);
  else
    io.err(
      `keys: ${printable(run.keys.map((k) => `${k.source} (${k.algorithm}, ${k.fingerprint.slice(0, 23)}…)`).join(', '))}`,
    );
  io.err(`trust root: ${printable(run.trustRoot)}`);
  for (const img of run.images) {
    const ok = img.verdict === 'verified';
    const head = `${printable(img.canonical ?? img.reference)}${img.platform ? ` [${printable(img.platform)}]` : ''}`;
    io.out(
      `${mark(c, ok)} ${head}: ${ok ? c.green('verified') : c.red(img.verdict === 'error' ? 'error' : 'NOT verified')}: ${printable(img.message)}`,
    );
    for (const s of img.signatures) {
      const parts = [s.format, s.origin.via];
      if (s.key) parts.push(`key ${s.key.slice(0, 23)}…`);
      if (s.identity)
        parts.push(`signer ${s.identity.subjectAlternativeName ?? '?'} (${s.identity.issuer ?? '?'})`);
      if (s.tlog) parts.push(`tlog ${s.tlog.integratedTime} #${s.tlog.logIndex}`);
      io.out(
        `    ${mark(c, s.verified)} ${printable(parts.join('  '))}${s.reason ? `: ${printable(s.reason)}` : ''}`,
      );
      for (const w of s.warnings) io.out(`      ${c.yellow('warning:')} ${printable(w)}`);
    }
    for (const n of img.notSignatures) {
      io.out(
        `    ${mark(c, undefined)} not a signature: ${printable(n.note)}${n.predicateType ? ` (${printable(n.predicateType)})` : ''} [${printable(n.origin.via)}]`,
      );
    }
    for (const u of img.unsigned) {
      io.out(
        `    ${mark(c, undefined)} unsigned attachment ${printable(u.artifactType)} ${printable(u.digest)} [${printable(u.via)}]: never counted as verified`,
      );
    }
  }
}
