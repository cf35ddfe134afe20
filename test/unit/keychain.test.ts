import { afterEach, describe, expect, test } from 'vitest';
import { keychainFrom } from '../../src/oci/registry/credentials.js';
import {
  type Credential,
  chainKeychains,
  type Keychain,
  runKeychain,
  StaticKeychain,
} from '../../src/oci/registry/keychain.js';
import { RegistrySession } from '../../src/oci/registry/session.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../src/oci/registry/transport.js';
import { clearSecrets, redact } from '../../src/util/secrets.js';

afterEach(() => clearSecrets());

const EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' as const;
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/**
 * A transport answering every registry like a Basic-auth registry would, with no network: 401 with a
 * challenge unless the expected header comes, then 200. It records what each URL received.
 */
function fakeRegistries(expected: string): { transport: HttpTransport; seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  const transport = {
    async send(req: HttpRequest): Promise<HttpResponse> {
      seen.push(req);
      const ok = req.authorization === expected;
      return {
        status: ok ? 200 : 401,
        headers: ok ? {} : { 'www-authenticate': 'Basic realm="r"' },
        body: Buffer.alloc(0),
        digest: EMPTY,
        url: req.url,
      };
    },
  } as unknown as HttpTransport;
  return { transport, seen };
}

function get(keychain: Keychain, transport: HttpTransport, registry: string): Promise<HttpResponse> {
  const session = new RegistrySession(registry, { transport, keychain, allowHttp: false });
  return session.call('repository:app:pull', {
    method: 'GET',
    path: '/v2/app/tags/list',
    maxBytes: 1024,
    what: `tags of ${registry}/app`,
  });
}

describe('a caller-supplied Keychain', () => {
  test('is asked for the registry and its credential authenticates the request', async () => {
    const asked: string[] = [];
    const mine: Keychain = {
      async get(registry) {
        asked.push(registry);
        return registry === '127.0.0.1:5000' ? { username: 'vault', password: 'vault-secret-77' } : undefined;
      },
    };
    const { transport, seen } = fakeRegistries(basic('vault', 'vault-secret-77'));
    const res = await get(
      keychainFrom({ keychain: mine, useDockerConfig: false }),
      transport,
      '127.0.0.1:5000',
    );
    expect(res.status).toBe(200);
    expect(asked).toEqual(['127.0.0.1:5000']);
    expect(seen.at(-1)?.authorization).toBe(basic('vault', 'vault-secret-77'));
  });

  test('what it returns is registered for redaction, and it is asked once per host', async () => {
    let calls = 0;
    const mine: Keychain = {
      async get() {
        calls++;
        return { registryToken: 'custom-token-9e1' };
      },
    };
    const k = keychainFrom({ keychain: mine });
    expect(redact('custom-token-9e1')).toBe('custom-token-9e1');
    await Promise.all([k.get('GHCR.io:443'), k.get('ghcr.io'), k.get('ghcr.io')]);
    expect(calls).toBe(1);
    expect(redact('token custom-token-9e1 leaked')).toBe('token [REDACTED] leaked');
  });

  test('cannot be combined with explicit credentials, which it would silently drop', () => {
    const mine: Keychain = { get: async () => undefined };
    for (const o of [
      { registryToken: 'tok-1234' },
      { username: 'u', password: 'pw-1234' },
      { registryHost: 'ghcr.io' },
    ]) {
      expect(() => keychainFrom({ ...o, keychain: mine })).toThrow(/keychain option replaces/);
    }
  });
});

describe('static credentials stay with their host', () => {
  test('StaticKeychain answers only its normalised host', async () => {
    const k = new StaticKeychain({
      username: 'alice',
      password: 'alice-pw-1',
      registryHost: 'Registry.Example:443',
    });
    expect(await k.get('registry.example')).toEqual({ username: 'alice', password: 'alice-pw-1' });
    for (const other of [
      'registry.example:5000',
      'evil.registry.example',
      'registry.example.evil',
      'docker.io',
    ])
      expect(await k.get(other)).toBeUndefined();
  });

  test('a session for another registry never sends them, even when that registry asks', async () => {
    const keychain = keychainFrom({
      username: 'alice',
      password: 'alice-pw-1',
      registryHost: 'registry.example',
      useDockerConfig: false,
    });
    const { transport, seen } = fakeRegistries(basic('alice', 'alice-pw-1'));
    await expect(get(keychain, transport, 'other.example')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.authorization === undefined)).toBe(true);
    // The same keychain does authenticate to its own host.
    const own = fakeRegistries(basic('alice', 'alice-pw-1'));
    expect((await get(keychain, own.transport, 'registry.example')).status).toBe(200);
  });

  test('chainKeychains: the first keychain with a credential wins, later ones fill the gaps', async () => {
    const fixed = (c: Credential | undefined): Keychain => ({ get: async () => c });
    const k = chainKeychains(
      new StaticKeychain({ registryToken: 'first-tok', registryHost: 'a.example' }),
      fixed({ registryToken: 'fallback-tok' }),
    );
    expect(await k.get('a.example')).toEqual({ registryToken: 'first-tok' });
    expect(await k.get('b.example')).toEqual({ registryToken: 'fallback-tok' });
    expect(await runKeychain(fixed(undefined)).get('a.example')).toBeUndefined();
  });
});
