/**
 * HTTP for registries, on Node's own http/https clients: one keep-alive pool and one concurrency bound
 * per run, retries with backoff on 429/502/503/504 honouring Retry-After (bounded in count and total
 * time), manual redirects that never carry Authorization to another origin, and bounded, hashed bodies.
 *
 * Time is bounded three ways, because an idle timeout alone lets a registry that trickles one byte a
 * second hold a run forever: a silence limit (headers must start, and body bytes keep coming, within
 * `timeoutMs`), a minimum transfer rate over each `timeoutMs` window after the first, and one overall
 * deadline per request that covers every attempt, redirect and retry wait.
 *
 * Why not fetch/undici: a single `trustgate resolve` must start about as fast as skopeo. Initialising
 * Node's built-in fetch costs ~25 ms per process and the undici package ~70 ms, against ~5 ms for
 * node:http(s), which also take custom CAs and TLS settings without a second HTTP stack.
 *
 * Over 300 lines: sendOnce is one state machine of deadline, silence, rate and abort, and the error
 * builders it needs are in transport-errors.ts already.
 */
import { createHash } from 'node:crypto';
import type * as HttpModule from 'node:http';
import type * as HttpsModule from 'node:https';
import { createRequire } from 'node:module';
import { TrustgateError } from '../../errors.js';
import type { Digest } from '../../reference/digest.js';
import { safeUrl } from '../../util/redact.js';
import { readInputFile } from '../../util/safe-fs.js';
import { Semaphore } from '../../util/semaphore.js';
import {
  classifyNetworkError,
  deadlineError,
  digestMismatch,
  idleError,
  RetryableNetworkError,
  retriesSpent,
  runDeadlineError,
  sizeError,
  slowError,
  truncated,
} from './transport-errors.js';

export { isTlsProtocolMismatch } from './transport-errors.js';

// Loaded through require: the ESM facade of node:http evaluates its lazy getters, which pulls in
// Node's internal undici (~25 ms) that we never use.
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof HttpModule;
// https (and with it TLS) is loaded on first use: ~30 ms that a plain-HTTP local registry never needs.
let httpsModule: typeof HttpsModule | undefined;
const https = (): typeof HttpsModule => {
  httpsModule ??= require('node:https') as typeof HttpsModule;
  return httpsModule;
};
const tls = (): typeof import('node:tls') => require('node:tls');

export interface TransportOptions {
  /** PEM files with extra CA certificates, added to Node's root store. */
  caFiles?: string[];
  /** Skip TLS certificate verification (cosign's --allow-insecure-registry). */
  insecureSkipTlsVerify?: boolean;
  /** Per-attempt time to the response headers, and the longest gap between body chunks; 0: none. */
  timeoutMs?: number;
  /**
   * Overall deadline of one request: all its attempts, redirects, retry waits, headers and body.
   * Defaults to 10 × timeoutMs, which leaves room for a 64 MiB blob over a slow but working link;
   * 0: none.
   */
  requestTimeoutMs?: number;
  /**
   * Bytes per second a response body must keep up, measured over each timeoutMs window after the
   * first (a grace period for slow starts); 0 disables, as does timeoutMs 0. Default 1024.
   */
  minTransferRate?: number;
  /**
   * Time for all registry traffic of this transport (one run), counted from its creation: requests
   * that would end later are cut at it, and none starts after. A registry that answers each request
   * just inside the limits, but makes a run issue hundreds of them, cannot hold it longer. 0: none.
   */
  runTimeoutMs?: number;
  /** Retries after the first attempt, on 429/502/503/504 and dropped connections. */
  maxRetries?: number;
  /** Total time budget for retries of one request, Retry-After waits included. */
  maxRetryTimeMs?: number;
  /** Base backoff; doubled per retry, with jitter. */
  backoffMs?: number;
  /** Requests in flight at once, across every registry in this run. */
  concurrency?: number;
  /** Redirect hops followed per request (to storage backends). */
  maxRedirects?: number;
  userAgent?: string;
  /** PEM client certificate and its private key for mutual TLS (cosign's --registry-client-cert/-key). */
  clientCertFile?: string;
  clientKeyFile?: string;
  /** The TLS server name: sent as SNI and checked against the certificate (cosign's --registry-server-name). */
  serverName?: string;
  /** Told of each request (method, URL without query) and its status: cosign's -d/--verbose. */
  onDebug?: (line: string) => void;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent only to the origin of `url`; dropped when a redirect leaves it. */
  authorization?: string | undefined;
  body?: Uint8Array | string;
  /** Bodies longer than this fail with SIZE_LIMIT and the connection is dropped. */
  maxBytes: number;
  /** When set, the body's sha256 must equal it or the read fails with DIGEST_MISMATCH. */
  expectDigest?: Digest;
  /** What is being fetched, for error messages, e.g. "manifest 127.0.0.1:5000/app:v1". */
  what: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** sha256 of the body as read. */
  digest: Digest;
  /** Final URL after redirects. */
  url: string;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

/** A CA bundle is at most a few hundred KiB (the system bundle is ~200 KiB). */
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

export class HttpTransport {
  private readonly httpAgent: HttpModule.Agent;
  private httpsAgentCache: HttpsModule.Agent | undefined;
  private readonly httpsOptions: HttpsModule.AgentOptions;
  private readonly limiter: Semaphore;
  private readonly opts: Required<
    Omit<TransportOptions, 'caFiles' | 'clientCertFile' | 'clientKeyFile' | 'serverName' | 'onDebug'>
  >;
  private readonly onDebug: ((line: string) => void) | undefined;
  /** Requests answered, by method; exposed for benchmarks and tests (requests per image). */
  readonly counters = { requests: 0, failedConnections: 0, byMethod: {} as Record<string, number> };

  /** When this run's registry time is spent (runTimeoutMs after creation), or Infinity. */
  private readonly runDeadline: number;

  constructor(options: TransportOptions = {}) {
    this.opts = {
      insecureSkipTlsVerify: options.insecureSkipTlsVerify ?? false,
      timeoutMs: options.timeoutMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10 * (options.timeoutMs ?? 30_000),
      minTransferRate: options.minTransferRate ?? 1024,
      runTimeoutMs: options.runTimeoutMs ?? 0,
      maxRetries: options.maxRetries ?? 4,
      maxRetryTimeMs: options.maxRetryTimeMs ?? 30_000,
      backoffMs: options.backoffMs ?? 200,
      concurrency: options.concurrency ?? 16,
      maxRedirects: options.maxRedirects ?? 5,
      userAgent: options.userAgent ?? 'trustgate',
    };
    this.runDeadline = this.opts.runTimeoutMs > 0 ? Date.now() + this.opts.runTimeoutMs : Infinity;
    const extraCa = (options.caFiles ?? []).map((f) => {
      try {
        return readInputFile(f, MAX_CA_FILE_BYTES).toString('utf8');
      } catch (e) {
        if (e instanceof TrustgateError) throw e;
        throw new TrustgateError('TLS', `cannot read CA file ${f}: ${(e as Error).message}`, {
          hint: 'pass a readable PEM file to --registry-cacert',
        });
      }
    });
    this.onDebug = options.onDebug;
    const pool = {
      keepAlive: true,
      maxSockets: this.opts.concurrency,
      maxFreeSockets: this.opts.concurrency,
    };
    this.httpAgent = new http.Agent(pool);
    this.httpsOptions = {
      ...pool,
      ...(extraCa.length > 0 ? { ca: [...tls().rootCertificates, ...extraCa] } : {}),
      rejectUnauthorized: !this.opts.insecureSkipTlsVerify,
      ...clientTls(options),
    };
    this.limiter = new Semaphore(this.opts.concurrency);
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgentCache?.destroy();
  }

  private httpsAgent(): HttpsModule.Agent {
    this.httpsAgentCache ??= new (https().Agent)(this.httpsOptions);
    return this.httpsAgentCache;
  }

  /** Send with retries and redirects; the body is read fully, bounded, and hashed. */
  send(req: HttpRequest): Promise<HttpResponse> {
    return this.limiter.run(() => this.sendWithRetries(req));
  }

  private async sendWithRetries(req: HttpRequest): Promise<HttpResponse> {
    const started = Date.now();
    // Starts once a concurrency slot is held: time queued behind our own requests is not the registry's.
    const own = this.opts.requestTimeoutMs > 0 ? started + this.opts.requestTimeoutMs : Infinity;
    if (started >= this.runDeadline) throw runDeadlineError(req.what, this.opts.runTimeoutMs);
    const deadline = Math.min(own, this.runDeadline);
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse | undefined;
      let netError: TrustgateError | undefined;
      try {
        res = await this.sendFollowingRedirects(req, deadline);
        this.onDebug?.(`${req.method} ${safeUrl(new URL(req.url))} -> ${res.status}`);
      } catch (e) {
        this.onDebug?.(`${req.method} ${safeUrl(new URL(req.url))} -> ${(e as Error).message}`);
        if (!(e instanceof RetryableNetworkError)) throw e;
        netError = e.error;
      }
      const retryable = netError !== undefined || (res !== undefined && RETRY_STATUS.has(res.status));
      if (!retryable) return res as HttpResponse;
      const waitMs = this.retryDelay(attempt, res?.headers['retry-after']);
      const spent = Date.now() - started;
      if (
        attempt >= this.opts.maxRetries ||
        spent + waitMs > this.opts.maxRetryTimeMs ||
        Date.now() + waitMs >= deadline
      ) {
        if (netError) throw netError;
        throw retriesSpent(req.what, (res as HttpResponse).status, attempt + 1, spent);
      }
      await sleep(waitMs);
    }
  }

  private retryDelay(attempt: number, retryAfter: string | undefined): number {
    if (retryAfter !== undefined) {
      const secs = Number(retryAfter);
      if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
      const date = Date.parse(retryAfter);
      if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
    }
    const base = this.opts.backoffMs * 2 ** attempt;
    return base / 2 + Math.random() * (base / 2);
  }

  private async sendFollowingRedirects(req: HttpRequest, deadline: number): Promise<HttpResponse> {
    let url = new URL(req.url);
    const origin = url.origin;
    let method = req.method;
    let current: HttpRequest = req;
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === origin;
      const res = await this.sendOnce(current, url, method, sameOrigin, deadline);
      if (res.status < 300 || res.status >= 400 || res.status === 304) return res;
      const location = res.headers.location;
      if (!location) return res;
      if (hop >= this.opts.maxRedirects) {
        throw new TrustgateError('REDIRECT', `${req.what}: more than ${this.opts.maxRedirects} redirects`);
      }
      const next = new URL(location, url);
      if (url.protocol === 'https:' && next.protocol !== 'https:') {
        throw new TrustgateError('REDIRECT', `${req.what}: refused redirect from HTTPS to ${safeUrl(next)}`, {
          hint: 'a registry must not downgrade a download to plain HTTP',
        });
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new TrustgateError('REDIRECT', `${req.what}: refused redirect to a ${next.protocol} URL`);
      }
      // A request body (a token exchange's refresh token, an upload) never follows a redirect to
      // another origin; 301/302/303 turn a POST into a bodiless GET, as browsers and curl do.
      if (current.body !== undefined && next.origin !== origin) {
        throw new TrustgateError(
          'REDIRECT',
          `${req.what}: refused to send a request body to another host (${safeUrl(next)})`,
        );
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        const { body: _dropped, ...rest } = current;
        current = rest;
      }
      url = next;
    }
  }

  /**
   * One HTTP exchange. It stays one function, long as it is, because its timers, the byte count and the
   * settled flag are shared by the socket callbacks: split apart, each piece would need all of them.
   */
  private sendOnce(
    req: HttpRequest,
    url: URL,
    method: string,
    sameOrigin: boolean,
    deadline: number,
  ): Promise<HttpResponse> {
    // identity: a compressed body would be inflated before our size cap could see it.
    const headers: Record<string, string> = {
      'user-agent': this.opts.userAgent,
      'accept-encoding': 'identity',
      ...req.headers,
    };
    // Authorization belongs to the registry's origin only: storage backends get signed URLs instead.
    if (req.authorization && sameOrigin) headers.authorization = req.authorization;
    const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    if (body !== undefined) headers['content-length'] = String(body.length);
    const isHttps = url.protocol === 'https:';
    let total = 0;
    return new Promise<HttpResponse>((resolveOnce, rejectOnce) => {
      let settled = false;
      let answered = false;
      const timers: NodeJS.Timeout[] = [];
      const resolve = (r: HttpResponse) => {
        for (const t of timers) clearTimeout(t);
        resolveOnce(r);
      };
      const reject = (e: Error) => {
        for (const t of timers) clearTimeout(t);
        rejectOnce(e);
      };
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        if (!answered) this.counters.failedConnections++;
        creq.destroy();
        reject(e);
      };
      const phase = () => (answered ? 'while reading the body' : 'waiting for the response headers');
      // The socket's idle timeout resets on every byte, so slow headers and slow bodies need timers.
      if (Number.isFinite(deadline))
        timers.push(
          setTimeout(
            () =>
              fail(
                deadline === this.runDeadline
                  ? runDeadlineError(req.what, this.opts.runTimeoutMs)
                  : deadlineError(req.what, url, this.opts.requestTimeoutMs, phase()),
              ),
            Math.max(0, deadline - Date.now()),
          ),
        );
      if (this.opts.timeoutMs > 0)
        timers.push(
          setTimeout(() => {
            if (!answered) fail(idleError(req.what, url, this.opts.timeoutMs, phase()));
          }, this.opts.timeoutMs),
        );
      const creq = (isHttps ? https() : http).request(
        url,
        {
          method,
          headers,
          agent: isHttps ? this.httpsAgent() : this.httpAgent,
          timeout: this.opts.timeoutMs,
        },
        (res) => {
          answered = true;
          if (this.opts.minTransferRate > 0 && this.opts.timeoutMs > 0 && method !== 'HEAD') {
            // The first window is grace (TCP slow start, a storage backend warming up); after it, every
            // window must bring its share, so a steady large blob passes and a trickle does not.
            const windowMs = this.opts.timeoutMs;
            const need = Math.ceil((this.opts.minTransferRate * windowMs) / 1000);
            let windowStart = 0;
            let windows = 0;
            const tick = () => {
              if (settled) return;
              const got = total - windowStart;
              if (windows > 0 && got < need) {
                fail(slowError(req.what, url, got, windowMs, this.opts.minTransferRate));
                return;
              }
              windows++;
              windowStart = total;
              timers.push(setTimeout(tick, windowMs));
            };
            timers.push(setTimeout(tick, windowMs));
          }
          // Counted once answered: a refused connection or a TLS probe is not an HTTP request.
          this.counters.requests++;
          this.counters.byMethod[method] = (this.counters.byMethod[method] ?? 0) + 1;
          const status = res.statusCode ?? 0;
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
          const ok = status >= 200 && status < 300;
          const declared = flat['content-length'] === undefined ? Number.NaN : Number(flat['content-length']);
          const limit = ok ? req.maxBytes : 64 * 1024;
          if (method === 'HEAD') {
            res.resume();
            settled = true;
            resolve({
              status,
              headers: flat,
              body: Buffer.alloc(0),
              digest: EMPTY_SHA256,
              url: url.toString(),
            });
            return;
          }
          if (ok && Number.isFinite(declared) && declared > limit) {
            fail(sizeError(req.what, limit, `Content-Length ${declared}`));
            return;
          }
          const hash = createHash('sha256');
          const chunks: Buffer[] = [];
          const finish = () => {
            if (settled) return;
            settled = true;
            const bytes = Buffer.concat(chunks);
            const digest = `sha256:${hash.digest('hex')}` as Digest;
            if (ok && Number.isFinite(declared) && bytes.length !== declared) {
              reject(truncated(req.what, bytes.length, declared));
              return;
            }
            if (req.expectDigest && ok && digest !== req.expectDigest) {
              reject(digestMismatch(req.what, digest, req.expectDigest));
              return;
            }
            resolve({ status, headers: flat, body: bytes, digest, url: url.toString() });
          };
          res.on('data', (chunk: Buffer) => {
            if (settled) return;
            total += chunk.length;
            if (total > limit) {
              if (ok) {
                fail(sizeError(req.what, limit, 'the body'));
                return;
              }
              finish(); // error bodies are only read for their first bytes
              creq.destroy();
              return;
            }
            hash.update(chunk);
            chunks.push(chunk);
          });
          res.on('end', finish);
          res.on('aborted', () => (ok ? fail(truncated(req.what, total, declared)) : finish()));
          res.on('error', (e) =>
            ok ? fail(classifyNetworkError(e, req.what, url, 'while reading the body')) : finish(),
          );
        },
      );
      creq.on('timeout', () => fail(idleError(req.what, url, this.opts.timeoutMs, phase())));
      creq.on('error', (e) =>
        fail(classifyNetworkError(e, req.what, url, answered ? 'while reading the body' : '')),
      );
      creq.end(body);
    });
  }
}

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' as Digest;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A PEM file read for mutual TLS: bounded, and a read failure says which flag named it. */
function readTlsFile(file: string, what: string, flag: string): string {
  try {
    return readInputFile(file, MAX_CA_FILE_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof TrustgateError) throw e;
    throw new TrustgateError('TLS', `cannot read the ${what} ${file}: ${(e as Error).message}`, {
      hint: `pass a readable PEM file to ${flag}`,
    });
  }
}

/** The client certificate, its key and the server name of the https agent, when given. */
function clientTls(o: TransportOptions): { cert?: string; key?: string; servername?: string } {
  if ((o.clientCertFile === undefined) !== (o.clientKeyFile === undefined))
    throw new TrustgateError(
      'USAGE',
      'a registry client certificate needs its key, and a key its certificate',
      {
        hint: 'give --registry-client-cert and --registry-client-key together',
      },
    );
  return {
    ...(o.clientCertFile
      ? {
          cert: readTlsFile(o.clientCertFile, 'client certificate', '--registry-client-cert'),
          key: readTlsFile(o.clientKeyFile!, 'client key', '--registry-client-key'),
        }
      : {}),
    ...(o.serverName ? { servername: o.serverName } : {}),
  };
}
