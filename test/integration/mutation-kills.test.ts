/**
 * Registry tests added by the mutation pass (npm run mutation, test/mutation/mutants.json): each one
 * kills a catalogued fault that survived every other test. The mutant id is in each test's name.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { HttpTransport } from '../../src/oci/registry/transport.js';
import { expectFailure } from '../support/expect-failure.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { buildImage } from '../support/image-builder.js';

const img = buildImage({ seed: 'mutation-kills' });
const servers: FaultServer[] = [];
const clients: RegistryClient[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof startFaultServer>[0]): Promise<FaultServer> {
  const s = await startFaultServer(handler);
  servers.push(s);
  return s;
}

function client(): RegistryClient {
  const c = new RegistryClient({ backoffMs: 10, useDockerConfig: false });
  clients.push(c);
  return c;
}

describe('registry client (src/oci/registry)', () => {
  test('O03: a manifest fetched by digest is checked against it even without Docker-Content-Digest', async () => {
    const other = buildImage({ seed: 'not-this-one' });
    const s = await serve((_req, res) =>
      res
        .writeHead(200, {
          'content-type': MediaType.OCI_MANIFEST,
          'content-length': String(other.manifest.bytes.length),
        })
        .end(other.manifest.bytes),
    );
    const e = await expectFailure(client().repository(s.host, 'app').getManifest(img.manifest.digest));
    expect(e.code).toBe('DIGEST_MISMATCH');
    expect(e.message).toContain(img.manifest.digest);
  });

  test('O05: resolve refuses a manifest whose declared size is over the manifest cap', async () => {
    const s = await serve((_req, res) =>
      res
        .writeHead(200, {
          'content-type': MediaType.OCI_MANIFEST,
          'content-length': String(100 * 1024 * 1024),
          'docker-content-digest': img.manifest.digest,
        })
        .end(),
    );
    const e = await expectFailure(client().repository(s.host, 'app').resolve('v1'));
    expect(e.code).toBe('SIZE_LIMIT');
    expect(s.seen.map((r) => r.method)).toEqual(['HEAD']);
  });

  test('U02: an expired bearer token is not reused; a new one is fetched', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-01T00:00:00Z'));
    const bytes = img.manifest.bytes;
    const s = await serve((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t","expires_in":10}');
        return;
      }
      if (req.headers.authorization !== 'Bearer t') {
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="svc"`,
          })
          .end();
        return;
      }
      res
        .writeHead(200, {
          'content-type': MediaType.OCI_MANIFEST,
          'content-length': String(bytes.length),
          'docker-content-digest': img.manifest.digest,
        })
        .end(bytes);
    });
    const repo = client().repository(s.host, 'app');
    await repo.getManifest('v1');
    await repo.getManifest('v1');
    const tokens = () => s.seen.filter((r) => r.url.startsWith('/token')).length;
    expect(tokens()).toBe(1);
    // The token lives 10 s less a 5 s margin.
    vi.setSystemTime(new Date('2026-06-01T00:00:06Z'));
    await repo.getManifest('v1');
    expect(tokens()).toBe(2);
  });

  test('X02: a redirect from HTTPS to plain HTTP is refused, and the HTTP host is never asked', async () => {
    const plain = await serve((_req, res) => res.writeHead(200, { 'content-length': '2' }).end('ok'));
    const dir = mkdtempSync(join(tmpdir(), 'tg-tls-'));
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const tls = createHttpsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (_req, res) =>
      res.writeHead(302, { location: `http://${plain.host}/v2/app/manifests/v1` }).end(),
    );
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const { port } = tls.address() as AddressInfo;
    const transport = new HttpTransport({ insecureSkipTlsVerify: true, backoffMs: 10 });
    try {
      const e = await expectFailure(
        transport.send({
          method: 'GET',
          url: `https://127.0.0.1:${port}/v2/app/manifests/v1`,
          maxBytes: 1024,
          what: 'manifest',
        }),
      );
      expect(e.code).toBe('REDIRECT');
      expect(e.message).toContain('refused redirect from HTTPS');
      expect(plain.seen).toHaveLength(0);
    } finally {
      await transport.close();
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('X07: a body of exactly the cap is read; one byte more is refused, declared or streamed', async () => {
    const s = await serve((req, res) => {
      const n = req.url === '/eleven' || req.url === '/eleven-chunked' ? 11 : 10;
      const body = Buffer.alloc(n, 0x61);
      if (req.url?.endsWith('chunked')) {
        res.writeHead(200);
        res.write(body.subarray(0, 5));
        res.end(body.subarray(5));
      } else res.writeHead(200, { 'content-length': String(n) }).end(body);
    });
    const transport = new HttpTransport({ backoffMs: 10, maxRetries: 0 });
    const get = (path: string) =>
      transport.send({ method: 'GET', url: `http://${s.host}${path}`, maxBytes: 10, what: `blob ${path}` });
    try {
      expect((await get('/ten')).body.length).toBe(10);
      expect((await get('/ten-chunked')).body.length).toBe(10);
      expect((await expectFailure(get('/eleven'))).code).toBe('SIZE_LIMIT');
      expect((await expectFailure(get('/eleven-chunked'))).code).toBe('SIZE_LIMIT');
    } finally {
      await transport.close();
    }
  });
});
