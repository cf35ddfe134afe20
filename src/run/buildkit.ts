/**
 * The BuildKit attestations that describe a resolved image: read from the index the reference named
 * (all children), or, when a platform was selected, from the index it was selected from (that child
 * only). An image that is neither an index nor a child of one has none, and costs no request.
 */
import { type BuildkitFindings, type BuildkitOptions, discoverBuildkit } from '../discovery/buildkit.js';
import type { DiscoveryLimits } from '../discovery/reading.js';
import { isIndexMediaType } from '../oci/media-types.js';
import type { ResolvedImage } from '../resolve/resolve.js';

export async function buildkitOf(
  image: ResolvedImage,
  limits: Partial<DiscoveryLimits> | undefined,
  read?: BuildkitOptions['read'],
): Promise<BuildkitFindings | undefined> {
  const options: BuildkitOptions = { ...(limits ? { limits } : {}), ...(read ? { read } : {}) };
  if (image.index) return discoverBuildkit(image.source, image.index, { ...options, child: image.digest });
  // A digest-only resolve leaves the media type empty: the index itself says what it is.
  if (image.mediaType !== '' && !isIndexMediaType(image.mediaType)) return undefined;
  return discoverBuildkit(image.source, image.digest, options);
}
