/**
 * An ImageSource held in memory, for feeding discovery and verification exact bytes (third-party
 * signature data, hostile manifests) without a registry. Digests are still checked on read.
 */

import { CosignMediaType } from '../../src/discovery/media-types.js';
import { TrustgateError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { Descriptor } from '../../src/oci/schema.js';
import type { FetchedManifest, ImageSource, ReferrersResult } from '../../src/oci/source.js';
import { type Digest, isDigest, sha256Digest } from '../../src/reference/digest.js';

const SIGSTORE_BUNDLE_V03 = CosignMediaType.SIGSTORE_BUNDLE_V03;

export class MemorySource implements ImageSource {
  readonly blobs = new Map<string, Uint8Array>();
  readonly manifests = new Map<string, { bytes: Uint8Array; mediaType: string }>();
  readonly tags = new Map<string, Digest>();
  readonly referrerList = new Map<string, Descriptor[]>();

  constructor(readonly name = 'memory/test') {}

  addBlob(bytes: Uint8Array): Digest {
    const d = sha256Digest(bytes);
    this.blobs.set(d, bytes);
    return d;
  }

  addManifest(
    json: unknown,
    tag?: string,
    mediaType: string = MediaType.OCI_MANIFEST,
  ): { digest: Digest; size: number } {
    const bytes = Buffer.from(JSON.stringify(json));
    const d = sha256Digest(bytes);
    this.manifests.set(d, { bytes, mediaType });
    if (tag) this.tags.set(tag, d);
    return { digest: d, size: bytes.length };
  }

  async resolve(ref: string): Promise<Descriptor> {
    const m = await this.getManifest(ref);
    return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
  }

  async getManifest(ref: string): Promise<FetchedManifest> {
    const d = isDigest(ref) ? ref : this.tags.get(ref);
    const m = d ? this.manifests.get(d) : undefined;
    if (!d || !m) throw new TrustgateError('MANIFEST_UNKNOWN', `${this.name}: ${ref} not found`);
    if (sha256Digest(m.bytes) !== d)
      throw new TrustgateError('DIGEST_MISMATCH', `${this.name}: manifest ${d} does not match`);
    return { digest: d, mediaType: m.mediaType, bytes: m.bytes };
  }

  async getBlob(digest: Digest, opts: { maxBytes?: number } = {}): Promise<Uint8Array> {
    const b = this.blobs.get(digest);
    if (!b) throw new TrustgateError('BLOB_UNKNOWN', `${this.name}: blob ${digest} not found`);
    if (opts.maxBytes !== undefined && b.length > opts.maxBytes)
      throw new TrustgateError('SIZE_LIMIT', `${this.name}: blob ${digest} over ${opts.maxBytes} bytes`);
    if (sha256Digest(b) !== digest)
      throw new TrustgateError('DIGEST_MISMATCH', `${this.name}: blob ${digest} has other content`);
    return b;
  }

  async referrers(digest: Digest): Promise<ReferrersResult> {
    return { descriptors: this.referrerList.get(digest) ?? [], via: 'api' };
  }

  async listTags(): Promise<string[]> {
    return [...this.tags.keys()];
  }
}

/** Attach a Sigstore bundle as a referrer of `subject`, as cosign 2 writes it. */
export function addBundleReferrer(
  src: MemorySource,
  subject: Digest,
  bundle: Buffer,
  annotations: Record<string, string> = {},
): void {
  const layer = src.addBlob(bundle);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    artifactType: SIGSTORE_BUNDLE_V03,
    config: { mediaType: MediaType.OCI_EMPTY, size: 2, digest: src.addBlob(Buffer.from('{}')) },
    layers: [{ mediaType: SIGSTORE_BUNDLE_V03, size: bundle.length, digest: layer }],
    subject: { mediaType: MediaType.OCI_MANIFEST, size: 100, digest: subject },
    annotations,
  };
  const { digest, size } = src.addManifest(manifest);
  // The fallback index entry carries the wrong artifactType, as cosign writes it.
  const list = src.referrerList.get(subject) ?? [];
  list.push({ mediaType: MediaType.OCI_MANIFEST, digest, size, artifactType: MediaType.OCI_EMPTY });
  src.referrerList.set(subject, list);
}
