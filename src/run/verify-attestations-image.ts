/**
 * `trustgate verify-attestation` as a library call with one option bag: the run itself is
 * run/verify-attestations.ts (runVerifyAttestations); this file builds its trust and Source.
 */
import type { DiscoveryLimits } from '../discovery/discover.js';
import { parseReference } from '../reference/parse.js';
import { buildTrust } from '../verify/trust.js';
import { batchOf, limitsOf, sourceOptionsOf, trustInputOf, type VerifyOptions } from './options.js';
import { withSource } from './source.js';
import { type AttestationRun, runVerifyAttestations } from './verify-attestations.js';

export type { AttestationRun, ImageAttestations } from './verify-attestations.js';

export interface AttestationOptions extends VerifyOptions {
  /** A --type shorthand or a full predicateType URI; none means every attestation, reported by type. */
  type?: string;
  discoveryLimits?: Partial<DiscoveryLimits>;
}

export async function verifyImageAttestations(
  references: string[],
  options: AttestationOptions,
): Promise<AttestationRun> {
  const { type, ...rest } = options;
  const parsed = references.map((r) => parseReference(r));
  const trust = await buildTrust(trustInputOf(rest));
  const batch = batchOf(rest);
  return withSource(sourceOptionsOf(rest), (source) =>
    runVerifyAttestations(
      parsed,
      trust,
      { source, limits: limitsOf(rest), ...(batch ? { batch } : {}) },
      type ? { type } : {},
    ),
  );
}
