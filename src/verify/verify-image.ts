/** Moved to run/verify-image.ts; kept until the CLI imports it from there. */
export * from '../run/verify-image.js';
