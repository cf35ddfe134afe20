/**
 * A real CNCF distribution registry (Debian's docker-registry) on 127.0.0.1 at a free port, with a
 * throwaway storage folder. Variants: plain HTTP; htpasswd Basic auth over TLS with a self-signed
 * certificate; and `auth: token`, backed by an in-process token server issuing ES256 JWTs.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/registry/client.js';
import type { BuiltImage } from './image-builder.js';
import { pushImage } from './push.js';
import { requireCommand } from './system-deps.js';

export interface RegistryOptions {
  auth?: 'htpasswd' | 'token';
  tls?: boolean;
  username?: string;
  password?: string;
}

export interface RunningRegistry {
  /** host:port, e.g. 127.0.0.1:41235 */
  host: string;
  /** PEM of the self-signed TLS certificate, when tls is on. */
  caFile?: string;
  username?: string;
  password?: string;
  /** Options for a RegistryClient holding this registry's credentials and CA. */
  clientOptions(): RegistryClientOptions;
  /** Push an image under a tag, with this registry's credentials. */
  push(repo: string, img: BuiltImage, tag: string): Promise<void>;
  /** Token requests the token server answered, for asserting caching. */
  tokenRequests: () => number;
  /** CPU seconds the registry process has used so far (benchmarks: where the time goes). */
  cpuSeconds: () => number;
  stop(): Promise<void>;
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  const bin = requireCommand('docker-registry', 'docker-registry');
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-registry-'));
  const username = opts.username ?? 'tester';
  const password = opts.password ?? 'correct horse battery staple';
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    // As Debian's shipped /etc/docker/registry/config.yml has it.
    '  cache:',
    '    blobdescriptor: inmemory',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    '  addr: 127.0.0.1:0',
  ];
  let caFile: string | undefined;
  if (opts.tls) {
    caFile = join(dir, 'tls.crt');
    selfSignedP256(join(dir, 'tls.key'), caFile, 'trustgate-test-registry', [
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    lines.push('  tls:', `    certificate: ${caFile}`, `    key: ${join(dir, 'tls.key')}`);
  }
  let tokenServer: TokenServer | undefined;
  if (opts.auth === 'htpasswd') {
    const htpasswd = requireCommand('htpasswd', 'apache2-utils');
    const entry = execFileSync(htpasswd, ['-Bbn', username, password], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${entry}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: trustgate-test', `    path: ${join(dir, 'htpasswd')}`);
  } else if (opts.auth === 'token') {
    tokenServer = await startTokenServer(dir, username, password);
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${tokenServer.url}/token`,
      '    service: trustgate-test-registry',
      '    issuer: trustgate-test-issuer',
      `    rootcertbundle: ${tokenServer.certFile}`,
    );
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, `${lines.join('\n')}\n`);

  // The log goes to a file, not a pipe: a parent blocked in spawnSync (benchmarks) would stop
  // draining a pipe, and the registry would stall on a full stderr.
  const logFile = join(dir, 'registry.log');
  const logFd = openSync(logFile, 'w');
  const child = spawn(bin, ['serve', configFile], { stdio: ['ignore', 'ignore', logFd] });
  closeSync(logFd);
  const host = await waitForListening(child, logFile);
  const clientOptions = (): RegistryClientOptions => ({
    ...(opts.auth ? { username, password, registryHost: host } : {}),
    ...(caFile ? { caFiles: [caFile] } : {}),
    useDockerConfig: false,
  });
  return {
    host,
    ...(caFile ? { caFile } : {}),
    ...(opts.auth ? { username, password } : {}),
    tokenRequests: () => tokenServer?.count() ?? 0,
    cpuSeconds: () => {
      // utime + stime, fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second on Linux).
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    clientOptions,
    async push(repo, img, tag) {
      const c = new RegistryClient(clientOptions());
      try {
        await pushImage(c, host, repo, img, tag);
      } finally {
        await c.close();
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await tokenServer?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForListening(child: ChildProcess, logFile: string): Promise<string> {
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const log = readFileSync(logFile, 'utf8');
    const m = /listening on (127\.0\.0\.1:\d+)/.exec(log);
    if (m) return m[1]!;
    if (exited !== undefined) throw new Error(`docker-registry exited with ${exited}:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  throw new Error(`docker-registry did not start within 10s:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

/** A throwaway self-signed P-256 certificate and key, valid for two days. */
function selfSignedP256(keyFile: string, certFile: string, cn: string, extra: string[] = []): void {
  requireCommand('openssl', 'openssl');
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const args = [
    'req',
    '-x509',
    ...key,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    ...extra,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ];
  execFileSync('openssl', args, { stdio: 'ignore' });
}

interface TokenServer {
  url: string;
  certFile: string;
  count: () => number;
  stop(): Promise<void>;
}

/** A token server as distribution expects: ES256 JWT, x5c chaining to rootcertbundle, access claims. */
async function startTokenServer(dir: string, username: string, password: string): Promise<TokenServer> {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  selfSignedP256(keyFile, certFile, 'trustgate-test-token-issuer');
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = readFileSync(certFile, 'utf8').replace(/-----[^-]+-----|\s/g, '');
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  let count = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    count++;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop() ?? '';
      return [{ type, name: rest.join(':'), actions: actions.split(',').filter(Boolean) }];
    });
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const header = b64({ alg: 'ES256', typ: 'JWT', x5c: [certDer] });
    const claims = b64({
      iss: 'trustgate-test-issuer',
      sub: username,
      aud: url.searchParams.get('service'),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), {
      key,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    certFile,
    count: () => count,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
