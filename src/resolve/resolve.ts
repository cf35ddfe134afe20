/**
 * Reference → digest. The only step that reads a tag; everything after it works on the digest.
 * An index resolves to the index digest (what cosign signs) unless a platform is asked for.
 */
import { TrustgateError } from '../errors.js';
import { isReferenceEntry } from '../oci/attestation-entry.js';
import { isCosignImageEntry, LayoutSource } from '../oci/layout/layout-source.js';
import { isIndexMediaType } from '../oci/media-types.js';
import type { RegistryClient } from '../oci/registry/client.js';
import {
  type Descriptor,
  type ImageManifest,
  type Platform,
  parseManifest,
  parsePlatform,
  platformMatches,
  platformString,
} from '../oci/schema.js';
import type { ImageSource } from '../oci/source.js';
import type { Digest } from '../reference/digest.js';
import {
  DEFAULT_TAG,
  formatDigestReference,
  type ImageReference,
  parseReference,
} from '../reference/parse.js';

export interface ResolvedImage {
  /** The reference as given. */
  reference: string;
  /** `registry/repo@sha256:…` or `oci:PATH@sha256:…` */
  canonical: string;
  digest: Digest;
  mediaType: string;
  size: number;
  /** The platform selected with `platform`, as os/arch[/variant]. */
  platform?: string;
  /** The index the platform was selected from (where BuildKit keeps the child's attestations). */
  index?: Digest;
  /** Where the image lives: use this (never the tag again) for everything that follows. */
  source: ImageSource;
  parsed: ImageReference;
}

export interface ResolveOptions {
  /** `os/arch[/variant]`: select that child of an index instead of the index itself. */
  platform?: string;
  /** Shared client (connection pool, token cache); one is created if absent. */
  client?: RegistryClient;
  /**
   * For a registry reference by digest (and no platform): make no request. Verification needs only
   * the digest, which names the content; an image missing from the registry then shows as having no
   * signatures rather than as unknown. `mediaType` and `size` are left empty.
   */
  digestOnly?: boolean;
}

/** The ImageSource for a parsed reference. */
export function openSource(ref: ImageReference, client: RegistryClient): ImageSource {
  if (ref.kind === 'layout') return new LayoutSource(ref.path, client.limits);
  return client.repository(ref.registry, ref.repository);
}

export async function resolveImage(
  input: string | ImageReference,
  options: ResolveOptions & { client: RegistryClient },
): Promise<ResolvedImage> {
  const parsed = typeof input === 'string' ? parseReference(input) : input;
  const source = openSource(parsed, options.client);
  if (options.digestOnly && !options.platform && parsed.kind === 'registry' && parsed.digest) {
    return {
      reference: parsed.original,
      canonical: formatDigestReference(parsed, parsed.digest),
      digest: parsed.digest,
      mediaType: '',
      size: 0,
      source,
      parsed,
    };
  }
  const want = options.platform ? parsePlatform(options.platform) : undefined;
  let desc = await resolveTop(parsed, source);
  let platform: string | undefined;
  let index: Digest | undefined;
  if (want) {
    const child = await selectPlatform(source, desc, want);
    if (child.descriptor.digest !== desc.digest) index = desc.digest;
    desc = child.descriptor;
    platform = platformString(child.platform);
  }
  const out: ResolvedImage = {
    reference: parsed.original,
    canonical: formatDigestReference(parsed, desc.digest),
    digest: desc.digest,
    mediaType: desc.mediaType,
    size: desc.size,
    source,
    parsed,
  };
  if (platform) out.platform = platform;
  if (index) out.index = index;
  return out;
}

async function resolveTop(ref: ImageReference, source: ImageSource): Promise<Descriptor> {
  if (ref.digest) return source.resolve(ref.digest);
  if (ref.tag) return source.resolve(ref.tag);
  if (ref.kind === 'registry') return source.resolve(DEFAULT_TAG);
  return resolveOnlyImageInLayout(source as LayoutSource, ref.path);
}

/** `oci:PATH` with no tag: the layout must hold exactly one image (cosign save layouts mark theirs). */
async function resolveOnlyImageInLayout(layout: LayoutSource, path: string): Promise<Descriptor> {
  const index = await layout.index();
  const marked = index.manifests.filter(isCosignImageEntry);
  const candidates = marked.length > 0 ? marked : index.manifests;
  const distinct = [...new Map(candidates.map((d) => [d.digest, d])).values()];
  if (distinct.length === 1) {
    const d = distinct[0]!;
    return { mediaType: d.mediaType, digest: d.digest, size: d.size };
  }
  const tags = await layout.listTags();
  throw new TrustgateError(
    'REFERENCE_INVALID',
    distinct.length === 0
      ? `oci:${path} holds no images`
      : `oci:${path} holds ${distinct.length} images; say which one`,
    distinct.length === 0
      ? undefined
      : { hint: `use oci:${path}:TAG (${tags.slice(0, 5).join(', ') || 'no tags'}) or oci:${path}@sha256:…` },
  );
}

async function selectPlatform(
  source: ImageSource,
  desc: Descriptor,
  want: Platform,
): Promise<{ descriptor: Descriptor; platform: Platform }> {
  const m = await source.getManifest(desc.digest);
  const parsed = await parseManifest(m.bytes, m.mediaType, `manifest ${source.name}@${desc.digest}`);
  if (parsed.kind === 'index' || isIndexMediaType(m.mediaType)) {
    if (parsed.kind !== 'index')
      throw new TrustgateError('MANIFEST_INVALID', `${source.name}@${desc.digest} is not an index`);
    // BuildKit's attestation manifests say unknown/unknown: never an image to select.
    const children = parsed.index.manifests.filter((d) => d.platform && !isReferenceEntry(d));
    const hit = children.find((d) => platformMatches(want, d.platform));
    if (!hit) {
      throw new TrustgateError(
        'PLATFORM_NOT_FOUND',
        `${source.name}@${desc.digest} has no ${platformString(want)} image`,
        {
          hint: `available: ${children.map((d) => platformString(d.platform!)).join(', ') || 'none'}`,
        },
      );
    }
    return {
      descriptor: { mediaType: hit.mediaType, digest: hit.digest, size: hit.size },
      platform: hit.platform!,
    };
  }
  // A single-platform image: its config must say it is the platform asked for.
  const cfg = await readConfigPlatform(source, parsed.manifest);
  if (!platformMatches(want, cfg)) {
    throw new TrustgateError(
      'PLATFORM_NOT_FOUND',
      `${source.name}@${desc.digest} is a single-platform image for ${cfg ? platformString(cfg) : 'an unknown platform'}, not ${platformString(want)}`,
    );
  }
  return {
    descriptor: { mediaType: m.mediaType, digest: desc.digest, size: m.bytes.length },
    platform: cfg!,
  };
}

export async function readConfigPlatform(
  source: ImageSource,
  manifest: ImageManifest,
): Promise<Platform | undefined> {
  const bytes = await source.getBlob(manifest.config.digest, { maxBytes: 1024 * 1024 });
  try {
    const cfg = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      os?: unknown;
      architecture?: unknown;
      variant?: unknown;
    };
    if (typeof cfg.os !== 'string' || typeof cfg.architecture !== 'string') return undefined;
    const p: Platform = { os: cfg.os, architecture: cfg.architecture };
    if (typeof cfg.variant === 'string') p.variant = cfg.variant;
    return p;
  } catch {
    return undefined;
  }
}
