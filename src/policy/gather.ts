/** Dissolved: the trust material is policy-trust.ts, the gathering is run/gather.ts; kept for importers. */
export { type GatherHooks, type GatherOptions, gatherEvidence } from '../run/gather.js';
export * from './policy-trust.js';
