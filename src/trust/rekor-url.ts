/**
 * cosign's --rekor-url, offline: it names which transparency log of the trusted root must hold a
 * signature's entry. trustgate never contacts the log; it keeps only that log's key.
 */
import { TrustgateError } from '../errors.js';
import type { LoadedTrustRoot } from './roots.js';

/** cosign's default: accepted as asking for nothing beyond the trusted root's own logs. */
export const COSIGN_DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

function normalized(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url.replace(/\/+$/, '');
  }
}

/** The root with only the logs at `url`; an error when none of its logs is there. */
export function selectRekorLog(base: LoadedTrustRoot, url: string): LoadedTrustRoot {
  if (normalized(url) === COSIGN_DEFAULT_REKOR_URL) return base;
  const want = normalized(url);
  const tlogs = base.root.tlogs.filter((t) => normalized(t.baseUrl) === want);
  if (tlogs.length === 0) {
    const known = [...new Set(base.root.tlogs.map((t) => t.baseUrl))].join(', ') || 'none';
    throw new TrustgateError(
      'USAGE',
      `rekorUrl ${url}: no transparency log of the trusted root (${base.description}) is at this URL; its logs: ${known}`,
      { option: 'rekorUrl', hint: 'pass --trusted-root with a root that lists this log' },
    );
  }
  return {
    root: { ...base.root, tlogs },
    description: `${base.description}, log ${url} only`,
  };
}
