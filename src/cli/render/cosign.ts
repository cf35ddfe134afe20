/**
 * cosign's own outputs of `verify` and `verify-attestation` (-o json, -o text): the machine result on
 * stdout, byte for byte as cosign prints it, and cosign's summary on stderr. Loaded only when printed:
 * reading certificates needs sigstore-js, which start-up does not load.
 */
import {
  cosignBundleEnvelope,
  cosignCertificateLines,
  cosignIgnoreTlogWarning,
  cosignImageName,
  cosignPayloadJson,
  cosignSummaryLines,
  cosignVerifyJson,
} from '../../output/cosign.js';
import type { VerifyRun } from '../../run/verify.js';
import type { AttestationRun } from '../../run/verify-attestations.js';
import { escapeJsonRaw, printable } from '../../util/printable.js';
import type { Io } from '../output.js';

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
      // As cosign lists each signature's error under "no matching signatures:".
      for (const s of img.signatures)
        if (s.reason) io.err(`  - ${printable(`${s.format} ${s.origin.via}: ${s.reason}`)}`);
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

/**
 * `cosign verify-attestation`'s output, which ignores -o: per verified image its check list on stderr,
 * then each verified envelope on a line of stdout: a legacy `.att` layer's bytes as stored, a bundle's
 * envelope as cosign 2.5 re-encodes it. An image that did not verify gets trustgate's one-line reason
 * on stderr and nothing on stdout.
 */
export function renderAttestationsCosign(
  run: AttestationRun,
  io: Io,
  opts: { checkClaims?: boolean } = {},
): void {
  for (const img of run.images) {
    if (img.verdict !== 'verified') {
      io.err(`Error: ${printable(img.reference)}: ${printable(img.message)}`);
      // As cosign lists each attestation's error under "no matching attestations:".
      for (const a of img.attestations)
        if (a.reason)
          io.err(`  - ${printable(`${a.predicateType ?? a.format} ${a.origin.via}: ${a.reason}`)}`);
      continue;
    }
    const verified = img.attestations.filter((a) => a.verified && a.envelope);
    const keyless = verified.some((a) => a.signer?.identity) && !verified.some((a) => a.signer?.key);
    for (const line of cosignSummaryLines(printable(img.reference), {
      claims: opts.checkClaims !== false,
      annotations: false,
      // cosign counts a verified bundle as "verified offline" even with --insecure-ignore-tlog.
      tlogVerifiedOffline: verified.some((a) => a.tlog || a.format === 'sigstore-bundle'),
      key: !keyless,
      keyless,
    }))
      io.err(line);
    for (const a of verified) {
      for (const line of cosignCertificateLines(a.attachment?.certificate)) io.err(printable(line));
      const text = a.attachment
        ? Buffer.from(a.attachment.bytes).toString('utf8')
        : cosignBundleEnvelope(a.envelope!);
      io.out(escapeJsonRaw(text));
    }
  }
}
