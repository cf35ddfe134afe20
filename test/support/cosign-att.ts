/** Legacy cosign `.att` layers: a DSSE envelope signed with a key, as `cosign attest` writes them. */
import { dsse } from '@sigstore/core';
import { CosignAnnotation, CosignMediaType } from '../../src/discovery/media-types.js';
import type { SigLayer } from './cosign-sig.js';
import { signBytes, type TestKey } from './signing.js';

export function dsseEnvelope(
  key: TestKey,
  payload: Uint8Array,
  opts: { payloadType?: string; signatures?: number } = {},
): Buffer {
  const payloadType = opts.payloadType ?? 'application/vnd.in-toto+json';
  const sig = signBytes(key, dsse.preAuthEncoding(payloadType, Buffer.from(payload)));
  const signatures = Array.from({ length: opts.signatures ?? 1 }, () => ({ keyid: '', sig }));
  return Buffer.from(
    JSON.stringify({ payloadType, payload: Buffer.from(payload).toString('base64'), signatures }),
  );
}

export function attLayer(
  envelope: Buffer,
  predicateType: string,
  extra: Record<string, string> = {},
): SigLayer {
  return {
    payload: envelope,
    mediaType: CosignMediaType.DSSE_ENVELOPE,
    annotations: {
      [CosignAnnotation.PREDICATE_TYPE]: predicateType,
      [CosignAnnotation.SIGNATURE]: '',
      ...extra,
    },
  };
}
