/**
 * The errors HTTP transfers end in, each saying which request, which host, what limit and what to
 * change. The ones wrapped in RetryableNetworkError may pass on a second attempt; the transport
 * unwraps them once its retries are spent.
 */
import { TrustgateError } from '../../errors.js';
import type { Digest } from '../../reference/digest.js';

// The hints name the CLI flag and the library option side by side: this library message is what the
// CLI prints, and tests pin '--request-timeout' and '--min-transfer-rate' in it.

const RETRYABLE_NET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** Retried (within the retry budget and the deadline): a stalled connection may be a passing fault. */
export function idleError(what: string, url: URL, limitMs: number, phase: string): RetryableNetworkError {
  return new RetryableNetworkError(
    new TrustgateError(
      'TIMEOUT',
      `${what}: ${url.protocol}//${url.host} timed out: silent for ${seconds(limitMs)} ${phase}`,
      { hint: 'check the registry, or raise --idle-timeout (library: timeoutMs)' },
    ),
  );
}

/** Not retried: the deadline already covers every attempt of the request. */
export function deadlineError(what: string, url: URL, limitMs: number, phase: string): TrustgateError {
  return new TrustgateError(
    'TIMEOUT',
    `${what}: ${url.protocol}//${url.host} did not finish within the ${seconds(limitMs)} request deadline (${phase})`,
    { hint: 'check the registry, or raise --request-timeout (library: requestTimeoutMs)' },
  );
}

export function runDeadlineError(what: string, limitMs: number): TrustgateError {
  return new TrustgateError(
    'TIMEOUT',
    `${what}: the run's ${seconds(limitMs)} for registry traffic is spent; nothing more is fetched`,
    { hint: 'check the registry, or raise -t/--timeout (library: runTimeoutMs) for long batches' },
  );
}

/** Not retried: a registry this slow would be as slow again, and the deadline is shared. */
export function slowError(
  what: string,
  url: URL,
  got: number,
  windowMs: number,
  rate: number,
): TrustgateError {
  return new TrustgateError(
    'TIMEOUT',
    `${what}: ${url.protocol}//${url.host} sent ${got} bytes in ${seconds(windowMs)}, below the minimum transfer rate of ${rate} bytes/s`,
    { hint: 'check the registry, or lower --min-transfer-rate (library: minTransferRate; 0 disables)' },
  );
}

/** The retry budget, count or deadline ran out while the registry kept answering a retryable status. */
export function retriesSpent(
  what: string,
  status: number,
  attempts: number,
  spentMs: number,
): TrustgateError {
  return new TrustgateError(
    'REGISTRY_ERROR',
    `${what}: registry answered HTTP ${status} after ${attempts} attempt(s) over ${seconds(spentMs)}`,
    { hint: status === 429 ? 'the registry is rate limiting; retry later or authenticate' : 'retry later' },
  );
}

export function digestMismatch(what: string, got: Digest, want: Digest): TrustgateError {
  return new TrustgateError(
    'DIGEST_MISMATCH',
    `${what}: content digest ${got} does not match the requested ${want}`,
    {
      hint: 'the registry served different bytes than the digest names; do not trust this registry response',
    },
  );
}

export function truncated(what: string, got: number, declared: number): TrustgateError {
  const of = Number.isFinite(declared) ? ` of ${declared}` : '';
  return new TrustgateError('REGISTRY_ERROR', `${what}: body was truncated: ${got}${of} bytes`, {
    hint: 'the connection was cut; retry',
  });
}

export class RetryableNetworkError extends Error {
  constructor(readonly error: TrustgateError) {
    super(error.message);
  }
}

export function sizeError(what: string, limit: number, which: string): TrustgateError {
  return new TrustgateError('SIZE_LIMIT', `${what}: ${which} exceeds the ${limit}-byte limit`, {
    hint: 'raise the limit only if you expect content this large',
  });
}

/** Codes and messages along an error's cause chain (fetch wraps the socket error). */
function causeChain(e: unknown): string {
  const parts: string[] = [];
  let cur = e as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; cur && depth < 5; depth++) {
    parts.push(`${String(cur.code ?? '')} ${String(cur.message ?? '')}`);
    cur = cur.cause as typeof cur;
  }
  return parts.join(' | ');
}

/** Whether an error means the server speaks plain HTTP where TLS was attempted. */
export function isTlsProtocolMismatch(e: unknown): boolean {
  return (
    e instanceof TrustgateError &&
    e.code === 'TLS' &&
    /WRONG_VERSION_NUMBER|wrong version number|packet length too long|EPROTO/i.test(causeChain(e.cause))
  );
}

export function classifyNetworkError(e: unknown, what: string, url: URL, phase = ''): Error {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code ?? '';
  const msg = err.cause?.message ?? err.message ?? String(e);
  const chain = causeChain(e);
  const where = `${url.protocol}//${url.host}`;
  const suffix = phase ? ` ${phase}` : '';
  if (code === 'ETIMEDOUT') {
    return new RetryableNetworkError(
      new TrustgateError('TIMEOUT', `${what}: ${where} timed out${suffix}`, {
        hint: 'check the registry, or raise --idle-timeout',
      }),
    );
  }
  if (/ERR_TLS|CERT|SSL|EPROTO|self[- ]signed|unable to verify/i.test(chain)) {
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
