/** Moved to run/evaluate.ts; kept until the CLI imports it from there. */
export * from '../run/evaluate.js';
