/**
 * cosign's trust and crypto flags of `verify` and `verify-attestation` that trustgate honours with
 * cosign's meaning (cmd/cosign/cli/options/verify.go, certificate.go); those it refuses are in
 * cosign-refusals.ts.
 */
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import type { VerifyOptions } from '../run/options.js';
import { COSIGN_REFUSALS, refuseCosignFlags } from './cosign-refusals.js';
import { collect } from './registry-options.js';

export interface CosignTrustFlags {
  annotations?: string[];
  certificate?: string;
  certificateChain?: string;
  checkClaims?: boolean;
  signatureDigestAlgorithm?: string;
  privateInfrastructure?: boolean;
  rekorUrl?: string;
  key?: string[];
  caRoots?: string;
  caIntermediates?: string;
}

export function addCosignTrustOptions(cmd: Command, command: 'verify' | 'verify-attestation'): Command {
  if (command === 'verify') {
    cmd
      .addOption(
        new Option(
          '-a, --annotations <key=value>',
          'the signed payload must carry this annotation (its "optional" entry); repeatable, or comma-separated',
        ).argParser(collect),
      )
      .addOption(
        new Option(
          '--signature-digest-algorithm <alg>',
          'verify key signatures with this hash only: sha256, sha384 or sha512 (default: the key’s own, then sha256)',
        ),
      );
  }
  return cmd
    .addOption(
      new Option(
        '--certificate <file>',
        'keyless: the signing certificate (PEM file or text), for signatures that carry none; with the identity flags',
      ),
    )
    .addOption(
      new Option(
        '--certificate-chain <file>',
        "keyless: PEM chain the certificate must lead to (parent first, root last), in place of the trusted root's CAs",
      ),
    )
    .addOption(new Option('--check-claims', 'check the signed claims (always on; =false is refused)'))
    .addOption(new Option('--no-check-claims').hideHelp())
    .addOption(
      new Option(
        '--private-infrastructure',
        'a private Sigstore deployment without a transparency log: as --insecure-ignore-tlog',
      ),
    )
    .addOption(
      new Option(
        '--rekor-url <url>',
        "offline: only the trusted root's transparency log at this URL counts (default https://rekor.sigstore.dev)",
      ),
    );
}

/** cosign's -a: StringSlice values split at commas, each exactly one `=` (as cosign parses them). */
export function parseAnnotations(values: readonly string[]): Record<string, string> {
  // No prototype: `-a __proto__=v` must be a key to check, not an assignment that vanishes.
  const out: Record<string, string> = Object.create(null);
  for (const a of values.flatMap((v) => v.split(','))) {
    const kv = a.split('=');
    if (kv.length !== 2 || kv[0] === '')
      throw new UsageError(`--annotations "${a}" is not key=value (one "=", as cosign requires)`);
    out[kv[0]!] = kv[1]!;
  }
  return out;
}

const DIGESTS = ['sha256', 'sha384', 'sha512'] as const;

/**
 * The library options these flags ask for, after the refusals: a refused flag, a KMS key, or a
 * check that would be switched off is a usage error before anything is read.
 */
export function cosignTrustOptions(
  flags: CosignTrustFlags & Record<string, unknown>,
): Pick<
  VerifyOptions,
  'annotations' | 'certificate' | 'certificateChain' | 'signatureDigestAlgorithm' | 'rekorUrl' | 'ignoreTlog'
> {
  refuseCosignFlags(flags, flags.key ?? []);
  if (flags.checkClaims === false)
    throw new UsageError(
      '--check-claims=false is refused: trustgate always checks that the signature names the image digest; drop the flag',
    );
  if (flags.certificateChain && (flags.caRoots || flags.caIntermediates))
    throw new UsageError('--certificate-chain cannot be combined with --ca-roots or --ca-intermediates');
  const alg = flags.signatureDigestAlgorithm?.trim().toLowerCase();
  if (alg !== undefined && alg !== '' && !(DIGESTS as readonly string[]).includes(alg))
    throw new UsageError(
      `--signature-digest-algorithm ${flags.signatureDigestAlgorithm} is not supported; use sha256, sha384 or sha512`,
    );
  const annotations = flags.annotations?.length ? parseAnnotations(flags.annotations) : undefined;
  return {
    ...(annotations ? { annotations } : {}),
    ...(flags.certificate ? { certificate: flags.certificate } : {}),
    ...(flags.certificateChain ? { certificateChain: flags.certificateChain } : {}),
    ...(alg ? { signatureDigestAlgorithm: alg as (typeof DIGESTS)[number] } : {}),
    ...(flags.rekorUrl ? { rekorUrl: flags.rekorUrl } : {}),
    // cosign: --private-infrastructure sets --insecure-ignore-tlog; trustgate still warns.
    ...(flags.privateInfrastructure ? { ignoreTlog: true } : {}),
  };
}

/** Every flag of this file and of the refusal table, for the flag-coverage test. */
export const COSIGN_REFUSED_FLAGS: readonly string[] = COSIGN_REFUSALS.map((r) => r.flags.split(' ')[0]!);
