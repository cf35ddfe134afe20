/**
 * Everything a run knows about one registry: its authentication, its scheme, whether it serves the
 * referrers API, and whether its first request (and with it the 401/token dance) is still under way.
 */
import { authFailed, RegistryAuth } from './auth.js';
import type { Keychain } from './keychain.js';
import { type Endpoint, isLoopbackHost, type RegistryRequest, sendToRegistry } from './scheme.js';
import type { HttpResponse, HttpTransport } from './transport.js';

export interface SessionOptions {
  transport: HttpTransport;
  keychain: Keychain;
  /** Plain HTTP to any registry (cosign's --allow-http-registry); loopback registries always may. */
  allowHttp: boolean;
}

export class RegistrySession {
  private readonly auth: RegistryAuth;
  /** Decided once: https, or http where permitted and the server speaks only HTTP. */
  private readonly endpoint: Endpoint = { base: undefined };
  /** Cleared after the first request completes, so concurrent first requests share one 401/token dance. */
  private warmup: Promise<void> | undefined;
  /** Set once a request was answered without a challenge: no warm-up needed any more. */
  private warmedUp = false;
  /** Whether the registry serves the referrers API; learned on first use. */
  referrersApi: boolean | undefined;
  /** The first referrers-API call, while its answer is not known. */
  referrersProbe: Promise<unknown> | undefined;

  constructor(
    private readonly registry: string,
    private readonly options: SessionOptions,
  ) {
    this.auth = new RegistryAuth(registry, {
      transport: options.transport,
      keychain: options.keychain,
      httpAllowed: (u) => options.allowHttp || isLoopbackHost(u.host),
    });
  }

  /**
   * One authenticated request. Until the registry's needs are known, later requests wait for the
   * first, so a burst of concurrent requests meets one challenge and fetches one token.
   */
  async call(scope: string, req: Omit<RegistryRequest, 'authorization'>): Promise<HttpResponse> {
    if (this.warmup) await this.warmup.catch(() => undefined);
    if (this.endpoint.base !== undefined && (this.auth.knowsChallenge || this.warmedUp))
      return this.authenticated(scope, req);
    let done!: () => void;
    const first = !this.warmup;
    if (first) this.warmup = new Promise<void>((r) => (done = r));
    try {
      return await this.authenticated(scope, req);
    } finally {
      if (first) {
        this.warmup = undefined;
        done();
      }
    }
  }

  /** A 401 is answered once: learn the challenge, authenticate, retry; a second 401 is final. */
  private async authenticated(
    scope: string,
    req: Omit<RegistryRequest, 'authorization'>,
  ): Promise<HttpResponse> {
    const authorization = await this.auth.authorization(scope);
    let res = await this.send({ ...req, authorization });
    if (res.status !== 401) this.warmedUp = true;
    if (res.status === 401) {
      const fresh = await this.auth.onUnauthorized(res.headers['www-authenticate'], scope);
      res = await this.send({ ...req, authorization: fresh });
      if (res.status === 401) {
        throw authFailed(
          this.registry,
          `the registry rejected the credentials for ${req.what} (HTTP 401 after authenticating)`,
        );
      }
    }
    return res;
  }

  private send(req: RegistryRequest): Promise<HttpResponse> {
    return sendToRegistry(this.options.transport, this.options.allowHttp, this.registry, this.endpoint, req);
  }
}
