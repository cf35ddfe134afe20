/** Rendering `trustgate verify-attestation` results. */

import type { AttestationRun } from '../../run/verify-attestations.js';
import { printable } from '../../util/printable.js';
import type { Io } from '../output.js';

export const ATTESTATION_JSON_SCHEMA_VERSION = 1;

export function attestationsJson(run: AttestationRun): unknown {
  return {
    schemaVersion: ATTESTATION_JSON_SCHEMA_VERSION,
    trustRoot: run.trustRoot,
    trust: run.trust,
    ...(run.predicateType ? { predicateType: run.predicateType } : {}),
    images: run.images.map((i) => ({
      reference: i.reference,
      ...(i.platform ? { platform: i.platform } : {}),
      canonical: i.canonical,
      digest: i.digest,
      verdict: i.verdict,
      message: i.message,
      attestations: i.attestations.map((a) => ({
        format: a.format,
        origin: a.origin,
        verified: a.verified,
        ...(a.reason ? { reason: a.reason } : {}),
        ...(a.predicateType ? { predicateType: a.predicateType } : {}),
        ...(a.annotatedPredicateType ? { annotatedPredicateType: a.annotatedPredicateType } : {}),
        ...(a.signer ? { signer: a.signer } : {}),
        ...(a.tlog ? { tlog: a.tlog } : {}),
        warnings: a.warnings,
        // The decoded statement, only for what verified.
        ...(a.verified && a.statement ? { statement: a.statement } : {}),
      })),
      unsigned: i.unsigned,
      searched: i.searched,
      ...(i.error ? { error: i.error } : {}),
    })),
    summary: {
      images: run.images.length,
      verified: run.images.filter((i) => i.verdict === 'verified').length,
      exitCode: run.exitCode,
    },
  };
}

export function renderAttestationsText(run: AttestationRun, io: Io): void {
  const c = io.outChalk;
  io.err(`trust: ${printable(run.trust)}`);
  io.err(`trust root: ${printable(run.trustRoot)}`);
  for (const img of run.images) {
    const ok = img.verdict === 'verified';
    io.out(
      `${ok ? c.green('✓') : c.red('✗')} ${printable(img.canonical ?? img.reference)}${img.platform ? ` [${printable(img.platform)}]` : ''}: ${ok ? c.green('verified') : c.red(img.verdict === 'error' ? 'error' : 'NOT verified')}: ${printable(img.message)}`,
    );
    for (const a of img.attestations) {
      const parts = [a.predicateType ?? '(unreadable statement)', a.format, a.origin.via];
      if (a.signer?.key) parts.push(`key ${a.signer.key.slice(0, 23)}…`);
      if (a.signer?.identity) parts.push(`signer ${a.signer.identity.subjectAlternativeName ?? '?'}`);
      if (a.tlog) parts.push(`tlog ${a.tlog.integratedTime}`);
      io.out(
        `    ${a.verified ? c.green('✓') : c.red('✗')} ${printable(parts.join('  '))}${a.reason ? `: ${printable(a.reason)}` : ''}`,
      );
      for (const w of a.warnings) io.out(`      ${c.yellow('warning:')} ${printable(w)}`);
    }
  }
}
