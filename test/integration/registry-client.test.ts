/** The OCI client and resolve against a real CNCF distribution registry (Debian's docker-registry 2.8). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TrustgateError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { pushManifest } from '../../src/oci/registry/push.js';
import { digestTag, sha256Digest } from '../../src/reference/digest.js';
import { resolveImage } from '../../src/resolve/resolve.js';
import { resolveImages } from '../../src/run/resolve.js';
import { expectFailure } from '../support/expect-failure.js';
import { buildImage, buildIndex, descriptorOf } from '../support/image-builder.js';
import { pushImage, pushIndex } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';

describe('plain registry', () => {
  let reg: RunningRegistry;
  let client: RegistryClient;
  const img = buildImage({ seed: 'plain-v1' });
  const img2 = buildImage({ seed: 'plain-v2' });
  const idx = buildIndex('plain-multi', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ]);

  beforeAll(async () => {
    reg = await startRegistry();
    client = new RegistryClient();
    await pushImage(client, reg.host, 'app', img, 'v1');
    await pushImage(client, reg.host, 'app', img2, 'v2');
    await pushIndex(client, reg.host, 'app', idx, 'multi');
  });
  afterAll(async () => {
    await client?.close();
    await reg?.stop();
  });

  test('resolves a tag to the digest of its manifest, crane-digest style', async () => {
    const r = await resolveImage(`${reg.host}/app:v1`, { client });
    expect(r.digest).toBe(img.manifest.digest);
    expect(r.canonical).toBe(`${reg.host}/app@${img.manifest.digest}`);
    expect(r.mediaType).toBe(MediaType.OCI_MANIFEST);
    expect(r.size).toBe(img.manifest.bytes.length);
  });

  test('a resolve after the first costs exactly one HTTP request', async () => {
    const fresh = new RegistryClient();
    await resolveImage(`${reg.host}/app:v1`, { client: fresh });
    const before = fresh.transport.counters.requests;
    await resolveImage(`${reg.host}/app:v2`, { client: fresh });
    expect(fresh.transport.counters.requests - before).toBe(1);
    await fresh.close();
  });

  test('a multi-arch index resolves to the index digest by default, as cosign signs it', async () => {
    const r = await resolveImage(`${reg.host}/app:multi`, { client });
    expect(r.digest).toBe(idx.index.digest);
    expect(r.mediaType).toBe(MediaType.OCI_INDEX);
  });

  test('--platform selects the child manifest', async () => {
    const arm = await resolveImage(`${reg.host}/app:multi`, { client, platform: 'linux/arm64' });
    expect(arm.digest).toBe(idx.images[1]!.manifest.digest);
    expect(arm.platform).toBe('linux/arm64/v8');
    const amd = await resolveImage(`${reg.host}/app:multi`, { client, platform: 'linux/amd64' });
    expect(amd.digest).toBe(idx.images[0]!.manifest.digest);
  });

  test('--platform that the index lacks fails and lists what is there', async () => {
    const e = await expectFailure(resolveImage(`${reg.host}/app:multi`, { client, platform: 'linux/s390x' }));
    expect(e.code).toBe('PLATFORM_NOT_FOUND');
    expect(e.hint).toContain('linux/arm64/v8');
  });

  test('--platform on a single-platform image checks its config', async () => {
    const ok = await resolveImage(`${reg.host}/app:v1`, { client, platform: 'linux/amd64' });
    expect(ok.digest).toBe(img.manifest.digest);
    const e = await expectFailure(resolveImage(`${reg.host}/app:v1`, { client, platform: 'linux/arm64' }));
    expect(e.code).toBe('PLATFORM_NOT_FOUND');
  });

  test('a digest reference is checked to exist; the tag beside it is ignored', async () => {
    const r = await resolveImage(`${reg.host}/app:ignored@${img2.manifest.digest}`, { client });
    expect(r.digest).toBe(img2.manifest.digest);
    const missing = sha256Digest('nope');
    const e = await expectFailure(resolveImage(`${reg.host}/app@${missing}`, { client }));
    expect(e.code).toBe('MANIFEST_UNKNOWN');
  });

  test('unknown tag and unknown repository fail with clear messages', async () => {
    const tag = await expectFailure(resolveImage(`${reg.host}/app:nope`, { client }));
    expect(tag.code).toBe('MANIFEST_UNKNOWN');
    expect(tag.message).toContain('nope');
    // distribution 2.8 answers MANIFEST_UNKNOWN for a repository that does not exist.
    const repo = await expectFailure(client.repository(reg.host, 'no/such').getManifest('v1'));
    expect(['NAME_UNKNOWN', 'MANIFEST_UNKNOWN']).toContain(repo.code);
    expect(repo.message).toContain(`${reg.host}/no/such`);
  });

  test('manifests fetched by digest are verified and parsed; blobs likewise', async () => {
    const repo = client.repository(reg.host, 'app');
    const m = await repo.getManifest(img.manifest.digest);
    expect(Buffer.from(m.bytes).equals(Buffer.from(img.manifest.bytes))).toBe(true);
    const layer = await repo.getBlob(img.layers[0]!.digest);
    expect(sha256Digest(layer)).toBe(img.layers[0]!.digest);
  });

  test('blob size caps are enforced on a real registry', async () => {
    const repo = client.repository(reg.host, 'app');
    const e = await expectFailure(repo.getBlob(img.layers[0]!.digest, { maxBytes: 10 }));
    expect(e.code).toBe('SIZE_LIMIT');
  });

  test('the tag moves between resolve and fetch: everything after resolve uses the digest', async () => {
    const moving = buildImage({ seed: 'moving-1' });
    const moved = buildImage({ seed: 'moving-2' });
    await pushImage(client, reg.host, 'mover', moving, 'latest');
    const r = await resolveImage(`${reg.host}/mover:latest`, { client });
    await pushImage(client, reg.host, 'mover', moved, 'latest');
    const m = await r.source.getManifest(r.digest);
    expect(m.digest).toBe(moving.manifest.digest);
    // The tag now names the other image; a fresh resolve sees it.
    expect((await resolveImage(`${reg.host}/mover:latest`, { client })).digest).toBe(moved.manifest.digest);
  });

  test('referrers fall back to the sha256-<hex> tag index on distribution 2.8 (no referrers API)', async () => {
    const subject = img.manifest;
    const sbom = buildImage({ seed: 'referrer' });
    const artifact = {
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      artifactType: 'application/vnd.example.sbom',
      config: descriptorOf(sbom.config),
      layers: [descriptorOf(sbom.layers[0]!)],
      subject: descriptorOf(subject),
    };
    const artifactBytes = Buffer.from(JSON.stringify(artifact));
    await pushImage(client, reg.host, 'app', sbom);
    const artDigest = await pushManifest(
      client,
      reg.host,
      'app',
      sha256Digest(artifactBytes),
      artifactBytes,
      MediaType.OCI_MANIFEST,
    );
    const fallback = {
      schemaVersion: 2,
      mediaType: MediaType.OCI_INDEX,
      manifests: [
        {
          mediaType: MediaType.OCI_MANIFEST,
          digest: artDigest,
          size: artifactBytes.length,
          artifactType: 'application/vnd.example.sbom',
        },
        descriptorOf(img2.manifest, { artifactType: 'application/other' }),
      ],
    };
    await pushManifest(
      client,
      reg.host,
      'app',
      digestTag(subject.digest),
      Buffer.from(JSON.stringify(fallback)),
      MediaType.OCI_INDEX,
    );
    const repo = client.repository(reg.host, 'app');
    const all = await repo.referrers(subject.digest);
    expect(all.via).toBe('tag-schema');
    expect(all.descriptors.map((d) => d.digest)).toEqual([artDigest, img2.manifest.digest]);
    const filtered = await repo.referrers(subject.digest, { artifactType: 'application/vnd.example.sbom' });
    expect(filtered.descriptors.map((d) => d.digest)).toEqual([artDigest]);
    const none = await repo.referrers(img2.manifest.digest);
    expect(none.descriptors).toEqual([]);
  });

  test('lists tags, tolerating distribution returning them unsorted', async () => {
    const tags = await client.repository(reg.host, 'app').listTags();
    expect(new Set(tags)).toEqual(new Set(['v1', 'v2', 'multi', digestTag(img.manifest.digest)]));
  });

  test('resolveImages reports each failure beside the successes', async () => {
    const results = await resolveImages([`${reg.host}/app:v1`, `${reg.host}/app:missing`, 'app:bad tag'], {
      client,
    });
    expect(results.map((r) => r.ok)).toEqual([true, false, false]);
    expect((results[1]!.error as TrustgateError).code).toBe('MANIFEST_UNKNOWN');
    expect((results[2]!.error as TrustgateError).code).toBe('REFERENCE_INVALID');
  });
});

describe('htpasswd Basic auth over TLS', () => {
  let reg: RunningRegistry;
  const img = buildImage({ seed: 'basic' });

  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd', tls: true });
    await reg.push('secure/app', img, 'v1');
  });
  afterAll(async () => reg?.stop());

  test('resolves with the right credentials and the registry CA', async () => {
    const c = new RegistryClient({
      registryHost: reg.host,
      username: reg.username!,
      password: reg.password!,
      caFiles: [reg.caFile!],
    });
    const r = await resolveImage(`${reg.host}/secure/app:v1`, { client: c });
    expect(r.digest).toBe(img.manifest.digest);
    await c.close();
  });

  test('anonymous access is refused with an actionable message', async () => {
    const c = new RegistryClient({ caFiles: [reg.caFile!], useDockerConfig: false });
    const e = await expectFailure(resolveImage(`${reg.host}/secure/app:v1`, { client: c }));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.oneLine()).toMatch(/registry-username|docker login/);
    await c.close();
  });

  test('a wrong password fails without echoing it anywhere', async () => {
    const secret = 'hunter2-wrong-password-value';
    const c = new RegistryClient({
      registryHost: reg.host,
      username: reg.username!,
      password: secret,
      caFiles: [reg.caFile!],
    });
    const e = await expectFailure(resolveImage(`${reg.host}/secure/app:v1`, { client: c }));
    expect(e.code).toBe('AUTH_FAILED');
    expect(JSON.stringify({ m: e.message, h: e.hint, s: e.stack })).not.toContain(secret);
    await c.close();
  });

  test('an untrusted self-signed certificate fails TLS; --allow-insecure-registry skips the check', async () => {
    const strict = new RegistryClient({
      registryHost: reg.host,
      username: reg.username!,
      password: reg.password!,
    });
    const e = await expectFailure(resolveImage(`${reg.host}/secure/app:v1`, { client: strict }));
    expect(e.code).toBe('TLS');
    await strict.close();
    const lax = new RegistryClient({
      registryHost: reg.host,
      username: reg.username!,
      password: reg.password!,
      insecureSkipTlsVerify: true,
    });
    expect((await resolveImage(`${reg.host}/secure/app:v1`, { client: lax })).digest).toBe(
      img.manifest.digest,
    );
    await lax.close();
  });

  test('credentials come from a Docker config.json', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'tg-docker-config-'));
    const auth = Buffer.from(`${reg.username}:${reg.password}`).toString('base64');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [`https://${reg.host}`]: { auth } } }));
    const c = new RegistryClient({ dockerConfigDir: dir, caFiles: [reg.caFile!] });
    expect((await resolveImage(`${reg.host}/secure/app:v1`, { client: c })).digest).toBe(img.manifest.digest);
    await c.close();
  });
});

describe('token auth (Bearer flow against a real token server)', () => {
  let reg: RunningRegistry;
  const imgs = Array.from({ length: 5 }, (_, i) => buildImage({ seed: `token-${i}` }));

  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token' });
    const c = new RegistryClient({
      registryHost: reg.host,
      username: reg.username!,
      password: reg.password!,
    });
    for (const [i, img] of imgs.entries()) await pushImage(c, reg.host, 'tok/app', img, `t${i}`);
    await c.close();
  });
  afterAll(async () => reg?.stop());

  test('one token per scope, shared by concurrent requests; then one request per resolve', async () => {
    const c = new RegistryClient({
      registryHost: reg.host,
      username: reg.username!,
      password: reg.password!,
    });
    const tokensBefore = reg.tokenRequests();
    const results = await Promise.all(
      imgs.map((_, i) => resolveImage(`${reg.host}/tok/app:t${i}`, { client: c })),
    );
    expect(results.map((r) => r.digest)).toEqual(imgs.map((i) => i.manifest.digest));
    expect(reg.tokenRequests() - tokensBefore).toBe(1);
    // 1 challenge (401) + 1 token + 5 HEADs.
    expect(c.transport.counters.requests).toBe(7);
    await c.close();
  });

  test('wrong credentials are rejected by the token server, without the secret in the error', async () => {
    const secret = 'not-the-password-xyz';
    const c = new RegistryClient({ registryHost: reg.host, username: reg.username!, password: secret });
    const e = await expectFailure(resolveImage(`${reg.host}/tok/app:t0`, { client: c }));
    expect(e.code).toBe('AUTH_FAILED');
    expect(`${e.message} ${e.hint}`).not.toContain(secret);
    await c.close();
  });

  test('a bad --registry-token is refused once, not retried in a loop', async () => {
    const c = new RegistryClient({ registryHost: reg.host, registryToken: 'garbage.token.value' });
    const e = await expectFailure(resolveImage(`${reg.host}/tok/app:t0`, { client: c }));
    expect(e.code).toBe('AUTH_FAILED');
    // The credential-free plain-HTTP probe of a loopback registry, then the one try with the token.
    expect(c.transport.counters.requests).toBeLessThanOrEqual(2);
    await c.close();
  });
});
