/**
 * --tuf-mirror / --tuf-root: an explicit online refresh of the trusted root through @sigstore/tuf.
 * conforma's recorded TUF repository (a real one, recorded by its acceptance tests) is served as static
 * files on loopback; the refreshed root then verifies conforma's keyless signature. Tampered metadata
 * fails closed.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { verifyImages } from '../../src/run/verify-image.js';
import { runCliAsync } from '../support/cli-async.js';
import { sharedMissingReason, sharedPath } from '../support/shared-data.js';

const ACCEPTANCE = ['conforma', 'acceptance'];
const missing = sharedMissingReason(...ACCEPTANCE);
if (missing) console.warn(missing);
const identity = {
  identity: 'https://kubernetes.io/namespaces/default/serviceaccounts/default',
  issuer: 'https://kubernetes.default.svc.cluster.local',
};

/** Map TUF paths to the recorded files (names are mangled by the recorder). */
function serveRecordings(files: string, tamper: boolean): Promise<{ url: string; server: Server }> {
  const names = readdirSync(files);
  const find = (prefix: string) => names.find((n) => n.startsWith(prefix));
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    let file: string | undefined;
    if (path === '/timestamp.json') file = find('body-timestamp.json');
    else if (/^\/\d+\.snapshot\.json$/.test(path))
      file = find(`body-${path.slice(1, path.indexOf('.'))}.snapshot.json`);
    else if (/^\/\d+\.targets\.json$/.test(path))
      file = find(`body-${path.slice(1, path.indexOf('.'))}.targets.json`);
    else if (path.startsWith('/targets/'))
      file = find(`body-targets-${path.slice('/targets/'.length).split('.')[0]}.`);
    if (!file) {
      res.writeHead(404).end('404 page not found');
      return;
    }
    let body = readFileSync(join(files, file));
    if (tamper && path === '/timestamp.json')
      body = Buffer.from(
        body.toString().replace('"version": 1', '"version": 2').replace('"version":1', '"version":2'),
      );
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () =>
      r({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

describe.skipIf(missing !== undefined)('trusted root refreshed from a TUF mirror', () => {
  const files = sharedPath(...ACCEPTANCE, 'wiremock', 'recordings', 'tuf', '__files');
  const layout = `oci:${sharedPath(...ACCEPTANCE, 'image', 'testimage')}`;
  const client = new RegistryClient();
  const servers: Server[] = [];

  afterAll(async () => {
    await client.close();
    for (const s of servers) s.close();
  });

  test('refreshes, caches, and verifies the keyless signature with the refreshed root', async () => {
    const { url, server } = await serveRecordings(files, false);
    servers.push(server);
    const run = await verifyImages([layout], {
      identity,
      tufMirror: url,
      tufRoot: sharedPath(...ACCEPTANCE, 'tuf-root.json'),
      tufCacheDir: mkdtempSync(join(tmpdir(), 'tg-tuf-')),
      client,
    });
    expect(run.images[0]!.message).toContain('verified');
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(run.trustRoot).toContain(url);
  });

  // The built CLI bundles @sigstore/tuf: its dynamic import must find the same function there.
  test('the CLI refreshes through --tuf-mirror too (the bundled build, exit 0)', async () => {
    const { url, server } = await serveRecordings(files, false);
    servers.push(server);
    const r = await runCliAsync(
      [
        'verify',
        '--certificate-identity',
        identity.identity,
        '--certificate-oidc-issuer',
        identity.issuer,
        '--tuf-mirror',
        url,
        '--tuf-root',
        sharedPath(...ACCEPTANCE, 'tuf-root.json'),
        layout,
      ],
      { env: { XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'tg-tuf-cli-')) } },
    );
    expect(r.code, r.stderr).toBe(ExitCode.OK);
  });

  test('tampered TUF metadata fails closed', async () => {
    const { url, server } = await serveRecordings(files, true);
    servers.push(server);
    const e = await verifyImages([layout], {
      identity,
      tufMirror: url,
      tufRoot: sharedPath(...ACCEPTANCE, 'tuf-root.json'),
      tufCacheDir: mkdtempSync(join(tmpdir(), 'tg-tuf-')),
      client,
    }).catch((err: Error) => err);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toContain('TUF refresh');
  });
});
