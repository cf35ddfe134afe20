/**
 * The walk behind LayoutSource.referrers, apart because it is the one place a layout's shape (how
 * many entries, how deep) turns into work: each digest is visited once, breadth first, to
 * maxIndexDepth levels of nesting, and no more than maxIndexEntries distinct manifests are read.
 */
import { TrustgateError } from '../../errors.js';
import { type Digest, digestTag } from '../../reference/digest.js';
import { isIndexMediaType, MediaType } from '../media-types.js';
import { type Descriptor, type ImageIndex, parseManifest } from '../schema.js';
import type { FetchedManifest, Limits, ReferrersQuery } from '../source.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** What the walk needs of a layout: its index, its bounds, and manifests read (and cached) by digest. */
export interface LayoutWalk {
  name: string;
  index: ImageIndex;
  limits: Limits;
  layoutLimits: { maxIndexEntries: number; maxIndexDepth: number };
  getManifest(digest: Digest): Promise<FetchedManifest>;
  /** Throws when an index lists more entries than the layout limits allow. */
  checkEntryCount(index: ImageIndex, what: string): void;
}

/** Descriptors of the manifests in the layout whose subject is `digest`, filtered by artifact type. */
export async function referrersInLayout(
  w: LayoutWalk,
  digest: Digest,
  query: ReferrersQuery,
): Promise<Descriptor[]> {
  const { name, index, limits, layoutLimits } = w;
  const out: Descriptor[] = [];
  const seen = new Set<string>();
  const add = (d: Descriptor) => {
    if (seen.has(d.digest)) return;
    if (query.artifactType && d.artifactType !== query.artifactType) return;
    if (out.length >= limits.maxReferrers) {
      throw new TrustgateError(
        'COUNT_LIMIT',
        `referrers of ${name}@${digest}: more than ${limits.maxReferrers}`,
      );
    }
    seen.add(d.digest);
    out.push(d);
  };
  const fallbackTag = digestTag(digest);
  const tagIndexes = new Set(
    index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === fallbackTag).map((d) => d.digest),
  );
  // The subject is not its own referrer; every other digest is read at most once.
  const visited = new Set<string>([digest]);
  const queue: Array<{ d: Descriptor; depth: number }> = index.manifests.map((d) => ({ d, depth: 0 }));
  for (let i = 0; i < queue.length; i++) {
    const { d, depth } = queue[i]!;
    if (visited.has(d.digest)) continue;
    visited.add(d.digest);
    if (visited.size > layoutLimits.maxIndexEntries + 1) {
      throw new TrustgateError(
        'COUNT_LIMIT',
        `${name}: more than ${layoutLimits.maxIndexEntries} distinct manifests reachable from index.json`,
        { hint: 'a layout this large is hostile or broken; split it' },
      );
    }
    if (tagIndexes.has(d.digest)) {
      const m = await w.getManifest(d.digest);
      const parsed = await parseManifest(m.bytes, m.mediaType, `${name}:${fallbackTag}`);
      if (parsed.kind === 'index') {
        w.checkEntryCount(parsed.index, `${fallbackTag} (${d.digest})`);
        for (const r of parsed.index.manifests) add(r);
      }
      continue;
    }
    if (isIndexMediaType(d.mediaType)) {
      if (depth >= layoutLimits.maxIndexDepth) {
        throw new TrustgateError(
          'COUNT_LIMIT',
          `${name}: index ${d.digest} is nested more than ${layoutLimits.maxIndexDepth} levels below index.json`,
          { hint: 'a layout nested this deep is hostile or broken' },
        );
      }
      const m = await w.getManifest(d.digest);
      const parsed = await parseManifest(m.bytes, m.mediaType, `${name}@${d.digest}`);
      if (parsed.kind === 'index') {
        w.checkEntryCount(parsed.index, `index ${d.digest}`);
        for (const child of parsed.index.manifests) queue.push({ d: child, depth: depth + 1 });
      }
      continue;
    }
    if (d.mediaType !== MediaType.OCI_MANIFEST) continue;
    const m = await w.getManifest(d.digest);
    const parsed = await parseManifest(m.bytes, m.mediaType, `${name}@${d.digest}`);
    if (parsed.kind === 'manifest' && parsed.manifest.subject?.digest === digest) {
      const artifactType = parsed.manifest.artifactType ?? parsed.manifest.config.mediaType;
      const r: Descriptor = {
        mediaType: m.mediaType,
        digest: d.digest,
        size: m.bytes.length,
        artifactType,
      };
      if (parsed.manifest.annotations) r.annotations = parsed.manifest.annotations;
      add(r);
    }
  }
  return out;
}
