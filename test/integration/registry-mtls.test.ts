/**
 * cosign's --registry-client-cert/--registry-client-key (mutual TLS) and --registry-server-name
 * (the TLS server name) on the transport, against an in-process TLS server that requires a client
 * certificate and whose certificate names only reg.internal. Certificates are made by openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpTransport, type TransportOptions } from '../../src/oci/registry/transport.js';
import { expectFailure } from '../support/expect-failure.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-mtls-'));
const f = (name: string) => join(dir, name);
const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A CA, a server certificate for reg.internal only, and a client certificate, all from the CA. */
function makeCertificates(): void {
  ossl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=test CA',
  ]);
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:reg.internal\n');
  for (const who of ['server', 'client']) {
    ossl([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=${who}`,
    ]);
    ossl([
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.pem`,
      '-days',
      '2',
      ...(who === 'server' ? ['-extfile', 'server.ext'] : []),
    ]);
  }
}

let server: Server;
let url: string;

beforeAll(async () => {
  makeCertificates();
  server = createServer(
    {
      key: readFileSync(f('server.key')),
      cert: readFileSync(f('server.pem')),
      ca: readFileSync(f('ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function get(o: TransportOptions) {
  const t = new HttpTransport({ caFiles: [f('ca.pem')], maxRetries: 0, timeoutMs: 5000, ...o });
  try {
    return await t.send({ method: 'GET', url, maxBytes: 1024, what: 'mtls probe' });
  } finally {
    await t.close();
  }
}

describe('registry mutual TLS and server name', () => {
  test('with the client certificate and the server name, the registry answers', async () => {
    const res = await get({
      clientCertFile: f('client.pem'),
      clientKeyFile: f('client.key'),
      serverName: 'reg.internal',
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello');
  });

  test('without the client certificate the registry refuses the connection', async () => {
    const e = await expectFailure(get({ serverName: 'reg.internal' }));
    expect(['TLS', 'REGISTRY_UNREACHABLE']).toContain(e.code);
  });

  test('without the server name the certificate does not name 127.0.0.1: a TLS error', async () => {
    const e = await expectFailure(get({ clientCertFile: f('client.pem'), clientKeyFile: f('client.key') }));
    expect(e.code).toBe('TLS');
  });
});
