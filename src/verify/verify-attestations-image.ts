/** Moved to run/verify-attestations-image.ts; kept until the CLI imports it from there. */
export * from '../run/verify-attestations-image.js';
