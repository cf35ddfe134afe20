/** cosign `.sig` manifests built from simple-signing layers, byte-shaped as cosign 2.5 writes them. */
import { CosignMediaType } from '../../src/discovery/media-types.js';
import { MediaType } from '../../src/oci/media-types.js';
import { type Digest, digestTag, sha256Digest } from '../../src/reference/digest.js';
import type { Blob } from './image-builder.js';
import type { MemorySource } from './memory-source.js';

export interface SigLayer {
  payload: Uint8Array;
  mediaType?: string;
  annotations: Record<string, string>;
}

export interface BuiltSigManifest {
  manifest: Blob;
  /** config + layer blobs */
  blobs: Blob[];
}

function blob(bytes: Uint8Array, mediaType: string): Blob {
  return { digest: sha256Digest(bytes), bytes, mediaType };
}

/** The manifest cosign pushes as `sha256-<hex>.sig`: its config lists the layers as diff_ids. */
export function buildSigManifest(layers: SigLayer[]): BuiltSigManifest {
  const layerBlobs = layers.map((l) =>
    blob(Buffer.from(l.payload), l.mediaType ?? CosignMediaType.SIMPLE_SIGNING),
  );
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: '',
        created: '0001-01-01T00:00:00Z',
        history: [{ created: '0001-01-01T00:00:00Z' }],
        os: '',
        rootfs: { type: 'layers', diff_ids: layerBlobs.map((b) => b.digest) },
        config: {},
      }),
    ),
    MediaType.OCI_CONFIG,
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: { mediaType: config.mediaType, size: config.bytes.length, digest: config.digest },
    layers: layers.map((l, i) => ({
      mediaType: layerBlobs[i]!.mediaType,
      size: layerBlobs[i]!.bytes.length,
      digest: layerBlobs[i]!.digest,
      annotations: l.annotations,
    })),
  };
  return {
    manifest: blob(Buffer.from(JSON.stringify(manifest)), MediaType.OCI_MANIFEST),
    blobs: [config, ...layerBlobs],
  };
}

/** Put a `.sig` manifest for `subject` into a memory source, as cosign would push it. */
export function addSigManifest(
  src: MemorySource,
  subject: Digest,
  layers: SigLayer[],
  suffix = '.sig',
): Digest {
  const built = buildSigManifest(layers);
  for (const b of built.blobs) src.addBlob(b.bytes);
  return src.addManifest(
    JSON.parse(Buffer.from(built.manifest.bytes).toString('utf8')),
    digestTag(subject, suffix),
  ).digest;
}

export function simpleSigningPayload(digest: Digest, dockerReference: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
}
