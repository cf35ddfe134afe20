/**
 * cosign flags trustgate accepts on the command line only to refuse them with one line: what is not
 * supported and what to do instead. Declared as hidden options so that a pasted cosign command gets
 * this line, never commander's "unknown option". Refusals are usage errors (exit 2).
 */
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';

/** A refused flag: how it is declared, and the one line printed when it is given. */
interface Refusal {
  /** commander's flag text: `--sk` (boolean) or `--slot <slot>`. */
  flags: string;
  /** The commander attribute name the value lands in. */
  attribute: string;
  message: string;
  /** Only on these commands (cosign has it only there); default both. */
  only?: 'verify';
}

const HARDWARE = (flag: string): string =>
  `${flag} (a hardware security key) is not supported; export the public key with \`cosign public-key --sk\` and pass the PEM file with --key`;

const TIMESTAMPS =
  'is not supported: trustgate does not require RFC 3161 timestamps (those in a Sigstore bundle are checked against the timestamp authorities of --trusted-root); drop the flag, and pass --trusted-root FILE naming the TSA';

/** Flag → refusal, the table the flag-coverage test reads. */
export const COSIGN_REFUSALS: readonly Refusal[] = [
  { flags: '--sk', attribute: 'sk', message: HARDWARE('--sk') },
  { flags: '--slot <slot>', attribute: 'slot', message: HARDWARE('--slot') },
  {
    flags: '--sct <file>',
    attribute: 'sct',
    message:
      '--sct (a detached SCT) is not supported: trustgate checks the SCT embedded in the certificate; for a private CA without a CT log pass --insecure-ignore-sct',
  },
  {
    flags: '--signature <sig>',
    attribute: 'signature',
    only: 'verify',
    message:
      '--signature (a detached signature) is not supported: attach it to the image (`cosign attach signature`) and verify it from the registry, or verify a Sigstore bundle with `trustgate verify-bundle`',
  },
  {
    flags: '--payload <file>',
    attribute: 'payload',
    only: 'verify',
    message:
      '--payload (a detached payload) is not supported: attach the signature to the image (`cosign attach signature`) and verify it from the registry',
  },
  {
    flags: '--attachment <name>',
    attribute: 'attachment',
    only: 'verify',
    message:
      '--attachment (deprecated in cosign) is not supported: verify the attached image by its own reference',
  },
  {
    flags: '--timestamp-certificate-chain <file>',
    attribute: 'timestampCertificateChain',
    message: `--timestamp-certificate-chain ${TIMESTAMPS}`,
  },
  {
    flags: '--use-signed-timestamps',
    attribute: 'useSignedTimestamps',
    message: `--use-signed-timestamps ${TIMESTAMPS}`,
  },
];

/** Key URIs cosign resolves through a KMS, a Kubernetes secret or a PKCS#11 token. */
const REMOTE_KEY = /^(awskms|gcpkms|azurekms|hashivault|k8s):\/\/|^pkcs11:/i;

/** Declares the refused flags on a command (hidden from its help). */
export function addCosignRefusedOptions(cmd: Command, command: 'verify' | 'verify-attestation'): Command {
  for (const r of COSIGN_REFUSALS) {
    if (r.only && r.only !== command) continue;
    cmd.addOption(new Option(r.flags).hideHelp());
  }
  return cmd;
}

/**
 * Throws the refusal of the first refused flag given, or of a key only a KMS or a token holds. A
 * boolean given as false (`--sk=false`) asks for nothing and is accepted.
 */
export function refuseCosignFlags(flags: Record<string, unknown>, keys: readonly string[] = []): void {
  for (const r of COSIGN_REFUSALS) {
    const v = flags[r.attribute];
    if (v !== undefined && v !== false) throw new UsageError(r.message);
  }
  for (const k of keys) {
    if (REMOTE_KEY.test(k))
      throw new UsageError(
        `--key ${k} is not supported; export the public key with \`cosign public-key --key ${k}\` and pass the PEM file with --key`,
      );
  }
}
