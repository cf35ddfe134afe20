/**
 * The exit-code tables, stated once: verdicts (verify), a decision's status and a batch of decisions
 * (policy), thrown errors and unreadable inputs (CLI). README.md "Exit codes" documents these values.
 */
import { CommanderError } from 'commander';
import { describe, expect, test } from 'vitest';
import { exitCodeForError, exitCodeForFailures, withInputFailures } from '../../src/cli/exit-codes.js';
import { TrustgateError, UsageError } from '../../src/errors.js';
import {
  ExitCode,
  exitCodeForDecisions,
  exitCodeForStatus,
  exitCodeForVerdicts,
} from '../../src/exit-codes.js';
import type { BatchInputs } from '../../src/inputs/inputs.js';
import { batchExitCode } from '../../src/run/evaluate.js';
import { exitCodeFor } from '../../src/run/verify-image.js';

describe('exitCodeForVerdicts', () => {
  test.each([
    [[], 0],
    [['verified'], 0],
    [['verified', 'no-signatures'], 10],
    [['no-signatures', 'none-matched', 'verified'], 12],
    [['none-matched', 'error'], 1],
    [['error', 'verified'], 1],
  ] as const)('%j → %i', (verdicts, code) => {
    expect(exitCodeForVerdicts(verdicts)).toBe(code);
    // The old names are the same function.
    expect(exitCodeFor([...verdicts])).toBe(code);
  });
});

describe('exitCodeForStatus', () => {
  test.each([
    ['pass', 0],
    ['skip', 0],
    ['warn', 3],
    ['fail', 1],
  ] as const)('%s → %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });
});

describe('exitCodeForDecisions', () => {
  test.each([
    [[], 0],
    [['pass', 'skip'], 0],
    [['pass', 'warn'], 3],
    [['warn', 'fail', 'pass'], 1],
  ] as const)('%j → %i', (statuses, code) => {
    const decisions = statuses.map((status) => ({ status }));
    expect(exitCodeForDecisions(decisions)).toBe(code);
    expect(batchExitCode(decisions as never)).toBe(code);
  });
});

describe('exitCodeForError', () => {
  test('help and version are not failures; any other commander error is usage', () => {
    for (const code of ['commander.helpDisplayed', 'commander.version', 'commander.help'])
      expect(exitCodeForError(new CommanderError(0, code, ''))).toBe(ExitCode.OK);
    expect(exitCodeForError(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(ExitCode.USAGE);
  });

  test('usage errors and unparsable references are usage (2)', () => {
    expect(exitCodeForError(new UsageError('--x needs --y'))).toBe(ExitCode.USAGE);
    expect(exitCodeForError(new TrustgateError('USAGE', 'bad'))).toBe(ExitCode.USAGE);
    expect(exitCodeForError(new TrustgateError('REFERENCE_INVALID', 'bad'))).toBe(ExitCode.USAGE);
  });

  test('anything else fails closed (1)', () => {
    expect(exitCodeForError(new TrustgateError('REGISTRY_UNREACHABLE', 'down'))).toBe(ExitCode.FAILURE);
    expect(exitCodeForError(new TrustgateError('DIGEST_MISMATCH', 'bad'))).toBe(ExitCode.FAILURE);
    expect(exitCodeForError(new Error('USAGE'))).toBe(ExitCode.FAILURE);
    expect(exitCodeForError('a string')).toBe(ExitCode.FAILURE);
    expect(exitCodeForError(undefined)).toBe(ExitCode.FAILURE);
  });
});

describe('withInputFailures', () => {
  const inputs = (errors: number): BatchInputs => ({
    references: [],
    locations: new Map(),
    skipped: [],
    errors: Array.from({ length: errors }, () => ({ file: 'k.yaml', line: 1, column: 1, message: 'bad' })),
  });

  test('an unread manifest turns a pass or a warning into a failure', () => {
    expect(withInputFailures(inputs(1), ExitCode.OK)).toBe(ExitCode.FAILURE);
    expect(withInputFailures(inputs(1), ExitCode.WARNINGS)).toBe(ExitCode.FAILURE);
  });

  test('a more specific failure is kept, and without input errors nothing changes', () => {
    expect(withInputFailures(inputs(1), ExitCode.NONE_MATCHED)).toBe(ExitCode.NONE_MATCHED);
    expect(withInputFailures(inputs(1), ExitCode.NO_SIGNATURES)).toBe(ExitCode.NO_SIGNATURES);
    for (const code of Object.values(ExitCode)) expect(withInputFailures(inputs(0), code)).toBe(code);
  });
});

describe('exitCodeForFailures', () => {
  test('any failed item fails the command', () => {
    expect(exitCodeForFailures(0)).toBe(ExitCode.OK);
    expect(exitCodeForFailures(1)).toBe(ExitCode.FAILURE);
    expect(exitCodeForFailures(7)).toBe(ExitCode.FAILURE);
  });
});
