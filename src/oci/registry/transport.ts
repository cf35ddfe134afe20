/**
 * HTTP for registries: one keep-alive connection pool and one concurrency bound per run, retries with
 * backoff on 429/502/503/504 honouring Retry-After (bounded in count and total time), timeouts,
 * manual redirects that never carry Authorization to another origin, and bounded, hashed bodies.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { TrustgateError } from '../../errors.js';
import type { Digest } from '../../reference/digest.js';
import { safeUrl } from '../../util/redact.js';
import { Semaphore } from '../../util/semaphore.js';

export interface TransportOptions {
  /** PEM files with extra CA certificates, added to Node's root store. */
  caFiles?: string[];
  /** Skip TLS certificate verification (cosign's --allow-insecure-registry). */
  insecureSkipTlsVerify?: boolean;
  /** Per-attempt time to response headers, and the longest gap between body chunks. */
  timeoutMs?: number;
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
const RETRYABLE_NET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'UND_ERR_CLOSED']);

export class HttpTransport {
  private readonly agent: Agent;
  private readonly limiter: Semaphore;
  private readonly opts: Required<Omit<TransportOptions, 'caFiles'>>;
  /** Requests sent, by method; exposed for benchmarks and tests (requests per image). */
  readonly counters = { requests: 0, failedConnections: 0, byMethod: {} as Record<string, number> };

  constructor(options: TransportOptions = {}) {
    this.opts = {
      insecureSkipTlsVerify: options.insecureSkipTlsVerify ?? false,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 4,
      maxRetryTimeMs: options.maxRetryTimeMs ?? 30_000,
      backoffMs: options.backoffMs ?? 200,
      concurrency: options.concurrency ?? 16,
      maxRedirects: options.maxRedirects ?? 5,
      userAgent: options.userAgent ?? 'trustgate',
    };
    const extraCa = (options.caFiles ?? []).map((f) => {
      try {
        return readFileSync(f, 'utf8');
      } catch (e) {
        throw new TrustgateError('TLS', `cannot read CA file ${f}: ${(e as Error).message}`, {
          hint: 'pass a readable PEM file to --registry-cacert',
        });
      }
    });
    this.agent = new Agent({
      connect: {
        ca: extraCa.length > 0 ? [...rootCertificates, ...extraCa] : undefined,
        rejectUnauthorized: !this.opts.insecureSkipTlsVerify,
        timeout: this.opts.timeoutMs,
      },
      keepAliveTimeout: 10_000,
      connections: this.opts.concurrency,
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
    this.limiter = new Semaphore(this.opts.concurrency);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Send with retries and redirects; the body is read fully, bounded, and hashed. */
  send(req: HttpRequest): Promise<HttpResponse> {
    return this.limiter.run(() => this.sendWithRetries(req));
  }

  private async sendWithRetries(req: HttpRequest): Promise<HttpResponse> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse | undefined;
      let netError: TrustgateError | undefined;
      try {
        res = await this.sendFollowingRedirects(req);
      } catch (e) {
        if (!(e instanceof RetryableNetworkError)) throw e;
        netError = e.error;
      }
      const retryable = netError !== undefined || (res !== undefined && RETRY_STATUS.has(res.status));
      if (!retryable) return res as HttpResponse;
      const waitMs = this.retryDelay(attempt, res?.headers['retry-after']);
      const spent = Date.now() - started;
      if (attempt >= this.opts.maxRetries || spent + waitMs > this.opts.maxRetryTimeMs) {
        if (netError) throw netError;
        const r = res as HttpResponse;
        throw new TrustgateError(
          'REGISTRY_ERROR',
          `${req.what}: registry answered HTTP ${r.status} after ${attempt + 1} attempt(s) over ${Math.round(spent / 100) / 10}s`,
          {
            hint:
              r.status === 429 ? 'the registry is rate limiting; retry later or authenticate' : 'retry later',
          },
        );
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

  private async sendFollowingRedirects(req: HttpRequest): Promise<HttpResponse> {
    let url = new URL(req.url);
    const origin = url.origin;
    let method = req.method;
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === origin;
      const res = await this.sendOnce(req, url, method, sameOrigin);
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
      if (res.status === 303) method = 'GET';
      url = next;
    }
  }

  private async sendOnce(
    req: HttpRequest,
    url: URL,
    method: string,
    sameOrigin: boolean,
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent, ...req.headers };
    // Authorization belongs to the registry's origin only: storage backends get signed URLs instead.
    if (req.authorization && sameOrigin) headers.authorization = req.authorization;
    let r: Awaited<ReturnType<typeof request>>;
    try {
      r = await request(url, {
        method: method as 'GET',
        headers,
        body: req.body,
        dispatcher: this.agent,
      });
    } catch (e) {
      this.counters.failedConnections++;
      throw classifyNetworkError(e, req.what, url);
    }
    // Counted once answered: a refused connection or a TLS probe is not an HTTP request.
    this.counters.requests++;
    this.counters.byMethod[method] = (this.counters.byMethod[method] ?? 0) + 1;
    const flat = flattenHeaders(r.headers);
    const declared = Number(flat['content-length']);
    const isRedirect = r.statusCode >= 300 && r.statusCode < 400;
    const limit = r.statusCode >= 200 && r.statusCode < 300 && !isRedirect ? req.maxBytes : 64 * 1024;
    if (method === 'HEAD') {
      await r.body.dump();
      return {
        status: r.statusCode,
        headers: flat,
        body: Buffer.alloc(0),
        digest: EMPTY_SHA256,
        url: url.toString(),
      };
    }
    if (Number.isFinite(declared) && declared > limit && r.statusCode < 300) {
      discard(r.body);
      throw sizeError(req.what, limit, `Content-Length ${declared}`);
    }
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of r.body) {
        const b = chunk as Buffer;
        total += b.length;
        if (total > limit) {
          discard(r.body);
          if (r.statusCode >= 300) break; // error bodies are only read for their first bytes
          throw sizeError(req.what, limit, 'the body');
        }
        hash.update(b);
        chunks.push(b);
      }
    } catch (e) {
      if (e instanceof TrustgateError) throw e;
      throw classifyNetworkError(e, req.what, url, 'while reading the body');
    }
    const body = Buffer.concat(chunks);
    const digest = `sha256:${hash.digest('hex')}` as Digest;
    if (Number.isFinite(declared) && r.statusCode < 300 && body.length !== declared) {
      throw new TrustgateError(
        'REGISTRY_ERROR',
        `${req.what}: body was truncated: ${body.length} of ${declared} bytes`,
        { hint: 'the connection was cut; retry' },
      );
    }
    if (req.expectDigest && r.statusCode >= 200 && r.statusCode < 300 && digest !== req.expectDigest) {
      throw new TrustgateError(
        'DIGEST_MISMATCH',
        `${req.what}: content digest ${digest} does not match the requested ${req.expectDigest}`,
        {
          hint: 'the registry served different bytes than the digest names; do not trust this registry response',
        },
      );
    }
    return { status: r.statusCode, headers: flat, body, digest, url: url.toString() };
  }
}

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' as Digest;

class RetryableNetworkError extends Error {
  constructor(readonly error: TrustgateError) {
    super(error.message);
  }
}

/** Drop a body we will not read; its abort error is expected and must not surface as unhandled. */
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
}

function sizeError(what: string, limit: number, which: string): TrustgateError {
  return new TrustgateError('SIZE_LIMIT', `${what}: ${which} exceeds the ${limit}-byte limit`, {
    hint: 'raise the limit only if you expect content this large',
  });
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Whether an error means the server speaks plain HTTP where TLS was attempted. */
export function isTlsProtocolMismatch(e: unknown): boolean {
  return (
    e instanceof TrustgateError &&
    e.code === 'TLS' &&
    /wrong version number|packet length too long|EPROTO/i.test(
      String((e.cause as Error)?.message ?? e.message),
    )
  );
}

function classifyNetworkError(e: unknown, what: string, url: URL, phase = ''): Error {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const msg = err.cause?.message ?? err.message ?? String(e);
  const where = `${url.protocol}//${url.host}`;
  const suffix = phase ? ` ${phase}` : '';
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new RetryableNetworkError(
      new TrustgateError('TIMEOUT', `${what}: ${where} timed out${suffix}`, {
        hint: 'check the registry, or raise --timeout',
      }),
    );
  }
  if (/ERR_TLS|CERT|SSL|EPROTO|self[- ]signed|unable to verify/i.test(`${code} ${msg}`)) {
    return new TrustgateError('TLS', `${what}: TLS with ${where} failed: ${msg.split('\n')[0]}`, {
      hint: 'add the registry CA with --registry-cacert, or use --allow-insecure-registry for testing only',
      cause: e,
    });
  }
  if (RETRYABLE_NET.has(code)) {
    return new RetryableNetworkError(
      new TrustgateError(
        'REGISTRY_UNREACHABLE',
        `${what}: connection to ${where} failed${suffix} (${code})`,
        {
          hint: 'retry later',
          cause: e,
        },
      ),
    );
  }
  return new TrustgateError(
    'REGISTRY_UNREACHABLE',
    `${what}: cannot reach ${where}${suffix}: ${code || msg.split('\n')[0]}`,
    { hint: 'check the registry host and port, and your network', cause: e },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
