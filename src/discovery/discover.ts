/**
 * Finds everything attached to a digest, from a registry or a layout: the legacy cosign tags
 * (`sha256-<hex>.sig` / `.att`), OCI 1.1 referrers (the API or the tag fallback), and `cosign save`
 * layout entries. Nothing here is trusted yet: every manifest and blob is digest-checked, counts and
 * sizes are bounded, and verification decides what counts.
 *
 * The stages live beside this file (referrers.ts, legacy-tags.ts, reading layers in layers.ts);
 * this is the entry point, and re-exports what callers imported from here before the split.
 */
import type { ImageSource } from '../oci/source.js';
import { type Digest, digestTag } from '../reference/digest.js';
import { discoverLegacyTags } from './legacy-tags.js';
import type { Deferral, DiscoverOptions, DiscoveryPlan } from './reading.js';
import { discoverReferrers } from './referrers.js';
import { RememberingSource } from './remembering-source.js';
import type { Discovery } from './types.js';

export { simpleSigningGuesses } from './layers.js';
export { discoverLegacyTags } from './legacy-tags.js';
export {
  DEFAULT_DISCOVERY_LIMITS,
  type DiscoverOptions,
  type DiscoveryLimits,
  type DiscoveryPlan,
} from './reading.js';
export { discoverReferrers } from './referrers.js';

export function emptyDiscovery(digest: Digest): Discovery {
  return { digest, simpleSigning: [], bundles: [], dsseLayers: [], unsigned: [], searched: [] };
}

/** Everything: referrers, then the legacy tags. */
export async function discover(
  source: ImageSource,
  digest: Digest,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const result = emptyDiscovery(digest);
  await discoverReferrers(source, digest, options, result);
  await discoverLegacyTags(source, digest, options, result);
  return result;
}

/**
 * Discovery in stages, cheapest evidence first: referrers (one listing covers all of them), then the
 * legacy tags, skipping what the plan's annotations say is not wanted. It stops after a stage once
 * `plan.enough`. Otherwise it ends in `discover` itself, so the result is exactly exhaustive
 * discovery's, in its order. Every stage reads through one memory of what the source answered: the
 * last stage costs requests only for what was skipped, and all stages see the same answers.
 */
export async function discoverAsNeeded(
  source: ImageSource,
  digest: Digest,
  plan: DiscoveryPlan,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const remembered = new RememberingSource(source);
  const opts: DiscoverOptions = {
    ...options,
    attestations: true,
    ...(options.signatureSource ? { signatureSource: new RememberingSource(options.signatureSource) } : {}),
  };
  const result = emptyDiscovery(digest);
  const deferral: Deferral = { plan, skipped: [] };
  await discoverReferrers(remembered, digest, opts, result, deferral);
  if (plan.enough(result)) {
    result.unread = [
      `legacy tags ${digestTag(digest, '.sig')} and ${digestTag(digest, '.att')}`,
      ...deferral.skipped,
    ];
    return result;
  }
  await discoverLegacyTags(remembered, digest, opts, result, deferral);
  if (deferral.skipped.length === 0) return result; // nothing skipped: this is everything, in order
  if (plan.enough(result)) {
    result.unread = deferral.skipped;
    return result;
  }
  return discover(remembered, digest, opts);
}
