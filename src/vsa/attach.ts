/**
 * `--vsa-attach`: the signed VSA pushed as an OCI 1.1 referrer of the image, in the shape cosign 2.5
 * writes for `attest --new-bundle-format` (read from what it pushes to a registry): the bundle as the
 * one layer, the empty config, artifactType the bundle media type, cosign's annotations, and the
 * image as subject. A registry that answers the manifest PUT without `OCI-Subject` has no referrers
 * API, so the `sha256-<hex>` tag index is extended too (the OCI 1.1 tag-schema fallback), keeping
 * every referrer already listed. This is trustgate's only write to a registry, and only when asked.
 */
import { CosignMediaType } from '../discovery/media-types.js';
import { TrustgateError } from '../errors.js';
import { MediaType } from '../oci/media-types.js';
import type { RegistryClient } from '../oci/registry/client.js';
import { pushBlob } from '../oci/registry/push.js';
import { VSA_PREDICATE_TYPE } from '../policy/vsa-predicate.js';
import { type Digest, digestTag, sha256Digest, truncate } from '../reference/digest.js';

export interface AttachTarget {
  registry: string;
  repository: string;
  digest: Digest;
}

export interface Attached {
  /** The referrer manifest's digest. */
  manifest: Digest;
  /** How the registry learnt of it: its referrers API, or the tag index trustgate extended. */
  via: 'referrers-api' | 'tag-schema';
}

const EMPTY_JSON = Buffer.from('{}');

/** The referrer manifest, field for field as cosign 2.5 writes it (including the config's artifactType). */
export function referrerManifest(
  bundle: Buffer,
  subject: { mediaType: string; size: number; digest: Digest },
  created: Date,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      config: {
        mediaType: MediaType.OCI_EMPTY,
        size: EMPTY_JSON.length,
        digest: sha256Digest(EMPTY_JSON),
        artifactType: CosignMediaType.SIGSTORE_BUNDLE_V03,
      },
      layers: [
        { mediaType: CosignMediaType.SIGSTORE_BUNDLE_V03, size: bundle.length, digest: sha256Digest(bundle) },
      ],
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': VSA_PREDICATE_TYPE,
        'org.opencontainers.image.created': created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      subject,
      artifactType: CosignMediaType.SIGSTORE_BUNDLE_V03,
    }),
  );
}

export async function attachVsa(
  client: RegistryClient,
  target: AttachTarget,
  bundle: Buffer,
  created = new Date(),
): Promise<Attached> {
  const { registry, repository, digest } = target;
  const repo = client.repository(registry, repository);
  const image = await repo.getManifest(digest);
  await pushBlob(client, registry, repository, bundle);
  await pushBlob(client, registry, repository, EMPTY_JSON);
  const manifest = referrerManifest(
    bundle,
    { mediaType: image.mediaType, size: image.bytes.length, digest },
    created,
  );
  const md = sha256Digest(manifest);
  const scope = `repository:${repository}:pull,push`;
  const put = await client.call(registry, scope, {
    method: 'PUT',
    path: `/v2/${repository}/manifests/${md}`,
    headers: { 'content-type': MediaType.OCI_MANIFEST },
    body: manifest,
    maxBytes: 64 * 1024,
    what: `upload of the VSA referrer of ${registry}/${repository}@${digest}`,
  });
  if (put.status !== 201)
    throw new TrustgateError(
      'REGISTRY_ERROR',
      `upload of the VSA referrer of ${registry}/${repository}@${digest}: answered HTTP ${put.status}: ${truncate(put.body.toString('utf8'), 200)}`,
      {
        hint: '--vsa-attach needs push access to the repository (docker login, or --registry-username/--registry-password)',
      },
    );
  if (put.headers['oci-subject']) return { manifest: md, via: 'referrers-api' };
  await extendTagIndex(client, target, { size: manifest.length, digest: md });
  return { manifest: md, via: 'tag-schema' };
}

/** Add the referrer to the `sha256-<hex>` index, as cosign does (entry artifactType: the config's media type). */
async function extendTagIndex(
  client: RegistryClient,
  target: AttachTarget,
  entry: { size: number; digest: Digest },
): Promise<void> {
  const { registry, repository, digest } = target;
  const tag = digestTag(digest);
  let manifests: Array<{ digest?: string }> = [];
  try {
    const existing = await client.repository(registry, repository).getManifest(tag);
    const parsed = JSON.parse(Buffer.from(existing.bytes).toString('utf8')) as { manifests?: unknown };
    if (Array.isArray(parsed.manifests)) manifests = parsed.manifests as Array<{ digest?: string }>;
  } catch (e) {
    if (!(e instanceof TrustgateError && (e.code === 'MANIFEST_UNKNOWN' || e.code === 'NAME_UNKNOWN')))
      throw e;
  }
  if (manifests.some((m) => m.digest === entry.digest)) return;
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OCI_INDEX,
      manifests: [
        ...manifests,
        { mediaType: MediaType.OCI_MANIFEST, ...entry, artifactType: MediaType.OCI_EMPTY },
      ],
    }),
  );
  const res = await client.call(registry, `repository:${repository}:pull,push`, {
    method: 'PUT',
    path: `/v2/${repository}/manifests/${tag}`,
    headers: { 'content-type': MediaType.OCI_INDEX },
    body: index,
    maxBytes: 64 * 1024,
    what: `update of the referrers tag ${registry}/${repository}:${tag}`,
  });
  if (res.status !== 201)
    throw new TrustgateError(
      'REGISTRY_ERROR',
      `update of the referrers tag ${registry}/${repository}:${tag}: answered HTTP ${res.status}`,
    );
}
