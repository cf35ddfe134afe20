/** OCI content digests. Only sha256 is accepted for content we verify; everything else is refused. */
import { createHash } from 'node:crypto';
import { TrustgateError } from '../errors.js';
import { redact } from '../util/secrets.js';

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export type Digest = `sha256:${string}`;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** Parse a digest string, naming what is wrong with it. */
export function parseDigest(s: string, what = 'digest'): Digest {
  if (isDigest(s)) return s;
  if (ANY_DIGEST_RE.test(s)) {
    const alg = s.slice(0, s.indexOf(':'));
    if (alg !== 'sha256') {
      throw new TrustgateError('DIGEST_INVALID', `${what} "${truncate(s)}" uses algorithm "${alg}"`, {
        hint: 'only sha256 digests are supported',
      });
    }
  }
  throw new TrustgateError('DIGEST_INVALID', `${what} "${truncate(s)}" is not a sha256 digest`, {
    hint: 'expected sha256: followed by 64 lowercase hex characters',
  });
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

/** cosign's tag scheme: sha256:abc… → sha256-abc… */
export function digestTag(d: Digest, suffix = ''): string {
  return `sha256-${digestHex(d)}${suffix}`;
}

export function truncate(s: string, max = 80): string {
  // Redacted before cutting: a cut secret would no longer be recognised later.
  const r = redact(s);
  return r.length <= max ? r : `${r.slice(0, max)}…`;
}
