/**
 * An OCI image layout on disk as a read-only ImageSource. Layout files are untrusted: the layout
 * marker is checked, every blob is hashed against its name, sizes are bounded, and no path may leave
 * the layout (absolute names, `..`, and symlinks pointing out are refused: layout-files.ts).
 *
 * A layout can also cost time instead of trust: index.json may list one 4 MiB manifest thousands of
 * times, or nest indexes deep. So entries are dropped by digest before anything is read, each manifest
 * is read and hashed once, nested indexes are walked to a bounded depth visiting each digest once
 * (index-walk.ts), and every file read counts against a per-source budget of files and bytes.
 */
import { join, resolve as resolvePath } from 'node:path';
import { TrustgateError } from '../../errors.js';
import { type Digest, digestHex, isDigest, sha256Digest, truncate } from '../../reference/digest.js';
import { MediaType } from '../media-types.js';
import { type Descriptor, type ImageIndex, parseManifest } from '../schema.js';
import {
  DEFAULT_LIMITS,
  type FetchedManifest,
  type ImageSource,
  type Limits,
  type ReferrersQuery,
  type ReferrersResult,
} from '../source.js';
import { REF_NAME_ANNOTATION, referrersInLayout } from './index-walk.js';
import { LayoutFiles, layoutInvalid } from './layout-files.js';

export { REF_NAME_ANNOTATION } from './index-walk.js';

/**
 * `cosign save` layouts mark their index entries with a `kind` annotation instead of tags: the image,
 * and the manifests cosign would have tagged `sha256-<hex>.sig` / `.att`.
 */
export const COSIGN_KIND_ANNOTATION = 'kind';
export const CosignLayoutKind = {
  IMAGE: 'dev.cosignproject.cosign/image',
  IMAGE_INDEX: 'dev.cosignproject.cosign/imageIndex',
  SIGS: 'dev.cosignproject.cosign/sigs',
  ATTS: 'dev.cosignproject.cosign/atts',
} as const;
const COSIGN_TAG_RE = /^sha256-([a-f0-9]{64})\.(sig|att)$/;

function cosignKind(d: Descriptor): string | undefined {
  return d.annotations?.[COSIGN_KIND_ANNOTATION];
}

export function isCosignImageEntry(d: Descriptor): boolean {
  const k = cosignKind(d);
  return k === CosignLayoutKind.IMAGE || k === CosignLayoutKind.IMAGE_INDEX;
}

/** A manifest as read, with the media type its own JSON declares, if any. */
type CachedManifest = FetchedManifest & { declared: string | undefined };

/** Bounds on the work one LayoutSource does, whatever the layout holds. */
export interface LayoutLimits {
  /** Most entries in index.json or any nested index, and most distinct manifests one scan visits. */
  maxIndexEntries: number;
  /** Deepest chain of indexes below index.json that a scan follows. */
  maxIndexDepth: number;
  /** Most files read from the layout, and most bytes in all of them together. */
  maxFileReads: number;
  maxTotalBytes: number;
}

export const DEFAULT_LAYOUT_LIMITS: LayoutLimits = {
  maxIndexEntries: 10_000,
  maxIndexDepth: 8,
  maxFileReads: 20_000,
  maxTotalBytes: 512 * 1024 * 1024,
};

export class LayoutSource implements ImageSource {
  readonly name: string;
  private readonly root: string;
  private indexCache: ImageIndex | undefined;
  private readonly limits: Limits;
  private readonly layoutLimits: LayoutLimits;
  /** Manifests by digest, read and hashed once (bounded by maxTotalBytes through readInside). */
  private readonly manifestCache = new Map<Digest, Promise<CachedManifest>>();
  private readonly files: LayoutFiles;
  /** Files and bytes read so far; exposed for tests and benchmarks. */
  readonly counters: LayoutFiles['counters'];

  constructor(path: string, limits: Partial<Limits> = {}, layoutLimits: Partial<LayoutLimits> = {}) {
    this.root = resolvePath(path);
    this.name = `oci:${path}`;
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.layoutLimits = { ...DEFAULT_LAYOUT_LIMITS, ...layoutLimits };
    this.files = new LayoutFiles(this.root, this.name, this.layoutLimits);
    this.counters = this.files.counters;
  }

  /** The top-level index.json, validated once. */
  async index(): Promise<ImageIndex> {
    if (this.indexCache) return this.indexCache;
    const marker = await this.readInside('oci-layout', 64 * 1024, 'the oci-layout marker file');
    let markerJson: unknown;
    try {
      markerJson = JSON.parse(Buffer.from(marker).toString('utf8'));
    } catch {
      throw this.invalid('oci-layout is not JSON');
    }
    const { layoutMarkerSchema } = await import('../manifest-schemas.js');
    const m = layoutMarkerSchema.safeParse(markerJson);
    if (!m.success || m.data.imageLayoutVersion !== '1.0.0') {
      throw this.invalid('oci-layout does not declare imageLayoutVersion 1.0.0');
    }
    const bytes = await this.readInside('index.json', this.limits.maxManifestBytes, 'index.json');
    const parsed = await parseManifest(bytes, MediaType.OCI_INDEX, `${this.name} index.json`);
    if (parsed.kind !== 'index') throw this.invalid('index.json is not an image index');
    this.checkEntryCount(parsed.index, 'index.json');
    this.indexCache = parsed.index;
    return parsed.index;
  }

  async resolve(tagOrDigest: string): Promise<Descriptor> {
    const index = await this.index();
    if (isDigest(tagOrDigest)) {
      const listed = index.manifests.find((d) => d.digest === tagOrDigest);
      if (listed) return { mediaType: listed.mediaType, digest: listed.digest, size: listed.size };
      // Not at the top level (a child of an index, say): it must still exist as a blob.
      const m = await this.getManifest(tagOrDigest);
      return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
    }
    const matches = index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === tagOrDigest);
    if (matches.length === 0) {
      const viaKind = this.cosignTagByKind(index, tagOrDigest);
      if (viaKind) return { mediaType: viaKind.mediaType, digest: viaKind.digest, size: viaKind.size };
      const tags = listTagsOf(index);
      throw new TrustgateError('MANIFEST_UNKNOWN', `tag ${tagOrDigest} not found in ${this.name}`, {
        hint:
          tags.length > 0
            ? `tags present: ${truncate(tags.join(', '), 200)}`
            : 'the layout has no tagged manifests; select one by @sha256:…',
      });
    }
    const distinct = new Set(matches.map((d) => d.digest));
    if (distinct.size > 1) {
      throw this.invalid(`tag ${tagOrDigest} names ${distinct.size} different manifests`);
    }
    const d = matches[0]!;
    return { mediaType: d.mediaType, digest: d.digest, size: d.size };
  }

  /**
   * In a `cosign save` layout, `sha256-<hex>.sig` (or `.att`) is the entry of kind sigs (atts),
   * provided the layout's image is that digest.
   */
  private cosignTagByKind(index: ImageIndex, tag: string): Descriptor | undefined {
    const m = COSIGN_TAG_RE.exec(tag);
    if (!m) return undefined;
    const subject = `sha256:${m[1]}`;
    if (!index.manifests.some((d) => isCosignImageEntry(d) && d.digest === subject)) return undefined;
    const kind = m[2] === 'sig' ? CosignLayoutKind.SIGS : CosignLayoutKind.ATTS;
    const entries = index.manifests.filter((d) => cosignKind(d) === kind);
    if (entries.length > 1) throw this.invalid(`more than one ${kind} entry for ${subject}`);
    return entries[0];
  }

  async getManifest(tagOrDigest: string): Promise<FetchedManifest> {
    const desc = isDigest(tagOrDigest) ? undefined : await this.resolve(tagOrDigest);
    const digest = (desc?.digest ?? tagOrDigest) as Digest;
    // Cached by digest alone: the bytes are the digest's. The media-type check against a tag's
    // descriptor is done on every call, below.
    let pending = this.manifestCache.get(digest);
    if (!pending) {
      pending = this.readManifest(digest);
      this.manifestCache.set(digest, pending);
      pending.catch(() => this.manifestCache.delete(digest));
    }
    const m = await pending;
    if (desc && m.declared && m.declared !== desc.mediaType) {
      throw this.invalid(
        `index.json says ${desc.mediaType} for ${digest} but the manifest says ${m.declared}`,
      );
    }
    const mediaType = m.declared ?? desc?.mediaType ?? m.mediaType;
    return { digest, mediaType, bytes: m.bytes };
  }

  private async readManifest(digest: Digest): Promise<CachedManifest> {
    const bytes = await this.getBlob(digest, { maxBytes: this.limits.maxManifestBytes });
    const what = `manifest ${this.name}@${digest}`;
    const parsed = await parseManifest(bytes, undefined, what);
    const declared = parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType;
    const mediaType = declared ?? (parsed.kind === 'index' ? MediaType.OCI_INDEX : MediaType.OCI_MANIFEST);
    return { digest, mediaType, bytes, declared };
  }

  async getBlob(digest: Digest, opts: { maxBytes?: number } = {}): Promise<Uint8Array> {
    if (!isDigest(digest))
      throw new TrustgateError(
        'DIGEST_INVALID',
        `${this.name}: "${truncate(digest)}" is not a sha256 digest`,
      );
    const max = opts.maxBytes ?? this.limits.maxBlobBytes;
    const bytes = await this.readInside(join('blobs', 'sha256', digestHex(digest)), max, `blob ${digest}`);
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      throw new TrustgateError(
        'DIGEST_MISMATCH',
        `${this.name}: blob ${digest} has content digest ${actual}`,
        {
          hint: 'the layout was modified or corrupted; do not trust it',
        },
      );
    }
    return bytes;
  }

  /**
   * Referrers in a layout: manifests reachable from index.json (through nested indexes) whose
   * `subject` is the digest, plus the `sha256-<hex>` tag-schema index if one is tagged.
   */
  async referrers(digest: Digest, query: ReferrersQuery = {}): Promise<ReferrersResult> {
    const descriptors = await referrersInLayout(
      {
        name: this.name,
        index: await this.index(),
        limits: this.limits,
        layoutLimits: this.layoutLimits,
        getManifest: (d) => this.getManifest(d),
        checkEntryCount: (index, what) => this.checkEntryCount(index, what),
      },
      digest,
      query,
    );
    return { descriptors, via: 'layout' };
  }

  async listTags(): Promise<string[]> {
    return listTagsOf(await this.index());
  }

  /** Read a file inside the layout, refusing anything that resolves outside it. */
  private readInside(rel: string, maxBytes: number, what: string): Promise<Uint8Array> {
    return this.files.read(rel, maxBytes, what);
  }

  private checkEntryCount(index: ImageIndex, what: string): void {
    const n = index.manifests.length;
    if (n > this.layoutLimits.maxIndexEntries) {
      throw new TrustgateError(
        'COUNT_LIMIT',
        `${this.name}: ${what} lists ${n} manifests, over the limit of ${this.layoutLimits.maxIndexEntries}`,
        { hint: 'a layout this large is hostile or broken; split it' },
      );
    }
  }

  private invalid(why: string): TrustgateError {
    return layoutInvalid(this.name, why);
  }
}

function listTagsOf(index: ImageIndex): string[] {
  const tags = new Set<string>();
  for (const d of index.manifests) {
    const t = d.annotations?.[REF_NAME_ANNOTATION];
    if (t) tags.add(t);
  }
  return [...tags];
}
