/**
 * Writing to a registry: blobs (monolithic upload) and manifests. trustgate itself never pushes; the
 * test harness, the fixture builder and the benchmarks do, through the same authenticated client.
 */
import { TrustgateError } from '../../errors.js';
import { type Digest, sha256Digest, truncate } from '../../reference/digest.js';
import type { RegistryClient } from './client.js';

function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export async function pushBlob(
  client: RegistryClient,
  registry: string,
  repository: string,
  bytes: Uint8Array,
): Promise<Digest> {
  const digest = sha256Digest(bytes);
  const scope = pushScope(repository);
  const what = `upload of blob ${digest} to ${registry}/${repository}`;
  const head = await client.call(registry, scope, {
    method: 'HEAD',
    path: `/v2/${repository}/blobs/${digest}`,
    maxBytes: 0,
    what,
  });
  if (head.status === 200) return digest;
  const start = await client.call(registry, scope, {
    method: 'POST',
    path: `/v2/${repository}/blobs/uploads/`,
    maxBytes: 64 * 1024,
    what,
  });
  const location = start.headers.location;
  if (start.status !== 202 || !location) {
    throw new TrustgateError('REGISTRY_ERROR', `${what}: upload start answered HTTP ${start.status}`);
  }
  const u = new URL(location, 'http://registry.invalid');
  u.searchParams.set('digest', digest);
  const put = await client.call(registry, scope, {
    method: 'PUT',
    path: u.pathname + u.search,
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
    maxBytes: 64 * 1024,
    what,
  });
  if (put.status !== 201)
    throw new TrustgateError('REGISTRY_ERROR', `${what}: upload answered HTTP ${put.status}`);
  return digest;
}

export async function pushManifest(
  client: RegistryClient,
  registry: string,
  repository: string,
  reference: string,
  bytes: Uint8Array,
  mediaType: string,
): Promise<Digest> {
  const digest = sha256Digest(bytes);
  const what = `upload of manifest ${registry}/${repository}:${reference}`;
  const res = await client.call(registry, pushScope(repository), {
    method: 'PUT',
    path: `/v2/${repository}/manifests/${reference}`,
    headers: { 'content-type': mediaType },
    body: bytes,
    maxBytes: 64 * 1024,
    what,
  });
  if (res.status !== 201) {
    throw new TrustgateError(
      'REGISTRY_ERROR',
      `${what}: answered HTTP ${res.status}: ${truncate(res.body.toString('utf8'), 200)}`,
    );
  }
  return digest;
}

export async function deleteManifest(
  client: RegistryClient,
  registry: string,
  repository: string,
  digest: Digest,
): Promise<void> {
  const what = `delete of ${registry}/${repository}@${digest}`;
  const res = await client.call(registry, `repository:${repository}:delete,pull,push`, {
    method: 'DELETE',
    path: `/v2/${repository}/manifests/${digest}`,
    maxBytes: 64 * 1024,
    what,
  });
  if (res.status !== 202) throw new TrustgateError('REGISTRY_ERROR', `${what}: answered HTTP ${res.status}`);
}
