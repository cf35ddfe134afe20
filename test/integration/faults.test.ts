/** Hostile and failing registries, simulated in-process: every case fails closed with a clear reason. */
import { afterEach, describe, expect, test } from 'vitest';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/registry/client.js';
import { sha256Digest } from '../../src/reference/digest.js';
import { resolveImage } from '../../src/resolve/resolve.js';
import { expectFailure } from '../support/expect-failure.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { buildImage } from '../support/image-builder.js';

const img = buildImage({ seed: 'faults' });
const servers: FaultServer[] = [];
const clients: RegistryClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof startFaultServer>[0]): Promise<FaultServer> {
  const s = await startFaultServer(handler);
  servers.push(s);
  return s;
}

function client(opts: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({ backoffMs: 10, useDockerConfig: false, ...opts });
  clients.push(c);
  return c;
}

const manifestHeaders = (bytes: Uint8Array, digest = sha256Digest(bytes)) => ({
  'content-type': MediaType.OCI_MANIFEST,
  'content-length': String(bytes.length),
  'docker-content-digest': digest,
});

describe('retries', () => {
  test('429 with Retry-After is honoured, then the request succeeds', async () => {
    const s = await serve((_req, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else res.writeHead(200, manifestHeaders(img.manifest.bytes)).end();
    });
    const started = Date.now();
    const r = await resolveImage(`${s.host}/app:v1`, { client: client() });
    expect(r.digest).toBe(img.manifest.digest);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(s.seen).toHaveLength(2);
  });

  test('a Retry-After beyond the retry budget fails at once instead of hanging', async () => {
    const s = await serve((_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    const started = Date.now();
    const e = await expectFailure(resolveImage(`${s.host}/app:v1`, { client: client() }));
    expect(e.code).toBe('REGISTRY_ERROR');
    expect(e.message).toContain('429');
    expect(e.hint).toContain('rate limiting');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a 503 storm is retried a bounded number of times', async () => {
    const s = await serve((_req, res) => res.writeHead(503).end());
    const e = await expectFailure(resolveImage(`${s.host}/app:v1`, { client: client({ maxRetries: 3 }) }));
    expect(e.code).toBe('REGISTRY_ERROR');
    expect(s.seen).toHaveLength(4);
  });

  test('a 500 storm is not retried and says so', async () => {
    const s = await serve((_req, res) => res.writeHead(500).end());
    const e = await expectFailure(client().repository(s.host, 'app').getManifest('v1'));
    expect(e.code).toBe('REGISTRY_ERROR');
    expect(e.message).toContain('HTTP 500');
    expect(s.seen).toHaveLength(1);
  });

  test('a registry that never answers times out', async () => {
    const s = await serve(() => undefined);
    const e = await expectFailure(
      resolveImage(`${s.host}/app:v1`, { client: client({ timeoutMs: 300, maxRetries: 1 }) }),
    );
    expect(e.code).toBe('TIMEOUT');
    expect(s.seen.length).toBeLessThanOrEqual(2);
  });

  test('an unreachable registry is named in the error', async () => {
    const s = await serve(() => undefined);
    const host = s.host;
    await s.close();
    servers.length = 0;
    const e = await expectFailure(resolveImage(`${host}/app:v1`, { client: client() }));
    expect(e.code).toBe('REGISTRY_UNREACHABLE');
    expect(e.message).toContain(host);
  });
});

describe('hostile bodies', () => {
  test('a truncated body fails', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OCI_MANIFEST, 'content-length': '1000' });
      res.write('{"schemaVersion":');
      setTimeout(() => res.destroy(), 20);
    });
    const e = await expectFailure(client({ maxRetries: 0 }).repository(s.host, 'app').getManifest('v1'));
    expect(['REGISTRY_ERROR', 'REGISTRY_UNREACHABLE']).toContain(e.code);
  });

  test('manifest bytes that do not match the requested digest fail', async () => {
    const other = buildImage({ seed: 'not-this-one' });
    const s = await serve((_req, res) =>
      res
        .writeHead(200, manifestHeaders(other.manifest.bytes, img.manifest.digest))
        .end(other.manifest.bytes),
    );
    const e = await expectFailure(client().repository(s.host, 'app').getManifest(img.manifest.digest));
    expect(e.code).toBe('DIGEST_MISMATCH');
    expect(e.message).toContain(img.manifest.digest);
  });

  test('a Docker-Content-Digest that disagrees with the body fails', async () => {
    const s = await serve((_req, res) =>
      res.writeHead(200, manifestHeaders(img.manifest.bytes, sha256Digest('x'))).end(img.manifest.bytes),
    );
    const e = await expectFailure(client().repository(s.host, 'app').getManifest('v1'));
    expect(e.code).toBe('DIGEST_MISMATCH');
  });

  test('HEAD claiming another digest for a request by digest fails', async () => {
    const s = await serve((_req, res) =>
      res.writeHead(200, manifestHeaders(img.manifest.bytes, sha256Digest('x'))).end(),
    );
    const e = await expectFailure(resolveImage(`${s.host}/app@${img.manifest.digest}`, { client: client() }));
    expect(e.code).toBe('DIGEST_MISMATCH');
  });

  test('blob bytes that do not match their digest fail', async () => {
    const s = await serve((_req, res) => res.writeHead(200, { 'content-length': '5' }).end('wrong'));
    const e = await expectFailure(client().repository(s.host, 'app').getBlob(img.layers[0]!.digest));
    expect(e.code).toBe('DIGEST_MISMATCH');
  });

  test('an oversized manifest is refused from its Content-Length', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': MediaType.OCI_MANIFEST,
        'content-length': String(5 * 1024 * 1024),
      });
      res.write('{');
    });
    const e = await expectFailure(client().repository(s.host, 'app').getManifest('v1'));
    expect(e.code).toBe('SIZE_LIMIT');
  });

  test('an oversized chunked manifest is refused while streaming', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OCI_MANIFEST });
      res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
    });
    const e = await expectFailure(client().repository(s.host, 'app').getManifest('v1'));
    expect(e.code).toBe('SIZE_LIMIT');
  });

  test('an endless blob is cut off at the size cap', async () => {
    let stopped = false;
    const s = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (!stopped && res.write(chunk)) {
          /* keep writing */
        }
        if (!stopped) res.once('drain', pump);
      };
      res.on('close', () => {
        stopped = true;
      });
      pump();
    });
    const e = await expectFailure(
      client()
        .repository(s.host, 'app')
        .getBlob(img.layers[0]!.digest, { maxBytes: 1024 * 1024 }),
    );
    expect(e.code).toBe('SIZE_LIMIT');
  });

  test('a manifest that is not JSON, or not a manifest, fails with MANIFEST_INVALID', async () => {
    const bad = Buffer.from('{"schemaVersion":2,"layers":"nope"}');
    const s = await serve((_req, res) => res.writeHead(200, manifestHeaders(bad)).end(bad));
    const e = await expectFailure(client().repository(s.host, 'app').getManifest('v1'));
    expect(e.code).toBe('MANIFEST_INVALID');
  });
});

describe('redirects and credentials', () => {
  test('a redirect to another host never carries the Authorization header', async () => {
    const storage = await serve((_req, res) => res.writeHead(200).end(img.layers[0]!.bytes));
    const registry = await serve((req, res) => {
      if (!req.headers.authorization) res.writeHead(401, { 'www-authenticate': 'Bearer realm="x"' }).end();
      else res.writeHead(307, { location: `http://${storage.host}/blob?sig=secret-signature` }).end();
    });
    const token = 'registry-bearer-token-value';
    const bytes = await client({ registryHost: registry.host, registryToken: token })
      .repository(registry.host, 'app')
      .getBlob(img.layers[0]!.digest);
    expect(sha256Digest(bytes)).toBe(img.layers[0]!.digest);
    expect(registry.seen.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
    expect(storage.seen).toHaveLength(1);
    expect(storage.seen[0]!.headers.authorization).toBeUndefined();
  });

  test('a redirect loop is bounded', async () => {
    const s = await serve((_req, res) => res.writeHead(302, { location: '/again' }).end());
    const e = await expectFailure(client().repository(s.host, 'app').getBlob(img.layers[0]!.digest));
    expect(e.code).toBe('REDIRECT');
    expect(s.seen.length).toBe(6);
  });

  test('a 401 loop ends after one token refresh', async () => {
    const s = await serve((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}');
        return;
      }
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="svc"`,
        })
        .end();
    });
    const e = await expectFailure(resolveImage(`${s.host}/app:v1`, { client: client() }));
    expect(e.code).toBe('AUTH_FAILED');
    expect(s.seen.length).toBeLessThanOrEqual(3);
  });

  test('credentials are never sent to a plain-HTTP token realm on another host', async () => {
    const s = await serve((_req, res) =>
      res
        .writeHead(401, {
          'www-authenticate': 'Bearer realm="http://token.example.invalid/token",service="svc"',
        })
        .end(),
    );
    const e = await expectFailure(
      resolveImage(`${s.host}/app:v1`, {
        client: client({ registryHost: s.host, username: 'u', password: 'p' }),
      }),
    );
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toContain('non-HTTPS token realm');
  });

  test('the token and password never appear in error messages', async () => {
    const s = await serve((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(401).end('{"details":"bad"}');
        return;
      }
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="svc"`,
        })
        .end();
    });
    const password = 'very-secret-password-123';
    const e = await expectFailure(
      resolveImage(`${s.host}/app:v1`, {
        client: client({ registryHost: s.host, username: 'alice', password }),
      }),
    );
    expect(e.code).toBe('AUTH_FAILED');
    expect(`${e.message} ${e.hint} ${e.stack}`).not.toContain(password);
    expect(`${e.message} ${e.hint}`).not.toContain(Buffer.from(`alice:${password}`).toString('base64'));
  });
});

describe('referrers API and tag listing (registries that implement them)', () => {
  const subject = img.manifest.digest;
  const desc = (n: number, artifactType: string) => ({
    mediaType: MediaType.OCI_MANIFEST,
    digest: sha256Digest(`ref-${n}`),
    size: 100,
    artifactType,
  });

  test('follows Link pagination and filters by artifactType when the registry did not', async () => {
    const s = await serve((req, res) => {
      const page2 = req.url?.includes('page=2');
      const body = JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_INDEX,
        manifests: page2 ? [desc(3, 'application/a')] : [desc(1, 'application/a'), desc(2, 'application/b')],
      });
      res.writeHead(200, {
        'content-type': MediaType.OCI_INDEX,
        ...(page2 ? {} : { link: `</v2/app/referrers/${subject}?page=2>; rel="next"` }),
      });
      res.end(body);
    });
    const r = await client().repository(s.host, 'app').referrers(subject, { artifactType: 'application/a' });
    expect(r.via).toBe('api');
    expect(r.descriptors.map((d) => d.digest)).toEqual([sha256Digest('ref-1'), sha256Digest('ref-3')]);
    expect(s.seen.map((x) => x.url)).toEqual([
      `/v2/app/referrers/${subject}?artifactType=application%2Fa`,
      `/v2/app/referrers/${subject}?page=2`,
    ]);
  });

  test('more referrers than the bound fail with COUNT_LIMIT', async () => {
    const s = await serve((_req, res) => {
      const manifests = Array.from({ length: 1001 }, (_, i) => desc(i, 'application/a'));
      res
        .writeHead(200, { 'content-type': MediaType.OCI_INDEX })
        .end(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests }));
    });
    const e = await expectFailure(client().repository(s.host, 'app').referrers(subject));
    expect(e.code).toBe('COUNT_LIMIT');
  });

  test('the bound is configurable', async () => {
    const s = await serve((_req, res) => {
      const manifests = Array.from({ length: 3 }, (_, i) => desc(i, 'application/a'));
      res
        .writeHead(200, { 'content-type': MediaType.OCI_INDEX })
        .end(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests }));
    });
    const e = await expectFailure(
      client({ limits: { maxReferrers: 2 } })
        .repository(s.host, 'app')
        .referrers(subject),
    );
    expect(e.code).toBe('COUNT_LIMIT');
  });

  test('a 404 from the referrers API falls back to the tag schema, and is remembered', async () => {
    const s = await serve((req, res) => {
      if (req.url?.includes('/referrers/')) res.writeHead(404).end();
      else
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    });
    const c = client();
    const repo = c.repository(s.host, 'app');
    expect((await repo.referrers(subject)).via).toBe('tag-schema');
    expect((await repo.referrers(img.layers[0]!.digest)).descriptors).toEqual([]);
    expect(s.seen.filter((x) => x.url.includes('/referrers/'))).toHaveLength(1);
  });

  test('tag listing follows pagination and accepts "tags": null', async () => {
    const s = await serve((req, res) => {
      if (req.url?.includes('last=b')) res.writeHead(200).end(JSON.stringify({ name: 'app', tags: null }));
      else
        res
          .writeHead(200, { link: '</v2/app/tags/list?n=2&last=b>; rel="next"' })
          .end(JSON.stringify({ name: 'app', tags: ['a', 'b'] }));
    });
    expect(await client().repository(s.host, 'app').listTags()).toEqual(['a', 'b']);
  });
});

describe('Docker credential helpers', () => {
  test('credHelpers entries run docker-credential-<name> get, never echoing the secret', async () => {
    const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'tg-credhelper-'));
    const secret = 'helper-secret-value';
    const helper = join(dir, 'docker-credential-tgtest');
    writeFileSync(
      helper,
      `#!/bin/sh\nread host\nprintf '{"ServerURL":"%s","Username":"helper-user","Secret":"${secret}"}' "$host"\n`,
    );
    chmodSync(helper, 0o755);
    const s = await serve((req, res) => {
      const expected = `Basic ${Buffer.from(`helper-user:${secret}`).toString('base64')}`;
      if (req.headers.authorization === expected)
        res.writeHead(200, manifestHeaders(img.manifest.bytes)).end();
      else res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
    });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [s.host]: 'tgtest' } }));
    const oldPath = process.env.PATH;
    process.env.PATH = `${dir}:${oldPath}`;
    try {
      const r = await resolveImage(`${s.host}/app:v1`, {
        client: new RegistryClient({ dockerConfigDir: dir }),
      });
      expect(r.digest).toBe(img.manifest.digest);
      writeFileSync(join(dir, 'docker-credential-broken'), `#!/bin/sh\necho 'not json ${secret}'\n`);
      chmodSync(join(dir, 'docker-credential-broken'), 0o755);
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [s.host]: 'broken' } }));
      const e = await expectFailure(
        resolveImage(`${s.host}/app:v1`, { client: new RegistryClient({ dockerConfigDir: dir }) }),
      );
      expect(e.code).toBe('CREDENTIALS');
      expect(e.message).not.toContain(secret);
    } finally {
      process.env.PATH = oldPath;
    }
  });
});

describe('review fixes', () => {
  test('a request body never follows a redirect to another host', async () => {
    const other = await serve((_req, res) => res.writeHead(200).end('{}'));
    const realm = await serve((_req, res) =>
      res.writeHead(307, { location: `http://${other.host}/steal` }).end(),
    );
    const { HttpTransport } = await import('../../src/oci/registry/transport.js');
    const t = new HttpTransport({ maxRetries: 0 });
    const e = await expectFailure(
      t.send({
        method: 'POST',
        url: `http://${realm.host}/token`,
        body: 'grant_type=refresh_token&refresh_token=SECRET',
        maxBytes: 1024,
        what: 'token',
      }),
    );
    expect(e.code).toBe('REDIRECT');
    expect(other.seen).toHaveLength(0);
    await t.close();
  });

  test('a credential helper that exits without reading its input is a clean error, not a crash', async () => {
    const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'tg-helper-epipe-'));
    writeFileSync(join(dir, 'docker-credential-quick'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, 'docker-credential-quick'), 0o755);
    const s = await serve((_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end());
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [s.host]: 'quick' } }));
    const oldPath = process.env.PATH;
    process.env.PATH = `${dir}:${oldPath}`;
    try {
      const e = await expectFailure(
        resolveImage(`${s.host}/app:v1`, { client: new RegistryClient({ dockerConfigDir: dir }) }),
      );
      expect(['CREDENTIALS', 'AUTH_FAILED']).toContain(e.code);
    } finally {
      process.env.PATH = oldPath;
    }
  });
});
