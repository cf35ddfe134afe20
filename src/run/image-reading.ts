/**
 * The two reads single-image jobs share: a reference resolved through the run's source (its client
 * and platform), and everything attached to the digest discovered under the run's limits.
 */
import { discover } from '../discovery/discover.js';
import type { Discovery } from '../discovery/types.js';
import type { ImageReference } from '../reference/parse.js';
import { type ResolvedImage, resolveImage } from '../resolve/resolve.js';
import type { RunContext } from './context.js';

export function resolveIn(ref: ImageReference, ctx: RunContext): Promise<ResolvedImage> {
  const { source } = ctx;
  return resolveImage(ref, {
    client: source.client,
    ...(source.platform ? { platform: source.platform } : {}),
  });
}

/** Signatures and attestations alike, as attestation jobs and evidence archives need them. */
export function discoverAll(image: ResolvedImage, ctx: RunContext): Promise<Discovery> {
  return discover(image.source, image.digest, {
    attestations: true,
    ...(ctx.limits.discovery ? { limits: ctx.limits.discovery } : {}),
  });
}
