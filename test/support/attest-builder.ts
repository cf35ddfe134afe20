/**
 * Attestations the fixture builder makes: statements whose predicate is embedded byte for byte (so
 * `extract --predicate-only` must hand back exactly those bytes), wrapped as cosign `.att` layers.
 */
import type { Digest } from '../../src/reference/digest.js';
import { attLayer, dsseEnvelope } from './cosign-att.js';
import type { SigLayer } from './cosign-sig.js';
import type { TestKey } from './signing.js';

/** A statement with `predicate` spliced in verbatim (trailing whitespace dropped). */
export function statementEmbedding(
  digest: Digest,
  predicateType: string,
  predicateJson: Uint8Array,
  name = 'image',
): Buffer {
  const head = JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { sha256: digest.slice(7) } }],
    predicateType,
  });
  const pred = Buffer.from(predicateJson).toString('utf8').trimEnd();
  return Buffer.from(`${head.slice(0, -1)},"predicate":${pred}}`);
}

export function attestationLayer(
  key: TestKey,
  digest: Digest,
  predicateType: string,
  predicateJson: Uint8Array,
): SigLayer {
  return attLayer(dsseEnvelope(key, statementEmbedding(digest, predicateType, predicateJson)), predicateType);
}
