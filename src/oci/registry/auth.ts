/**
 * Registry authentication for one registry: anonymous, Basic, or the Bearer token flow learned from
 * the WWW-Authenticate challenge. Tokens are cached per scope and fetched once even under concurrency;
 * a 401 with a cached token refreshes it once, never in a loop.
 */
import type * as z from 'zod';
import { TrustgateError } from '../../errors.js';
import { safeUrl } from '../../util/redact.js';
import { registerSecret } from '../../util/secrets.js';
import type { tokenResponseSchema } from './auth-schemas.js';
import { type Challenge, parseChallenges } from './challenge.js';
import type { Credential, Keychain } from './keychain.js';
import type { HttpTransport } from './transport.js';

interface CachedToken {
  value: string;
  expiresAt: number;
}

export interface AuthContext {
  transport: HttpTransport;
  /** Asked once per registry for the run (see runKeychain), so each call here is cheap. */
  keychain: Keychain;
  /** Whether plain HTTP may be used to reach this URL (loopback, or --allow-http-registry). */
  httpAllowed: (url: URL) => boolean;
}

const TOKEN_MAX_BYTES = 1024 * 1024;
const DEFAULT_TOKEN_TTL_S = 60;

export class RegistryAuth {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly registry: string,
    private readonly ctx: AuthContext,
  ) {}

  /** The Authorization header to send before any challenge, when one is known to be needed. */
  async authorization(scope: string): Promise<string | undefined> {
    const cred = await this.ctx.keychain.get(this.registry);
    if (cred?.registryToken) return `Bearer ${cred.registryToken}`;
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return basicHeader(cred, this.registry);
    if (this.challenge.scheme === 'bearer') {
      const cached = this.tokens.get(scope);
      if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.value}`;
      return `Bearer ${await this.fetchToken(scope, cred)}`;
    }
    return undefined;
  }

  /** After a 401: learn the challenge, drop the stale token, and return a fresh header. */
  async onUnauthorized(wwwAuthenticate: string | undefined, scope: string): Promise<string> {
    const cred = await this.ctx.keychain.get(this.registry);
    if (cred?.registryToken) {
      throw authFailed(this.registry, 'the registry rejected the given registry token');
    }
    const challenges = parseChallenges(wwwAuthenticate ?? '');
    const chosen =
      challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!chosen) {
      throw authFailed(
        this.registry,
        'the registry answered 401 without a usable WWW-Authenticate challenge',
      );
    }
    this.challenge = chosen;
    this.tokens.delete(scope);
    if (chosen.scheme === 'basic') {
      const h = basicHeader(cred, this.registry);
      if (!h) throw authFailed(this.registry, 'the registry requires credentials and none were found');
      return h;
    }
    return `Bearer ${await this.fetchToken(scope, cred)}`;
  }

  get knowsChallenge(): boolean {
    return this.challenge !== undefined;
  }

  private fetchToken(scope: string, cred: Credential | undefined): Promise<string> {
    let p = this.inflight.get(scope);
    if (!p) {
      p = this.requestToken(scope, cred).finally(() => this.inflight.delete(scope));
      this.inflight.set(scope, p);
    }
    return p;
  }

  /** One token exchange (refresh token by POST, else GET with Basic): the realm checks come first. */
  private async requestToken(scope: string, cred: Credential | undefined): Promise<string> {
    const params = this.challenge?.params ?? {};
    const realm = params.realm;
    if (!realm) throw authFailed(this.registry, 'the Bearer challenge has no realm');
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw authFailed(this.registry, 'the Bearer challenge realm is not a URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.ctx.httpAllowed(url))) {
      throw authFailed(
        this.registry,
        `refusing to send credentials to the non-HTTPS token realm ${safeUrl(url)}`,
      );
    }
    // The registry's challenge chooses the realm. A realm on another host is normal (Docker Hub's is
    // auth.docker.io) and gets the credentials over HTTPS only, where its name is proven; over plain
    // HTTP (loopback, --allow-http-registry) only the registry's own host name may receive them.
    const secret = cred?.identityToken !== undefined || cred?.password !== undefined;
    if (secret && url.protocol === 'http:' && url.hostname !== hostnameOf(this.registry)) {
      throw authFailed(
        this.registry,
        `refusing to send credentials over plain HTTP to the token realm ${safeUrl(url)} on another host than the registry`,
      );
    }
    const service = params.service;
    const what = `token for ${this.registry} (${scope})`;
    let res: Awaited<ReturnType<HttpTransport['send']>>;
    if (cred?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: cred.identityToken,
        client_id: 'trustgate',
        scope,
      });
      if (service) form.set('service', service);
      res = await this.ctx.transport.send({
        method: 'POST',
        url: url.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        maxBytes: TOKEN_MAX_BYTES,
        what,
      });
    } else {
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      res = await this.ctx.transport.send({
        method: 'GET',
        url: url.toString(),
        authorization: basicHeader(cred, this.registry),
        maxBytes: TOKEN_MAX_BYTES,
        what,
      });
    }
    if (res.status === 401 || res.status === 403) {
      throw authFailed(
        this.registry,
        cred
          ? `the token server rejected the credentials${cred.username ? ` for user "${cred.username}"` : ''}`
          : 'the token server requires credentials',
      );
    }
    if (res.status !== 200) {
      throw authFailed(this.registry, `the token server answered HTTP ${res.status}`);
    }
    let parsed: z.infer<typeof tokenResponseSchema>;
    try {
      const { tokenResponseSchema } = await import('./auth-schemas.js');
      parsed = tokenResponseSchema.parse(JSON.parse(res.body.toString('utf8')));
    } catch {
      throw authFailed(this.registry, 'the token server returned a response that is not token JSON');
    }
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw authFailed(this.registry, 'the token server returned no token');
    registerSecret(token);
    const ttl = Math.max(10, parsed.expires_in ?? DEFAULT_TOKEN_TTL_S);
    this.tokens.set(scope, { value: token, expiresAt: Date.now() + (ttl - 5) * 1000 });
    return token;
  }
}

function hostnameOf(registry: string): string {
  try {
    return new URL(`http://${registry}`).hostname;
  } catch {
    return registry;
  }
}

function basicHeader(cred: Credential | undefined, _registry: string): string | undefined {
  if (!cred || cred.username === undefined || cred.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
}

export function authFailed(registry: string, why: string): TrustgateError {
  return new TrustgateError('AUTH_FAILED', `authentication to ${registry} failed: ${why}`, {
    hint: 'check --registry-username/--registry-password or --registry-token, or run docker login',
  });
}
