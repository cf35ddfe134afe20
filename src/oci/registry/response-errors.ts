/**
 * What a registry's non-success answer means, as a typed error (the distribution spec's error body
 * gives the code and message), and where a paginated list continues.
 */
import { TrustgateError } from '../../errors.js';
import { isDigest, truncate } from '../../reference/digest.js';
import { safeUrl } from '../../util/redact.js';
import type { HttpResponse } from './transport.js';

interface RegistryErrorBody {
  errors?: Array<{ code?: string; message?: string }>;
}

/** The error for a response that is not a 200; `ref` is the tag or digest asked for ('' for lists). */
export function responseError(res: HttpResponse, what: string, name: string, ref: string): TrustgateError {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const body = JSON.parse(res.body.toString('utf8')) as RegistryErrorBody;
    code = body.errors?.[0]?.code;
    message = body.errors?.[0]?.message;
  } catch {
    // Not a registry error body.
  }
  const detail = message ? `: ${truncate(message, 120)}` : ''; // truncate redacts first
  if (res.status === 404) {
    if (code === 'NAME_UNKNOWN') {
      return new TrustgateError('NAME_UNKNOWN', `${what}: repository ${name} not found${detail}`, {
        hint: 'check the registry and repository name',
      });
    }
    if (code === 'BLOB_UNKNOWN' || what.startsWith('blob')) {
      return new TrustgateError('BLOB_UNKNOWN', `${what}: blob not found${detail}`);
    }
    return new TrustgateError(
      'MANIFEST_UNKNOWN',
      `${what}: ${isDigest(ref) ? 'digest' : 'tag'} ${truncate(ref, 80)} not found in ${name}${detail}`,
      { hint: 'check the tag, or list tags of the repository' },
    );
  }
  if (res.status === 403) {
    return new TrustgateError('DENIED', `${what}: access denied by the registry${detail}`, {
      hint: 'the credentials lack access to this repository',
    });
  }
  if (res.status === 401) {
    return new TrustgateError('AUTH_FAILED', `${what}: unauthorized${detail}`, {
      hint: 'check --registry-username/--registry-password or docker login',
    });
  }
  return new TrustgateError(
    'REGISTRY_ERROR',
    `${what}: registry answered HTTP ${res.status}${detail} (${safeUrl(res.url)})`,
  );
}

/** The path+query of a `Link: <…>; rel="next"` header, kept on the same registry. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  if (!m) return undefined;
  const u = new URL(m[1]!, 'http://registry.invalid');
  return u.pathname + u.search;
}
