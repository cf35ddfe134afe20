/** Moved to run/evaluate.ts; kept for importers. */
import { exitCodeForDecisions } from '../exit-codes.js';
import type { PolicyDecision } from './evaluate.js';

export * from '../run/evaluate.js';

/** Kept for importers; the table is src/exit-codes.ts. */
export const batchExitCode: (decisions: PolicyDecision[]) => number = exitCodeForDecisions;
