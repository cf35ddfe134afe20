/** Push built images to a registry with trustgate's own client (test-only convenience). */

import { CosignMediaType } from '../../src/discovery/media-types.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { RegistryClient } from '../../src/oci/registry/client.js';
import { pushBlob, pushManifest } from '../../src/oci/registry/push.js';
import { type Digest, digestTag, sha256Digest } from '../../src/reference/digest.js';
import { buildSigManifest, type SigLayer } from './cosign-sig.js';
import type { BuiltImage, BuiltIndex } from './image-builder.js';

export async function pushImage(
  client: RegistryClient,
  registry: string,
  repo: string,
  img: BuiltImage,
  tag?: string,
): Promise<void> {
  for (const b of [img.config, ...img.layers]) await pushBlob(client, registry, repo, b.bytes);
  await pushManifest(
    client,
    registry,
    repo,
    tag ?? img.manifest.digest,
    img.manifest.bytes,
    img.manifest.mediaType,
  );
}

export async function pushIndex(
  client: RegistryClient,
  registry: string,
  repo: string,
  idx: BuiltIndex,
  tag: string,
): Promise<void> {
  for (const img of idx.images) await pushImage(client, registry, repo, img);
  await pushManifest(client, registry, repo, tag, idx.index.bytes, idx.index.mediaType);
}

/** Push a cosign `.sig` manifest for `subject`, as cosign sign does. */
export async function pushSig(
  client: RegistryClient,
  registry: string,
  repo: string,
  subject: Digest,
  layers: SigLayer[],
  suffix: '.sig' | '.att' = '.sig',
): Promise<void> {
  const built = buildSigManifest(layers);
  for (const b of built.blobs) await pushBlob(client, registry, repo, b.bytes);
  await pushManifest(
    client,
    registry,
    repo,
    digestTag(subject, suffix),
    built.manifest.bytes,
    built.manifest.mediaType,
  );
}

/** The annotations cosign 2.5 puts on a bundle referrer's manifest (its creation time left out). */
function bundleAnnotations(bundle: Uint8Array): Record<string, string> {
  try {
    const b = JSON.parse(Buffer.from(bundle).toString()) as { dsseEnvelope?: { payload: string } };
    if (!b.dsseEnvelope) return { 'dev.sigstore.bundle.content': 'message-signature' };
    const statement = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString()) as {
      predicateType?: unknown;
    };
    return {
      'dev.sigstore.bundle.content': 'dsse-envelope',
      ...(typeof statement.predicateType === 'string'
        ? { 'dev.sigstore.bundle.predicateType': statement.predicateType }
        : {}),
    };
  } catch {
    return {}; // a deliberately broken bundle: no annotations, as a hand-made referrer would have
  }
}

/**
 * Attach a Sigstore bundle as an OCI 1.1 referrer through the `sha256-<hex>` tag fallback, as cosign
 * does on registries without the referrers API (the index entry carries the empty artifactType and no
 * annotations, as cosign writes it; the manifest carries cosign's). An existing fallback index is extended.
 */
export async function pushBundleReferrer(
  client: RegistryClient,
  registry: string,
  repo: string,
  subject: Digest,
  subjectSize: number,
  bundle: Uint8Array,
  /** Instead of the annotations cosign would write (for a referrer that lies about itself). */
  annotations: Record<string, string> = bundleAnnotations(bundle),
): Promise<Digest> {
  const empty = Buffer.from('{}');
  const layer = await pushBlob(client, registry, repo, bundle);
  const config = await pushBlob(client, registry, repo, empty);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      artifactType: CosignMediaType.SIGSTORE_BUNDLE_V03,
      config: { mediaType: MediaType.OCI_EMPTY, size: 2, digest: config },
      layers: [{ mediaType: CosignMediaType.SIGSTORE_BUNDLE_V03, size: bundle.length, digest: layer }],
      subject: { mediaType: MediaType.OCI_MANIFEST, size: subjectSize, digest: subject },
      annotations,
    }),
  );
  const md = await pushManifest(
    client,
    registry,
    repo,
    sha256Digest(manifest),
    manifest,
    MediaType.OCI_MANIFEST,
  );
  const existing = await client
    .repository(registry, repo)
    .getManifest(digestTag(subject))
    .then((m) => (JSON.parse(Buffer.from(m.bytes).toString()) as { manifests: unknown[] }).manifests)
    .catch(() => []);
  const entry = {
    mediaType: MediaType.OCI_MANIFEST,
    size: manifest.length,
    digest: md,
    artifactType: MediaType.OCI_EMPTY,
  };
  const index = { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [...existing, entry] };
  await pushManifest(
    client,
    registry,
    repo,
    digestTag(subject),
    Buffer.from(JSON.stringify(index)),
    MediaType.OCI_INDEX,
  );
  return md;
}
