/**
 * Typed errors with stable codes. The code is part of the public contract (JSON output, library
 * callers); the message is for humans and always says what was checked, against what, and a fix.
 */
import { redact } from './util/secrets.js';

export type ErrorCode =
  | 'USAGE'
  | 'REFERENCE_INVALID'
  | 'LAYOUT_INVALID'
  | 'LAYOUT_PATH_ESCAPE'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_UNKNOWN'
  | 'BLOB_UNKNOWN'
  | 'DIGEST_MISMATCH'
  | 'DIGEST_INVALID'
  | 'SIZE_LIMIT'
  | 'COUNT_LIMIT'
  | 'MANIFEST_INVALID'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PLATFORM_NOT_FOUND'
  | 'AUTH_FAILED'
  | 'DENIED'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_ERROR'
  | 'TIMEOUT'
  | 'TLS'
  | 'REDIRECT'
  | 'CREDENTIALS'
  | 'KEY_INVALID'
  | 'KEY_UNAVAILABLE'
  | 'TRUST_ROOT_INVALID'
  | 'SIGNATURE_INVALID'
  | 'PAYLOAD_INVALID'
  | 'BUNDLE_INVALID'
  | 'OFFLINE'
  /** A CUE policy that does not compile or load (syntax, conflicting constraints of its own). */
  | 'POLICY_INVALID';

export class TrustgateError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /**
   * The library option the error is about (e.g. `signatureRepository`), so that the CLI can name
   * its flag (src/cli/flags.ts) while the library's own message stays free of flags.
   */
  readonly option: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { hint?: string; cause?: unknown; option?: string },
  ) {
    // Known secrets are removed when the error is made (a registry may echo a token in the body
    // quoted here) and again when it is rendered (for secrets learned after it was made).
    super(redact(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrustgateError';
    this.code = code;
    this.hint = options?.hint === undefined ? undefined : redact(options.hint);
    this.option = options?.option;
  }

  /** One line: message, then the fix when there is one. */
  oneLine(): string {
    return redact(this.hint ? `${this.message} (${this.hint})` : this.message);
  }
}

/** A bad command line or option: exit code 2 on the CLI. */
export class UsageError extends TrustgateError {
  constructor(message: string, options?: { hint?: string; cause?: unknown; option?: string }) {
    super('USAGE', message, options);
    this.name = 'UsageError';
  }
}

export function isTrustgateError(e: unknown): e is TrustgateError {
  return e instanceof TrustgateError;
}

/**
 * Runs `f`; a plain TrustgateError it throws that names no option is thrown again naming `option`,
 * so a shared helper (safe-fs) need not know which option its path came from.
 */
export function aboutOption<T>(option: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TrustgateError && e.constructor === TrustgateError && e.option === undefined)
      throw new TrustgateError(e.code, e.message, { ...(e.hint ? { hint: e.hint } : {}), cause: e, option });
    throw e;
  }
}

/** A one-line reason for any thrown value, never a stack trace, never a known secret. */
export function describeError(e: unknown): string {
  if (e instanceof TrustgateError) return e.oneLine();
  if (e instanceof Error) return redact(e.message.split('\n')[0] ?? String(e));
  return redact(String(e));
}
