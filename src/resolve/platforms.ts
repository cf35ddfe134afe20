/**
 * The platform images of an image: for an index, its child manifests that are images of a platform;
 * for a single-platform image, the image itself (its platform read from its config). Shared by the
 * policy engine (`platforms: each | any | [...]`) and the `--all-platforms` commands, so that both
 * act on the same children.
 *
 * Left out: BuildKit's attestation manifests (annotated `vnd.docker.reference.type:
 * attestation-manifest`, with the platform unknown/unknown) and any other unknown/unknown entry,
 * which describe an image rather than being one; and nested indexes, which no builder writes as a
 * platform. A malicious index can list any number of children, so the count is bounded.
 */
import { TrustgateError } from '../errors.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { type Descriptor, type Platform, parseManifest, platformString } from '../oci/schema.js';
import type { ImageSource } from '../oci/source.js';
import type { Digest } from '../reference/digest.js';
import { readConfigPlatform } from './resolve.js';

/**
 * Most platform images one index may list. Real multi-arch images have a handful (Docker official
 * images about 8); each child costs its own discovery, so more than this is refused, not truncated.
 */
export const MAX_PLATFORM_IMAGES = 64;

const REFERENCE_TYPE = 'vnd.docker.reference.type';
const ATTESTATION_MANIFEST = 'attestation-manifest';

export interface PlatformImage {
  /** os/arch[/variant], or `unknown` for a single-platform image whose config names none. */
  platform: string;
  digest: Digest;
  mediaType: string;
  size: number;
}

export interface PlatformImages {
  /** Whether the image is an index (else `children` is the image itself). */
  index: boolean;
  children: PlatformImage[];
}

/** Whether an index entry is an image of a platform (not an attestation manifest, not a nested index). */
export function isPlatformImage(d: Descriptor): boolean {
  if (d.annotations?.[REFERENCE_TYPE] === ATTESTATION_MANIFEST) return false;
  if (!d.platform || (d.platform.os === 'unknown' && d.platform.architecture === 'unknown')) return false;
  return !isIndexMediaType(d.mediaType);
}

export async function platformImages(source: ImageSource, digest: Digest): Promise<PlatformImages> {
  const m = await source.getManifest(digest);
  const parsed = await parseManifest(m.bytes, m.mediaType, `manifest ${source.name}@${digest}`);
  if (parsed.kind === 'manifest') {
    const cfg: Platform | undefined = await readConfigPlatform(source, parsed.manifest);
    return {
      index: false,
      children: [
        {
          platform: cfg ? platformString(cfg) : 'unknown',
          digest,
          mediaType: m.mediaType,
          size: m.bytes.length,
        },
      ],
    };
  }
  const children = parsed.index.manifests.filter(isPlatformImage);
  if (children.length > MAX_PLATFORM_IMAGES)
    throw new TrustgateError(
      'COUNT_LIMIT',
      `${source.name}@${digest} lists ${children.length} platform images, over the limit of ${MAX_PLATFORM_IMAGES}`,
      { hint: 'name the platforms to check (platforms: [os/arch, …] in the policy, or --platform)' },
    );
  // An entry listed twice (same digest, same platform) is one child.
  const seen = new Set<string>();
  const out: PlatformImage[] = [];
  for (const d of children) {
    if (seen.has(`${d.digest} ${platformString(d.platform!)}`)) continue;
    seen.add(`${d.digest} ${platformString(d.platform!)}`);
    out.push({
      platform: platformString(d.platform!),
      digest: d.digest,
      mediaType: d.mediaType,
      size: d.size,
    });
  }
  return { index: true, children: out };
}
