/**
 * Reading the layers of a cosign manifest (a legacy tag or a signature referrer) as digest-checked
 * bytes, bounded by the layer count, the payload size and the image's budget.
 */
import { TrustgateError } from '../errors.js';
import type { ImageManifest } from '../oci/schema.js';
import { type Digest, sha256Digest } from '../reference/digest.js';
import { CosignAnnotation, CosignMediaType, SIMPLE_SIGNING_TYPE } from './media-types.js';
import type { Reading, Stage } from './reading.js';
import type { DsseAttestationLayer, Origin, SimpleSigningSignature } from './types.js';

export interface LoadedManifest {
  digest: Digest;
  manifest: ImageManifest;
}

function checkLayerCount(r: Reading, m: LoadedManifest): void {
  if (m.manifest.layers.length > r.limits.maxSignatureLayers) {
    throw new TrustgateError(
      'COUNT_LIMIT',
      `${r.source.name}@${m.digest} has ${m.manifest.layers.length} layers, over the limit of ${r.limits.maxSignatureLayers} signatures`,
      { hint: 'a signature manifest this large is hostile or broken; raise the limit only if you expect it' },
    );
  }
}

function optionalAnnotations(
  a: Record<string, string> | undefined,
): Pick<SimpleSigningSignature, 'certificate' | 'chain' | 'rekorBundle' | 'rfc3161Timestamp'> {
  const out: Pick<SimpleSigningSignature, 'certificate' | 'chain' | 'rekorBundle' | 'rfc3161Timestamp'> = {};
  const cert = a?.[CosignAnnotation.CERTIFICATE];
  const chain = a?.[CosignAnnotation.CHAIN];
  const bundle = a?.[CosignAnnotation.BUNDLE];
  const ts = a?.[CosignAnnotation.RFC3161_TIMESTAMP];
  if (cert) out.certificate = cert;
  if (chain) out.chain = chain;
  if (bundle) out.rekorBundle = bundle;
  if (ts) out.rfc3161Timestamp = ts;
  return out;
}

/**
 * The simple-signing payload `cosign sign` writes when given no annotations, byte for byte, for each
 * name the image may have been signed under. A `.sig` layer whose digest is one of these guesses'
 * digests holds exactly those bytes, so it need not be fetched: comparing the digest is the same
 * check a fetch would make, and the signature over the bytes is verified all the same.
 */
export function simpleSigningGuesses(imageName: string, digest: Digest): Map<Digest, Uint8Array> {
  const names = [imageName];
  if (imageName.startsWith('docker.io/'))
    names.push(`index.docker.io/${imageName.slice('docker.io/'.length)}`);
  const guesses = new Map<Digest, Uint8Array>();
  for (const name of names) {
    const bytes = Buffer.from(
      JSON.stringify({
        critical: {
          identity: { 'docker-reference': name },
          image: { 'docker-manifest-digest': digest },
          type: SIMPLE_SIGNING_TYPE,
        },
        optional: null,
      }),
    );
    guesses.set(sha256Digest(bytes), bytes);
  }
  return guesses;
}

/** One payload blob, read once per image and charged to its budget. */
export async function fetchPayload(r: Stage & Pick<Reading, 'guesses'>, digest: Digest): Promise<Uint8Array> {
  const { budget, limits } = r;
  const cached = budget.cache.get(digest);
  if (cached) return cached;
  const known = r.guesses?.get(digest);
  if (known && known.length <= limits.maxPayloadBytes && budget.used + known.length <= budget.max) {
    budget.used += known.length;
    budget.cache.set(digest, known);
    return known;
  }
  const bytes = await r.source.getBlob(digest, {
    maxBytes: Math.min(limits.maxPayloadBytes, Math.max(0, budget.max - budget.used)),
  });
  budget.used += bytes.length;
  budget.cache.set(digest, bytes);
  return bytes;
}

/** The layers of `mediaType` in a cosign manifest, bounded, each read as digest-checked bytes. */
async function readLayers(
  r: Reading,
  m: LoadedManifest,
  mediaType: string,
): Promise<Array<{ bytes: Uint8Array; origin: Origin; annotations: Record<string, string> }>> {
  checkLayerCount(r, m);
  const keep = r.keep ?? (() => true);
  const out: Array<{ bytes: Uint8Array; origin: Origin; annotations: Record<string, string> }> = [];
  for (const layer of m.manifest.layers) {
    // Layers of any other type in a cosign manifest are not what we look for: ignored.
    if (layer.mediaType !== mediaType || !keep(layer.annotations ?? {})) continue;
    const bytes = await fetchPayload(r, layer.digest);
    out.push({
      bytes,
      origin: { via: r.via, manifest: m.digest, layer: layer.digest },
      annotations: layer.annotations ?? {},
    });
  }
  return out;
}

/** The signatures of a `.sig` manifest or signature referrer; `r.keep` is replaced, not combined. */
export async function readSimpleSigningLayers(
  r: Reading,
  m: LoadedManifest,
): Promise<SimpleSigningSignature[]> {
  // A layer with no signature annotation is no signature: not even fetched.
  const layers = await readLayers(
    { ...r, keep: (a) => a[CosignAnnotation.SIGNATURE] !== undefined },
    m,
    CosignMediaType.SIMPLE_SIGNING,
  );
  return layers.flatMap(({ bytes, origin, annotations }) => {
    const signature = annotations[CosignAnnotation.SIGNATURE];
    if (signature === undefined) return [];
    return [
      {
        format: 'simplesigning' as const,
        origin,
        payload: bytes,
        signature,
        ...optionalAnnotations(annotations),
      },
    ];
  });
}

/** The DSSE envelopes of a `.att` manifest that `r.keep` wants. */
export async function readDsseLayers(r: Reading, m: LoadedManifest): Promise<DsseAttestationLayer[]> {
  const layers = await readLayers(r, m, CosignMediaType.DSSE_ENVELOPE);
  return layers.map(({ bytes, origin, annotations }) => {
    const { rfc3161Timestamp: _unused, ...material } = optionalAnnotations(annotations);
    const item: DsseAttestationLayer = { format: 'dsse-layer', origin, bytes, ...material };
    const pt = annotations[CosignAnnotation.PREDICATE_TYPE];
    if (pt) item.annotatedPredicateType = pt;
    return item;
  });
}
