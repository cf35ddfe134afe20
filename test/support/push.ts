/** Push built images to a registry with trustgate's own client (test-only convenience). */
import type { RegistryClient } from '../../src/oci/registry/client.js';
import { pushBlob, pushManifest } from '../../src/oci/registry/push.js';
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
