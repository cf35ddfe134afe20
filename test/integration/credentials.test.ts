/**
 * Registry credentials go to one registry only, and no known secret is ever printed or archived.
 * The trusted registry is a real docker-registry; "another host" is an in-process server on
 * 127.0.0.2 that records every Authorization header it receives.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { type RecordingServer, recordingServer, runCliAsync } from '../support/cli-async.js';
import { buildImage } from '../support/image-builder.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';

const KEY = 'fixtures/trust/cosign.pub';
const TOKEN = 'ci-registry-token-4f1c9a7e0b';
let dir: string;
let reg: RunningRegistry;
const img = buildImage({ seed: 'creds' });

/** A registry on another loopback address that challenges with `scheme` and records what it gets. */
function otherRegistry(scheme: 'bearer' | 'basic'): Promise<RecordingServer> {
  let self = '';
  const p = recordingServer('127.0.0.2', (req, res) => {
    // Its token realm refuses everyone, so an anonymous client ends without any Authorization.
    if (req.url?.startsWith('/token')) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"no"}');
      return;
    }
    const challenge =
      scheme === 'bearer'
        ? `Bearer realm="http://${self}/token",service="evil",scope="repository:evil/app:pull"`
        : 'Basic realm="evil"';
    res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' }).end('{}');
  });
  return p.then((s) => {
    self = s.host;
    return s;
  });
}

function manifestNaming(ref: string): string {
  const file = join(dir, `pod-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: ${ref}\n`,
  );
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-creds-'));
  reg = await startRegistry({ auth: 'token' });
  await reg.push('creds/app', img, 'v1');
});
afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('credentials are bound to one registry host', () => {
  const cases = [
    { challenge: 'bearer', creds: 'password' },
    { challenge: 'basic', creds: 'password' },
    { challenge: 'bearer', creds: 'token' },
    { challenge: 'basic', creds: 'token' },
  ] as const;
  for (const c of cases) {
    test(`a registry named only in a --from-manifests manifest (${c.challenge} challenge, ${c.creds} credentials) never receives Authorization`, async () => {
      const evil = await otherRegistry(c.challenge);
      try {
        const file = manifestNaming(`${evil.host}/evil/app:v1`);
        const tokensBefore = reg.tokenRequests();
        const env: Record<string, string> =
          c.creds === 'password'
            ? { TRUSTGATE_REGISTRY_USERNAME: reg.username!, TRUSTGATE_REGISTRY_PASSWORD: reg.password! }
            : { TRUSTGATE_REGISTRY_TOKEN: TOKEN };
        const r = await runCliAsync(
          ['verify', '--key', KEY, `${reg.host}/creds/app:v1`, '--from-manifests', file, '-o', 'report'],
          { env },
        );
        expect(r.code, r.stderr).not.toBe(ExitCode.USAGE);
        // Both registries were asked; only the one named on the command line got credentials.
        expect(evil.seen.length).toBeGreaterThan(0);
        expect(evil.seen.filter((s) => s.authorization !== undefined)).toEqual([]);
        if (c.creds === 'password') {
          expect(reg.tokenRequests()).toBeGreaterThan(tokensBefore);
          const images = JSON.parse(r.stdout).images as Array<{ reference: string; digest?: string }>;
          expect(images.find((i) => i.reference.startsWith(reg.host))?.digest).toBe(img.manifest.digest);
        }
      } finally {
        await evil.close();
      }
    });
  }

  test('--registry-host (and TRUSTGATE_REGISTRY_HOST) choose the host when arguments name several', async () => {
    const evil = await otherRegistry('basic');
    try {
      const env = { TRUSTGATE_REGISTRY_USERNAME: reg.username!, TRUSTGATE_REGISTRY_PASSWORD: reg.password! };
      const refs = [`${reg.host}/creds/app:v1`, `${evil.host}/evil/app:v1`];
      const ambiguous = await runCliAsync(['resolve', ...refs], { env });
      expect(ambiguous.code).toBe(ExitCode.USAGE);
      expect(ambiguous.stderr).toContain('--registry-host');
      expect(ambiguous.stderr).toContain(`several registries (${[reg.host, evil.host].sort().join(', ')})`);
      expect(evil.seen).toEqual([]);

      for (const how of [
        { args: ['--registry-host', reg.host], env },
        { args: [], env: { ...env, TRUSTGATE_REGISTRY_HOST: reg.host.toUpperCase() } },
      ]) {
        const r = await runCliAsync(['resolve', '--json', ...refs, ...how.args], { env: how.env });
        const out = JSON.parse(r.stdout) as Array<{ reference: string; digest?: string }>;
        expect(out[0]!.digest).toBe(img.manifest.digest);
        expect(evil.seen.length).toBeGreaterThan(0);
        expect(evil.seen.filter((s) => s.authorization !== undefined)).toEqual([]);
      }

      // Bound to the other host, the credentials are not offered to the registry that needs them.
      const elsewhere = await runCliAsync(['resolve', refs[0]!, '--registry-host', evil.host], { env });
      expect(elsewhere.code).toBe(ExitCode.FAILURE);
      expect(elsewhere.stderr).toContain('authentication');
    } finally {
      await evil.close();
    }
  });

  test('credentials without a host to bind to are a usage error naming --registry-host', async () => {
    const file = manifestNaming(`${reg.host}/creds/app:v1`);
    const onlyManifests = await runCliAsync(['verify', '--key', KEY, '--from-manifests', file], {
      env: { TRUSTGATE_REGISTRY_TOKEN: TOKEN },
    });
    expect(onlyManifests.code).toBe(ExitCode.USAGE);
    expect(onlyManifests.stderr).toMatch(/--registry-host/);
    expect(onlyManifests.stderr).toContain('never choose it');

    const listFile = join(dir, 'list.txt');
    writeFileSync(listFile, `${reg.host}/creds/app:v1\n`);
    const onlyList = await runCliAsync(
      ['verify', '--key', KEY, '--images-from', listFile, '--registry-token', TOKEN],
      {},
    );
    expect(onlyList.code).toBe(ExitCode.USAGE);

    const layout = await runCliAsync(['resolve', 'oci:fixtures/demo'], {
      env: { TRUSTGATE_REGISTRY_USERNAME: 'u', TRUSTGATE_REGISTRY_PASSWORD: 'pw-1234' },
    });
    expect(layout.code).toBe(ExitCode.USAGE);
    expect(layout.stderr).toContain('--registry-host');

    const bad = await runCliAsync(['resolve', `${reg.host}/creds/app:v1`, '--registry-host', 'not a host/']);
    expect(bad.code).toBe(ExitCode.USAGE);

    // With the host given, a manifest-only run authenticates to it.
    const ok = await runCliAsync(
      ['verify', '--key', KEY, '--from-manifests', file, '--registry-host', reg.host, '-o', 'report'],
      { env: { TRUSTGATE_REGISTRY_USERNAME: reg.username!, TRUSTGATE_REGISTRY_PASSWORD: reg.password! } },
    );
    expect(ok.code).not.toBe(ExitCode.USAGE);
    expect(JSON.parse(ok.stdout).images[0].digest).toBe(img.manifest.digest);
  });
});

describe('a registry that echoes credentials in its error body', () => {
  const PASSWORD = 'echoed-password-7d2e91c4aa';
  /** Answers HEAD without a digest (so the client GETs), then 403 quoting what it was sent. */
  function echoing(): Promise<RecordingServer> {
    return recordingServer('127.0.0.1', (req, res) => {
      const auth = req.headers.authorization;
      if (!auth) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="echo"' }).end();
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end();
        return;
      }
      const decoded = auth.startsWith('Basic ')
        ? Buffer.from(auth.slice(6), 'base64').toString('utf8')
        : auth;
      // The secret straddles the 120-character cut of quoted messages, and appears whole too.
      const message = `${'x'.repeat(80)} you sent ${decoded} as ${auth}`;
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'DENIED', message, detail: auth }] }));
    });
  }

  function leaks(text: string, secrets: string[]): string[] {
    return secrets.flatMap((s) => [s, s.slice(0, 10)]).filter((s) => text.includes(s));
  }

  test('the token and password reach neither stderr, stdout, -o files nor the audit log', async () => {
    const echo = await echoing();
    try {
      const ref = `${echo.host}/app:v1`;
      const files = ['json', 'sarif', 'junit', 'markdown'].map((f) => [f, join(dir, `out-${f}`)] as const);
      const outputs = files.flatMap(([f, p]) => ['-o', `${f}=${p}`]);
      const audit = join(dir, 'audit.jsonl');
      const basic = Buffer.from(`alice:${PASSWORD}`).toString('base64');
      const runs = [
        await runCliAsync(['verify', '--key', KEY, ref, ...outputs, '-o', 'tree'], {
          env: { TRUSTGATE_REGISTRY_USERNAME: 'alice', TRUSTGATE_REGISTRY_PASSWORD: PASSWORD },
        }),
        await runCliAsync(['verify', '--key', KEY, ref, '-o', 'report', '--registry-token', TOKEN]),
        await runCliAsync(
          ['verify', '--policy', 'fixtures/demo-policy.yaml', '--audit-log', audit, ref, '-o', 'report'],
          { env: { TRUSTGATE_REGISTRY_USERNAME: 'alice', TRUSTGATE_REGISTRY_PASSWORD: PASSWORD } },
        ),
      ];
      // The registry did echo them, and the run reported its error.
      expect(echo.seen.some((s) => s.authorization === `Basic ${basic}`)).toBe(true);
      expect(echo.seen.some((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
      for (const r of runs) expect(r.stdout + r.stderr).toMatch(/\[RED/);
      const texts = [
        ...runs.flatMap((r) => [r.stdout, r.stderr]),
        ...files.map(([, p]) => readFileSync(p, 'utf8')),
        readFileSync(audit, 'utf8'),
      ];
      expect(readFileSync(audit, 'utf8')).toContain('denied by the registry');
      for (const t of texts) expect(leaks(t, [PASSWORD, TOKEN, basic])).toEqual([]);
    } finally {
      await echo.close();
    }
  });
});

describe('the library enforces the binding', () => {
  test('explicit credentials without registryHost are refused, naming the option', async () => {
    const { RegistryClient } = await import('../../src/oci/registry/client.js');
    for (const o of [{ registryToken: TOKEN }, { username: 'u', password: 'pw-1234' }]) {
      let err: unknown;
      try {
        new RegistryClient({ ...o, useDockerConfig: false });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'USAGE' });
      expect((err as Error).message).toContain('registryHost');
      expect((err as Error).message).not.toContain('--');
    }
  });

  test('hosts are matched after normalisation; other hosts get no explicit credentials', async () => {
    const { keychainFrom, normalizeRegistryHost } = await import('../../src/oci/registry/credentials.js');
    expect(normalizeRegistryHost('Index.Docker.IO')).toBe('docker.io');
    expect(normalizeRegistryHost('registry-1.docker.io')).toBe('docker.io');
    expect(normalizeRegistryHost('GHCR.io:443')).toBe('ghcr.io');
    expect(normalizeRegistryHost('https://ghcr.io/v2/')).toBe('ghcr.io');
    expect(normalizeRegistryHost('ghcr.io:5000')).toBe('ghcr.io:5000');
    expect(normalizeRegistryHost('not a host')).toBeUndefined();
    const store = keychainFrom({
      registryToken: TOKEN,
      registryHost: 'ghcr.io:443',
      useDockerConfig: false,
    });
    expect(await store.get('ghcr.io')).toEqual({ registryToken: TOKEN });
    expect(await store.get('GHCR.IO:443')).toEqual({ registryToken: TOKEN });
    for (const other of ['cr.io', 'ghcr.io.evil.example', 'ghcr.io:5000', 'evil.ghcr.io', 'docker.io'])
      expect(await store.get(other)).toBeUndefined();
    const hub = keychainFrom({
      username: 'u',
      password: 'pw-1234',
      registryHost: 'index.docker.io',
      useDockerConfig: false,
    });
    expect(await hub.get('docker.io')).toEqual({ username: 'u', password: 'pw-1234' });
  });

  test('Basic credentials go to a plain-HTTP token realm only on the registry host itself', async () => {
    const { RegistryClient } = await import('../../src/oci/registry/client.js');
    const { resolveImage } = await import('../../src/resolve/resolve.js');
    const realm = await recordingServer('127.0.0.2', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"harvested-token-value"}'),
    );
    const registry = await recordingServer('127.0.0.1', (_req, res) =>
      res
        .writeHead(401, { 'www-authenticate': `Bearer realm="http://${realm.host}/token",service="s"` })
        .end(),
    );
    try {
      const c = new RegistryClient({
        registryHost: registry.host,
        username: 'alice',
        password: 'realm-password-123',
        useDockerConfig: false,
        maxRetries: 0,
      });
      let err: unknown;
      try {
        await resolveImage(`${registry.host}/app:v1`, { client: c });
      } catch (e) {
        err = e;
      }
      await c.close();
      expect(err).toMatchObject({ code: 'AUTH_FAILED' });
      expect((err as Error).message).toContain('on another host than the registry');
      expect(realm.seen).toEqual([]);
    } finally {
      await realm.close();
      await registry.close();
    }
  });
});
