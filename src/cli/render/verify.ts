/** Rendering `trustgate verify` results: text for people, our JSON schema, and cosign's output. */

import type { ChalkInstance } from 'chalk';
import {
  cosignCertificateLines,
  cosignIgnoreTlogWarning,
  cosignImageName,
  cosignPayloadJson,
  cosignSummaryLines,
  cosignVerifyJson,
} from '../../output/cosign.js';
import type { VerifyRun } from '../../run/verify.js';
import { escapeJsonRaw, printable } from '../../util/printable.js';
import type { Io } from '../output.js';

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

function mark(c: ChalkInstance, ok: boolean | undefined): string {
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
    const head = printable(img.canonical ?? img.reference);
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

/** What cosign's summary reports beyond what the run knows: --check-claims and -a/--annotations. */
export interface CosignSummaryOptions {
  checkClaims?: boolean;
  annotations?: boolean;
}

/**
 * `cosign verify`'s output (-o json, its default, or -o text): per verified image its check list on
 * stderr, then on stdout the JSON array of verified payloads (json) or each payload as signed (text).
 * An image that did not verify gets trustgate's one-line reason on stderr and nothing on stdout.
 */
export function renderVerifyCosign(
  run: VerifyRun,
  format: 'json' | 'text',
  io: Io,
  opts: CosignSummaryOptions = {},
): void {
  if (run.ignoreTlog) io.err(cosignIgnoreTlogWarning('signature'));
  for (const img of run.images) {
    if (img.verdict !== 'verified') {
      io.err(`Error: ${printable(img.reference)}: ${printable(img.message)}`);
      continue;
    }
    const name = cosignImageName(img.reference);
    const verified = img.signatures.filter((s) => s.verified && (s.simpleSigning || s.statement));
    for (const line of cosignSummaryLines(printable(name), {
      claims: opts.checkClaims !== false,
      annotations: opts.annotations === true,
      tlogVerifiedOffline: !run.ignoreTlog && verified.some((s) => s.tlog),
      key: !run.identity,
      keyless: !!run.identity,
    }))
      io.err(line);
    if (format === 'json') {
      io.out(escapeJsonRaw(cosignVerifyJson(verified, name).replace(/\n$/, '')));
      continue;
    }
    for (const s of verified) {
      for (const line of cosignCertificateLines(s.attachment?.certificate)) io.err(printable(line));
      const payload = s.attachment ? Buffer.from(s.attachment.payload).toString('utf8') : undefined;
      io.out(escapeJsonRaw(payload ?? cosignPayloadJson(s, name)));
    }
  }
}
