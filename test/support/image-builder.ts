/**
 * Deterministic tiny images for tests, fixtures and benchmarks: a one-file tar.gz layer, a config, a
 * manifest, and an index for multi-arch. Same inputs, same bytes, same digests.
 */
import { gzipSync } from 'node:zlib';
import { MediaType } from '../../src/oci/media-types.js';
import type { Descriptor, Platform } from '../../src/oci/schema.js';
import { tarArchive } from '../../src/output/tar.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';

export interface Blob {
  digest: Digest;
  bytes: Uint8Array;
  mediaType: string;
}

export interface BuiltImage {
  manifest: Blob;
  config: Blob;
  layers: Blob[];
  /** manifest + config + layers, for pushing or writing a layout. */
  blobs: Blob[];
  platform: Platform;
}

export interface BuiltIndex {
  index: Blob;
  images: BuiltImage[];
  blobs: Blob[];
}

function blob(bytes: Uint8Array, mediaType: string): Blob {
  return { digest: sha256Digest(bytes), bytes, mediaType };
}

export function descriptorOf(b: Blob, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType: b.mediaType, digest: b.digest, size: b.bytes.length, ...extra };
}

/** A ustar archive holding one regular file, with fixed metadata. */
export function tarOneFile(name: string, content: Uint8Array): Uint8Array {
  return tarArchive([{ name, bytes: content }]);
}

export function buildImage(opts: {
  seed: string;
  platform?: Platform;
  annotations?: Record<string, string>;
}): BuiltImage {
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const layerBytes = gzipSync(tarOneFile('hello.txt', Buffer.from(`hello from ${opts.seed}\n`)), {
    level: 9,
  });
  const layer = blob(layerBytes, MediaType.OCI_LAYER_TAR_GZIP);
  const diffId = sha256Digest(tarOneFile('hello.txt', Buffer.from(`hello from ${opts.seed}\n`)));
  const configJson = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Cmd: ['/hello.txt'], Labels: { 'dev.trustgate.test.seed': opts.seed } },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  };
  const config = blob(Buffer.from(JSON.stringify(configJson)), MediaType.OCI_CONFIG);
  const manifestJson = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: descriptorOf(config),
    layers: [descriptorOf(layer)],
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  };
  const manifest = blob(Buffer.from(JSON.stringify(manifestJson)), MediaType.OCI_MANIFEST);
  return { manifest, config, layers: [layer], blobs: [manifest, config, layer], platform };
}

export function buildIndex(seed: string, platforms: Platform[]): BuiltIndex {
  const images = platforms.map((p) =>
    buildImage({ seed: `${seed}-${p.os}-${p.architecture}${p.variant ?? ''}`, platform: p }),
  );
  const indexJson = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_INDEX,
    manifests: images.map((img) => descriptorOf(img.manifest, { platform: img.platform })),
  };
  const index = blob(Buffer.from(JSON.stringify(indexJson)), MediaType.OCI_INDEX);
  return { index, images, blobs: [index, ...images.flatMap((i) => i.blobs)] };
}

/**
 * An unsigned artifact attached as a referrer, as `oras attach --artifact-type T` writes it (the
 * legacy ORAS flow some vendors still publish SBOMs with): one layer, an empty config, a subject.
 */
export function buildOrasAttachment(
  subject: Blob,
  artifactType: string,
  content: Uint8Array,
  fileName: string,
): { manifest: Blob; blobs: Blob[] } {
  const empty = blob(Buffer.from('{}'), MediaType.OCI_EMPTY);
  const layer = blob(content, 'application/json');
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_MANIFEST,
        artifactType,
        config: descriptorOf(empty),
        layers: [descriptorOf(layer, { annotations: { 'org.opencontainers.image.title': fileName } })],
        subject: descriptorOf(subject),
        annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
      }),
    ),
    MediaType.OCI_MANIFEST,
  );
  return { manifest, blobs: [manifest, empty, layer] };
}
