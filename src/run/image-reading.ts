/**
 * The two reads single-image jobs share: a reference resolved through the run's source (its client
 * and platform), and everything attached to the digest discovered under the run's limits.
 */
import { type DiscoverOptions, discover } from '../discovery/discover.js';
import { formatsFor } from '../discovery/formats.js';
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
    ...discoverOptionsOf(ctx, 'attestations'),
  });
}

/** The run's discovery limits, formats and tag prefix, as discovery takes them. */
export function discoverOptionsOf(ctx: RunContext, kind: 'signatures' | 'attestations'): DiscoverOptions {
  const { discovery, cosignFormat, tagPrefix } = ctx.limits;
  return {
    ...(discovery ? { limits: discovery } : {}),
    formats: formatsFor(cosignFormat, kind),
    ...(tagPrefix ? { tagPrefix } : {}),
  };
}
