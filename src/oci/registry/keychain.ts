/**
 * Where registry credentials come from, as one small interface a Node caller can implement (a vault,
 * a cloud token exchange) instead of handing secrets over as options.
 *
 * Explicit credentials (StaticKeychain) are bound to one registry host and never offered to another.
 * cosign sends them to every registry a run touches; here a reference that someone else wrote (a
 * manifest in a pull request) must not be able to choose where a CI token goes.
 */
import { TrustgateError } from '../../errors.js';
import { registerBasicSecret, registerSecret } from '../../util/secrets.js';
import { credentialKey, normalizeRegistryHost } from './registry-host.js';

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker's "identitytoken"), exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token sent to the registry as is (cosign's --registry-token). */
  registryToken?: string;
}

export interface Keychain {
  /** The credential for `registry` (host[:port] as in image references), or undefined: anonymous. */
  get(registry: string): Promise<Credential | undefined>;
}

export interface StaticCredentials {
  username?: string;
  password?: string;
  registryToken?: string;
  /**
   * The one registry (host[:port]) that `username`/`password`/`registryToken` belong to. Required
   * when any of them is given; other registries fall back to Docker's config or anonymous access.
   */
  registryHost?: string;
}

/** Credentials given up front, answered for their one registry host only. */
export class StaticKeychain implements Keychain {
  private readonly host: string | undefined;

  constructor(private readonly given: StaticCredentials = {}) {
    if ((given.username === undefined) !== (given.password === undefined)) {
      throw new TrustgateError('USAGE', 'the username and password options must be given together');
    }
    const explicit =
      given.username !== undefined || given.password !== undefined || given.registryToken !== undefined;
    if (given.registryHost !== undefined) {
      this.host = normalizeRegistryHost(given.registryHost);
      if (!this.host)
        throw new TrustgateError('USAGE', `registryHost "${given.registryHost}" is not a host[:port]`, {
          hint: 'give the registry name as in image references, e.g. ghcr.io or 127.0.0.1:5000',
        });
    } else if (explicit) {
      throw new TrustgateError(
        'USAGE',
        'explicit credentials (username/password or registryToken) need registryHost, the one registry they belong to',
        {
          hint: 'set the registryHost option; credentials are never sent to a registry they were not given for',
        },
      );
    }
    // Registered now, not on first use: an error raised before any request must not show them either.
    registerSecret(given.password);
    registerSecret(given.registryToken);
    if (given.username !== undefined && given.password !== undefined)
      registerBasicSecret(given.username, given.password);
  }

  async get(registry: string): Promise<Credential | undefined> {
    const g = this.given;
    if (this.host === undefined || credentialKey(registry) !== this.host) return undefined;
    if (g.registryToken) return { registryToken: g.registryToken };
    if (g.username !== undefined && g.password !== undefined)
      return { username: g.username, password: g.password };
    return undefined;
  }
}

/** Asks each keychain in turn; the first credential found wins. */
export function chainKeychains(...keychains: Keychain[]): Keychain {
  return {
    async get(registry) {
      for (const k of keychains) {
        const c = await k.get(registry);
        if (c) return c;
      }
      return undefined;
    },
  };
}

/**
 * The keychain a client uses: one lookup per registry host for the whole run (helpers are processes,
 * and concurrent first requests must not spawn one each), and every secret found, from whatever
 * keychain, registered for redaction before anything can print it.
 */
export function runKeychain(inner: Keychain): Keychain {
  const cache = new Map<string, Promise<Credential | undefined>>();
  return {
    get(registry) {
      const key = credentialKey(registry);
      let p = cache.get(key);
      if (!p) {
        p = inner.get(key).then(registerCredential);
        cache.set(key, p);
      }
      return p;
    },
  };
}

function registerCredential(c: Credential | undefined): Credential | undefined {
  if (!c) return c;
  registerSecret(c.password);
  registerSecret(c.identityToken);
  registerSecret(c.registryToken);
  if (c.password !== undefined) registerBasicSecret(c.username ?? '', c.password);
  return c;
}
