/** Building cosign `.sig` manifests from simple-signing layers (payload bytes + annotations). */
import { CosignMediaType } from '../../src/discovery/media-types.js';
import { MediaType } from '../../src/oci/media-types.js';
import { type Digest, digestTag } from '../../src/reference/digest.js';
import type { MemorySource } from './memory-source.js';

export interface SigLayer {
  payload: Uint8Array;
  mediaType?: string;
  annotations: Record<string, string>;
}

/** Put a `.sig` manifest for `subject` into the source, as cosign writes it. */
export function addSigManifest(
  src: MemorySource,
  subject: Digest,
  layers: SigLayer[],
  suffix = '.sig',
): Digest {
  const config = Buffer.from('{"architecture":"","os":"","config":{}}');
  const configDigest = src.addBlob(config);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: { mediaType: MediaType.OCI_CONFIG, size: config.length, digest: configDigest },
    layers: layers.map((l) => ({
      mediaType: l.mediaType ?? CosignMediaType.SIMPLE_SIGNING,
      size: l.payload.length,
      digest: src.addBlob(l.payload),
      annotations: l.annotations,
    })),
  };
  return src.addManifest(manifest, digestTag(subject, suffix)).digest;
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
