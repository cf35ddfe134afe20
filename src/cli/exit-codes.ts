/**
 * Every process-exit decision of the CLI, in one place (as cosign's cmd/cosign/errors): thrown
 * errors, unreadable inputs. Verdict and decision codes come from the library's table
 * (src/exit-codes.ts), which its results carry as `exitCode`.
 */
import { CommanderError } from 'commander';
import { isTrustgateError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { BatchInputs } from '../inputs/inputs.js';

export { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/** The code for an error that ended the command: help and version are 0, usage 2, anything else 1. */
export function exitCodeForError(e: unknown): ExitCodeValue {
  if (e instanceof CommanderError) {
    const shown =
      e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
    return shown ? ExitCode.OK : ExitCode.USAGE;
  }
  // OFFLINE: --offline with something that needs the network (a key URL): contradictory flags.
  if (isTrustgateError(e) && (e.code === 'USAGE' || e.code === 'REFERENCE_INVALID' || e.code === 'OFFLINE'))
    return ExitCode.USAGE;
  return ExitCode.FAILURE;
}

/** A command that reports each item on its own (resolve, pin, policy test): 1 if any failed. */
export function exitCodeForFailures(failed: number): ExitCodeValue {
  return failed > 0 ? ExitCode.FAILURE : ExitCode.OK;
}

/**
 * The exit code of a command run once per image (extract, export): the worst of the images' codes,
 * an error (1) before none matched (12), before none found (10), before warnings (3), before 0.
 */
export function worstExitCode(codes: readonly number[]): number {
  const rank = (c: number) =>
    c === ExitCode.OK
      ? 0
      : c === ExitCode.WARNINGS
        ? 1
        : c === ExitCode.NO_SIGNATURES
          ? 2
          : c === ExitCode.NONE_MATCHED
            ? 3
            : 4;
  return codes.reduce((worst, c) => (rank(c) > rank(worst) ? c : worst), ExitCode.OK as number);
}

/**
 * The batch's exit code. A manifest that could not be read may name images that were never
 * checked, so a run that otherwise passed (0, or 3 with warnings) fails closed with 1.
 */
export function withInputFailures(inputs: BatchInputs, exitCode: number): number {
  return inputs.errors.length > 0 && (exitCode === ExitCode.OK || exitCode === ExitCode.WARNINGS)
    ? ExitCode.FAILURE
    : exitCode;
}
