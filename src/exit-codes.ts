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

// Spelled out here rather than imported so that this table depends on nothing; the callers pass
// ImageVerdict / CheckStatus values, and tsc refuses them if either union gains a member.
type Verdict = 'verified' | 'no-signatures' | 'none-matched' | 'error';
type Status = 'pass' | 'fail' | 'warn' | 'skip';

/** A verify run's code: any error beats none-matched, which beats no-signatures. */
export function exitCodeForVerdicts(verdicts: readonly Verdict[]): ExitCodeValue {
  if (verdicts.includes('error')) return ExitCode.FAILURE;
  if (verdicts.includes('none-matched')) return ExitCode.NONE_MATCHED;
  if (verdicts.includes('no-signatures')) return ExitCode.NO_SIGNATURES;
  return ExitCode.OK;
}

/** One policy decision's code: denied 1, allowed with warnings 3, otherwise 0. */
export function exitCodeForStatus(status: Status): ExitCodeValue {
  return status === 'fail' ? ExitCode.FAILURE : status === 'warn' ? ExitCode.WARNINGS : ExitCode.OK;
}

/** A policy batch's code: 1 if any image is denied, else 3 if any warned, else 0. */
export function exitCodeForDecisions(decisions: readonly { status: Status }[]): ExitCodeValue {
  if (decisions.some((d) => d.status === 'fail')) return ExitCode.FAILURE;
  if (decisions.some((d) => d.status === 'warn')) return ExitCode.WARNINGS;
  return ExitCode.OK;
}
