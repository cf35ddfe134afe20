/**
 * One interface for where images live: a registry repository or an OCI image layout on disk.
 * Everything after resolve works on digests through this interface, so every command runs on both.
 */
import type { Digest } from '../reference/digest.js';
import type { Descriptor } from './schema.js';

export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  /** The exact bytes whose sha256 is `digest`. */
  bytes: Uint8Array;
}

export interface ReferrersQuery {
  artifactType?: string;
}

export interface ReferrersResult {
  descriptors: Descriptor[];
  /** How they were found: the referrers API, or the `sha256-<hex>` tag fallback, or a layout scan. */
  via: 'api' | 'tag-schema' | 'layout';
}

export interface ImageSource {
  /** e.g. `127.0.0.1:5000/app` or `oci:/path/to/layout` */
  readonly name: string;
  /** Tag or digest → descriptor of the manifest it points at (no body transfer where avoidable). */
  resolve(tagOrDigest: string): Promise<Descriptor>;
  /** Fetch a manifest by tag or digest; bytes are checked against the digest. */
  getManifest(tagOrDigest: string): Promise<FetchedManifest>;
  /** Fetch a blob; bytes are checked against the digest and bounded by maxBytes. */
  getBlob(digest: Digest, opts?: { maxBytes?: number }): Promise<Uint8Array>;
  referrers(digest: Digest, query?: ReferrersQuery): Promise<ReferrersResult>;
  listTags(): Promise<string[]>;
}

export interface Limits {
  /** Manifests larger than this are refused (the spec's recommended 4 MiB). */
  maxManifestBytes: number;
  /** Default cap for blobs read into memory. */
  maxBlobBytes: number;
  /** Most referrers (descriptors) accepted for one digest. */
  maxReferrers: number;
  /** Most pages followed for paginated lists. */
  maxPages: number;
  /** Most tags accepted from a tag listing. */
  maxTags: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxManifestBytes: 4 * 1024 * 1024,
  maxBlobBytes: 64 * 1024 * 1024,
  maxReferrers: 1000,
  maxPages: 100,
  maxTags: 100_000,
};
