/**
 * `trustgate extract` as a run: verify the attestations of one type, then choose among the verified
 * ones and cut their payloads from the very bytes that were verified (output/extract.ts). With
 * allowUnverified, an image that has no attestation of the type but an unsigned attachment of that
 * artifactType gives that attachment's bytes instead, read through the same Source and marked
 * unverified. Writing and rendering stay with the caller.
 */
import { TrustgateError } from '../errors.js';
import {
  type ExtractedItem,
  payloadBytes,
  readUnsignedAttachment,
  type Selection,
  selectAttestations,
  toExtracted,
} from '../output/extract.js';
import { type ImageReference, parseReference } from '../reference/parse.js';
import { topLevelValueSpan } from '../util/json-span.js';
import { predicateTypeFor } from '../verify/attestations.js';
import type { Trust } from '../verify/trust.js';
import { buildkitOf } from './buildkit.js';
import type { RunContext } from './context.js';
import { resolveIn } from './image-reading.js';
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
  /** The attachment manifest's digest (for BuildKit, the attestation manifest's). */
  digest: string;
  layer: string;
  bytes: Uint8Array;
  /** When it is a BuildKit attestation stored in the index: what it describes. */
  buildkit?: { child: string; platform?: string; predicateType: string; index: string };
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
  if (img.verdict === 'no-signatures' && job.allowUnverified && !attachment) {
    const found = await unsignedBuildkit(reference, img.digest, ctx, job);
    if (found) return { kind: 'unverified', run, items: [], attachment: found };
  }
  if (img.verdict !== 'verified') return { kind: 'failed', run, items: [] };
  const verified = img.attestations.filter((a) => a.verified);
  const picked = selectAttestations(verified, job.selection, `${run.predicateType} attestations`);
  const items = picked.map(([i, a]) => toExtracted(i, a, payloadBytes(a, job.predicateOnly ?? false)));
  return { kind: 'verified', run, items };
}

/**
 * A BuildKit attestation of the type, from the index the reference names (or the one its platform was
 * selected from): the statement as fetched and digest-checked, never verified. The reference is
 * resolved again and must still name the digest the run checked, so a moved tag cannot swap images.
 */
async function unsignedBuildkit(
  reference: string | ImageReference,
  checked: string | undefined,
  ctx: RunContext,
  job: ExtractJob,
): Promise<UnverifiedAttachment | undefined> {
  const image = await resolveIn(typeof reference === 'string' ? parseReference(reference) : reference, ctx);
  if (checked && image.digest !== checked)
    throw new TrustgateError(
      'DIGEST_MISMATCH',
      `${image.reference} now names ${image.digest}, not ${checked} as when its attestations were checked`,
      { hint: 'run again, or name the image by digest' },
    );
  const wanted = predicateTypeFor(job.type);
  const found = await buildkitOf(image, ctx.limits.discovery, (t) => t === undefined || t === wanted);
  const matches = (found?.attestations ?? []).filter((a) => a.predicateType === wanted && a.bytes);
  if (matches.length === 0) return undefined;
  const describe = matches.map((a, i) => `[${i}] ${a.platform ?? '?'} ${a.child}`).join('; ');
  const pick =
    job.selection.kind === 'index'
      ? matches[job.selection.index]
      : matches.length === 1
        ? matches[0]
        : undefined;
  if (!pick)
    throw new TrustgateError(
      'USAGE',
      job.selection.kind === 'index'
        ? `index ${job.selection.index}: there are ${matches.length} unsigned BuildKit ${wanted} attestations`
        : `${matches.length} unsigned BuildKit ${wanted} attestations match (one per platform); say which`,
      { hint: `use --platform OS/ARCH or --index N: ${describe}` },
    );
  return {
    digest: pick.manifest,
    layer: pick.layer,
    bytes: job.predicateOnly ? predicateOf(pick.bytes!) : pick.bytes!,
    buildkit: {
      child: pick.child,
      ...(pick.platform ? { platform: pick.platform } : {}),
      predicateType: pick.predicateType,
      index: found!.index,
    },
  };
}

function predicateOf(statement: Uint8Array): Uint8Array {
  const span = topLevelValueSpan(statement, 'predicate');
  if (!span) throw new TrustgateError('PAYLOAD_INVALID', 'the BuildKit statement has no predicate');
  return statement.subarray(span[0], span[1]);
}
