/**
 * Every process exit code trustgate uses, in one place. Documented in README.md ("Exit codes");
 * a change here is a breaking change for CI users.
 */
export const ExitCode = {
  /** Everything asked for was verified (or resolved). */
  OK: 0,
  /** Any other failure: network, registry, digest mismatch, malformed data. Fail closed. */
  FAILURE: 1,
  /** Bad command line or unparsable reference. */
  USAGE: 2,
  /** Allowed, with warnings (policy warn mode, exceptions about to expire). */
  WARNINGS: 3,
  /** No signatures (or attestations) were found for the digest. */
  NO_SIGNATURES: 10,
  /** Signatures were found, but none matched the trust material. */
  NONE_MATCHED: 12,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
