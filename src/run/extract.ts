/**
 * `trustgate extract` as a run: verify the attestations of one type, then choose among the verified
 * ones and cut their payloads from the very bytes that were verified (output/extract.ts). With
 * allowUnverified, an image that has no attestation of the type but an unsigned attachment of that
 * artifactType gives that attachment's bytes instead, read through the same Source and marked
 * unverified. Writing and rendering stay with the caller.
 */
import {
  type ExtractedItem,
  payloadBytes,
  readUnsignedAttachment,
  type Selection,
  selectAttestations,
  toExtracted,
} from '../output/extract.js';
import type { ImageReference } from '../reference/parse.js';
import type { Trust } from '../verify/trust.js';
import type { RunContext } from './context.js';
import { type AttestationRun, runVerifyAttestations } from './verify-attestations.js';

/** What cosign allows for one payload when no discovery limit says otherwise. */
const DEFAULT_MAX_UNSIGNED_BYTES = 16 * 1024 * 1024;

export interface ExtractJob {
  /** A --type shorthand or a predicateType URI; also the artifactType of an unsigned attachment. */
  type: string;
  selection: Selection;
  /** Only the predicate: the exact byte slice of the statement's predicate value. */
  predicateOnly?: boolean;
  /** When no attestation of the type exists, an unsigned attachment of that artifactType. */
  allowUnverified?: boolean;
}

/** An unsigned attachment's first layer, checked only against its digest. */
export interface UnverifiedAttachment {
  /** The attachment manifest's digest. */
  digest: string;
  layer: string;
  bytes: Uint8Array;
}

export type ExtractResult =
  | { kind: 'verified'; run: AttestationRun; items: ExtractedItem[] }
  | { kind: 'unverified'; run: AttestationRun; items: []; attachment: UnverifiedAttachment }
  /** Nothing to extract: the run's image did not verify (its message and verdicts say why). */
  | { kind: 'failed'; run: AttestationRun; items: [] };

export async function runExtract(
  reference: string | ImageReference,
  trust: Trust,
  ctx: RunContext,
  job: ExtractJob,
): Promise<ExtractResult> {
  const run = await runVerifyAttestations([reference], trust, ctx, { type: job.type });
  const img = run.images[0]!;
  // The attachment comes from the discovery that verification already made, by digest.
  const attachment = img.unsigned.find((u) => u.artifactType === job.type);
  if (img.verdict === 'no-signatures' && job.allowUnverified && attachment && img.canonical) {
    const read = await readUnsignedAttachment(img.canonical, attachment.digest, {
      client: ctx.source.client,
      maxBytes: ctx.limits.discovery?.maxPayloadBytes ?? DEFAULT_MAX_UNSIGNED_BYTES,
    });
    return { kind: 'unverified', run, items: [], attachment: { digest: attachment.digest, ...read } };
  }
  if (img.verdict !== 'verified') return { kind: 'failed', run, items: [] };
  const verified = img.attestations.filter((a) => a.verified);
  const picked = selectAttestations(verified, job.selection, `${run.predicateType} attestations`);
  const items = picked.map(([i, a]) => toExtracted(i, a, payloadBytes(a, job.predicateOnly ?? false)));
  return { kind: 'verified', run, items };
}
