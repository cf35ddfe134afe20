/**
 * Rekor `intoto` 0.0.1 entries: old cosign `.att` layers carry them (slsa-github-generator v1.4 images,
 * for instance) and cosign accepts them; sigstore-js takes only intoto 0.0.2 and dsse. This narrow
 * addition checks such an entry the way the log meant it: the SET through sigstore-js's own SET check,
 * and the body's hashes against the exact envelope and payload. The entry's time then stands as the
 * signature's verified time, and sigstore-js verifies everything else.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { TransparencyLogEntry } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { TrustgateError } from '../errors.js';
import type { LoadedTrustRoot } from '../trust/roots.js';

const require = createRequire(import.meta.url);
// Not part of @sigstore/verify's index, but its own SET check: reused, not rewritten.
const { verifyTLogSET } = require('@sigstore/verify/dist/tlog/set.js') as {
  verifyTLogSET(entry: TransparencyLogEntry, tlogs: ReturnType<typeof toTrustMaterial>['tlogs']): void;
};

/** The trusted logs of a root, built once per root rather than per entry. */
const tlogsByRoot = new WeakMap<LoadedTrustRoot, ReturnType<typeof toTrustMaterial>['tlogs']>();
function tlogsOf(root: LoadedTrustRoot): ReturnType<typeof toTrustMaterial>['tlogs'] {
  let t = tlogsByRoot.get(root);
  if (!t) {
    t = toTrustMaterial(root.root).tlogs;
    tlogsByRoot.set(root, t);
  }
  return t;
}

export function isIntotoV001(e: TransparencyLogEntry): boolean {
  return e.kindVersion?.kind === 'intoto' && e.kindVersion.version === '0.0.1';
}

interface IntotoV001Body {
  kind?: string;
  apiVersion?: string;
  spec?: {
    content?: {
      hash?: { algorithm?: string; value?: string };
      payloadHash?: { algorithm?: string; value?: string };
    };
  };
}

/** Verify one intoto 0.0.1 entry; returns the log time it proves. */
export function verifyIntotoV001(
  entry: TransparencyLogEntry,
  envelopeBytes: Uint8Array | undefined,
  payload: Uint8Array,
  trustRoot: LoadedTrustRoot,
): Date {
  if (!entry.inclusionPromise)
    throw new TrustgateError('SIGNATURE_INVALID', 'intoto 0.0.1 log entry without a SET');
  try {
    verifyTLogSET(entry, tlogsOf(trustRoot));
  } catch {
    throw new TrustgateError(
      'SIGNATURE_INVALID',
      "the Rekor SET of the intoto 0.0.1 entry does not verify against the trusted root's log keys",
    );
  }
  let body: IntotoV001Body;
  try {
    body = JSON.parse(entry.canonicalizedBody.toString('utf8')) as IntotoV001Body;
  } catch {
    throw new TrustgateError('SIGNATURE_INVALID', 'the intoto 0.0.1 log entry body is not JSON');
  }
  if (body.kind !== 'intoto' || body.apiVersion !== '0.0.1')
    throw new TrustgateError('SIGNATURE_INVALID', 'the log entry body is not intoto 0.0.1');
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const content = body.spec?.content;
  if (content?.payloadHash?.algorithm !== 'sha256' || content.payloadHash.value !== sha(payload)) {
    throw new TrustgateError('SIGNATURE_INVALID', 'the intoto 0.0.1 log entry records another payload');
  }
  // The envelope hash binds the logged entry to this signature (the body holds no signature itself).
  if (!envelopeBytes || content.hash?.algorithm !== 'sha256' || content.hash.value !== sha(envelopeBytes)) {
    throw new TrustgateError('SIGNATURE_INVALID', 'the intoto 0.0.1 log entry records another envelope');
  }
  return new Date(Number(entry.integratedTime) * 1000);
}
