/**
 * Finds everything attached to a digest, from a registry or a layout: the legacy cosign tags
 * (`sha256-<hex>.sig` / `.att`), OCI 1.1 referrers (the API or the tag fallback), and `cosign save`
 * layout entries. Nothing here is trusted yet: every manifest and blob is digest-checked, counts and
 * sizes are bounded, and verification decides what counts.
 */
import { TrustgateError } from '../errors.js';
import type { Descriptor, ImageManifest } from '../oci/schema.js';
import { parseManifest } from '../oci/schema.js';
import type { ImageSource } from '../oci/source.js';
import { type Digest, digestTag, sha256Digest } from '../reference/digest.js';
import { CosignAnnotation, CosignMediaType, SIMPLE_SIGNING_TYPE } from './media-types.js';
import type {
  Discovery,
  DsseAttestationLayer,
  Origin,
  SigstoreBundleArtifact,
  SimpleSigningSignature,
  UnsignedAttachment,
} from './types.js';

export interface DiscoveryLimits {
  /** Most signature (or attestation) layers read from one manifest. */
  maxSignatureLayers: number;
  /** Most referrers examined for one digest. */
  maxReferrers: number;
  /** Largest signature payload, bundle or envelope read into memory. */
  maxPayloadBytes: number;
  /** All payloads of one image together (a blob named by many layers is read and counted once). */
  maxTotalPayloadBytes?: number;
}

export const DEFAULT_DISCOVERY_LIMITS: DiscoveryLimits = {
  maxSignatureLayers: 1000,
  maxReferrers: 1000,
  maxPayloadBytes: 16 * 1024 * 1024,
};

export interface DiscoverOptions {
  /** Where the legacy `.sig`/`.att` tags live, when not beside the image (cosign's COSIGN_REPOSITORY). */
  signatureSource?: ImageSource;
  limits?: Partial<DiscoveryLimits>;
  /** Also read legacy `.att` layers (attestation commands); signature verification skips them. */
  attestations?: boolean;
}

export function emptyDiscovery(digest: Digest): Discovery {
  return { digest, simpleSigning: [], bundles: [], dsseLayers: [], unsigned: [], searched: [] };
}

/** Everything: referrers, then the legacy tags. */
export async function discover(
  source: ImageSource,
  digest: Digest,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const result = emptyDiscovery(digest);
  await discoverReferrers(source, digest, options, result);
  await discoverLegacyTags(source, digest, options, result);
  return result;
}

/**
 * What a caller (policy evaluation) still needs, so discovery may stop once more attachments could
 * not change the outcome. Only a caller whose outcome can only improve with more evidence may pass one.
 */
export interface DiscoveryPlan {
  /** Whether an attachment annotated with this predicateType may matter. Unannotated ones are always read. */
  wants(predicateType: string): boolean;
  /** True once what has been read settles the outcome, so the rest need not be read. */
  enough(found: Discovery): boolean;
}

/** Attachments put off by a plan, read only if what came before did not settle the outcome. */
interface Deferred {
  what: string;
  read(): Promise<void>;
}

/**
 * Discovery in stages, cheapest evidence first: referrers (one listing covers all of them), then the
 * legacy tags, then whatever the plan's annotations said was not wanted. It stops after a stage once
 * `plan.enough`; if no stage settles it, everything has been read, as `discover` would.
 */
export async function discoverAsNeeded(
  source: ImageSource,
  digest: Digest,
  plan: DiscoveryPlan,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const result = emptyDiscovery(digest);
  const deferred: Deferred[] = [];
  const position = new Map<string, number>();
  const deferral = { plan, deferred, position };
  await discoverReferrers(source, digest, options, result, deferral);
  if (plan.enough(result)) {
    result.unread = [
      `legacy tags ${digestTag(digest, '.sig')} and ${digestTag(digest, '.att')}`,
      ...deferred.map((d) => d.what),
    ];
    return result;
  }
  await discoverLegacyTags(source, digest, { ...options, attestations: true }, result, deferral);
  if (deferred.length === 0 || plan.enough(result)) {
    if (deferred.length > 0) result.unread = deferred.map((d) => d.what);
    return result;
  }
  for (const d of deferred) await d.read();
  // Back in the order `discover` gives, so that every later choice among equals (candidates with the
  // same time) is the one exhaustive discovery would make.
  const at = (key: string) => position.get(key) ?? 0;
  result.bundles.sort((a, b) => at(a.origin.manifest) - at(b.origin.manifest));
  result.dsseLayers.sort((a, b) => at(a.origin.layer) - at(b.origin.layer));
  return result;
}

interface Deferral {
  plan: DiscoveryPlan;
  deferred: Deferred[];
  /** Where each referrer (by manifest digest) and `.att` layer (by digest) stands in its listing. */
  position: Map<string, number>;
}

/** The legacy cosign tags: `sha256-<hex>.sig`, and `.att` when attestations are asked for. */
export async function discoverLegacyTags(
  source: ImageSource,
  digest: Digest,
  options: DiscoverOptions,
  result: Discovery,
  deferral?: Deferral,
): Promise<void> {
  const limits = { ...DEFAULT_DISCOVERY_LIMITS, ...options.limits };
  const sigSource = options.signatureSource ?? source;
  const sigTag = digestTag(digest, '.sig');
  result.searched.push(`${sigSource.name}:${sigTag}`);
  const legacySig = await manifestIfPresent(sigSource, sigTag);
  if (legacySig) {
    result.simpleSigning.push(
      ...(await readSimpleSigningLayers(
        sigSource,
        legacySig,
        `tag:${sigTag}`,
        limits,
        budgetFor(result, limits),
        simpleSigningGuesses(source.name, digest),
      )),
    );
  }
  if (options.attestations) {
    const attTag = digestTag(digest, '.att');
    result.searched.push(`${sigSource.name}:${attTag}`);
    const legacyAtt = await manifestIfPresent(sigSource, attTag);
    if (legacyAtt) {
      const read = (keep: (a: Record<string, string>) => boolean) =>
        readDsseLayers(sigSource, legacyAtt, `tag:${attTag}`, limits, budgetFor(result, limits), keep);
      const plan = deferral?.plan;
      const wanted = (a: Record<string, string>) => {
        const pt = a[CosignAnnotation.PREDICATE_TYPE];
        return !plan || pt === undefined || plan.wants(pt);
      };
      legacyAtt.manifest.layers.forEach((l, i) => {
        if (!deferral?.position.has(l.digest)) deferral?.position.set(l.digest, i);
      });
      result.dsseLayers.push(...(await read(wanted)));
      const unwanted = legacyAtt.manifest.layers.filter(
        (l) => l.mediaType === CosignMediaType.DSSE_ENVELOPE && !wanted(l.annotations ?? {}),
      );
      if (unwanted.length > 0)
        deferral?.deferred.push({
          what: `${unwanted.length} layer(s) of ${sigSource.name}:${attTag} (${[...new Set(unwanted.map((l) => l.annotations?.[CosignAnnotation.PREDICATE_TYPE]))].join(', ')})`,
          read: async () => {
            result.dsseLayers.push(...(await read((a) => !wanted(a))));
          },
        });
    }
  }
}

/** OCI 1.1 referrers of the digest: the referrers API, or the `sha256-<hex>` tag fallback. */
export async function discoverReferrers(
  source: ImageSource,
  digest: Digest,
  options: DiscoverOptions,
  result: Discovery,
  deferral?: Deferral,
): Promise<void> {
  const limits = { ...DEFAULT_DISCOVERY_LIMITS, ...options.limits };
  const referrers = await source.referrers(digest);
  result.searched.push(`referrers of ${source.name}@${digest} (${referrers.via})`);
  if (referrers.descriptors.length > limits.maxReferrers) {
    throw new TrustgateError(
      'COUNT_LIMIT',
      `${source.name}@${digest} has ${referrers.descriptors.length} referrers, over the limit of ${limits.maxReferrers}`,
    );
  }
  referrers.descriptors.forEach((d, i) => {
    if (!deferral?.position.has(d.digest)) deferral?.position.set(d.digest, i);
  });
  for (const d of referrers.descriptors) {
    // The referrers API copies each manifest's annotations into its entry; cosign's fallback index does not.
    const hint = d.annotations?.[CosignAnnotation.BUNDLE_PREDICATE_TYPE];
    const read = () => readReferrer(source, digest, d, referrers.via, limits, result, deferral);
    if (deferral && hint !== undefined && !deferral.plan.wants(hint))
      deferral.deferred.push({ what: `referrer ${d.digest} (${hint})`, read });
    else await read();
  }
}

interface LoadedManifest {
  digest: Digest;
  manifest: ImageManifest;
}

async function manifestIfPresent(source: ImageSource, tag: string): Promise<LoadedManifest | undefined> {
  try {
    const m = await source.getManifest(tag);
    const parsed = await parseManifest(m.bytes, m.mediaType, `${source.name}:${tag}`);
    if (parsed.kind !== 'manifest') {
      throw new TrustgateError(
        'MANIFEST_INVALID',
        `${source.name}:${tag} is an index, not a cosign signature manifest`,
      );
    }
    return { digest: m.digest, manifest: parsed.manifest };
  } catch (e) {
    if (e instanceof TrustgateError && (e.code === 'MANIFEST_UNKNOWN' || e.code === 'NAME_UNKNOWN'))
      return undefined;
    throw e;
  }
}

function checkLayerCount(source: ImageSource, m: LoadedManifest, limits: DiscoveryLimits): void {
  if (m.manifest.layers.length > limits.maxSignatureLayers) {
    throw new TrustgateError(
      'COUNT_LIMIT',
      `${source.name}@${m.digest} has ${m.manifest.layers.length} layers, over the limit of ${limits.maxSignatureLayers} signatures`,
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

/** What one image's discovery has read: each blob once, and never more than the total budget. */
interface Budget {
  used: number;
  max: number;
  cache: Map<string, Uint8Array>;
}
const budgets = new WeakMap<Discovery, Budget>();

function budgetFor(result: Discovery, limits: DiscoveryLimits): Budget {
  let b = budgets.get(result);
  if (!b) {
    b = { used: 0, max: limits.maxTotalPayloadBytes ?? 4 * limits.maxPayloadBytes, cache: new Map() };
    budgets.set(result, b);
  }
  return b;
}

/**
 * The simple-signing payload `cosign sign` writes when given no annotations, byte for byte, for each
 * name the image may have been signed under. A `.sig` layer whose digest is one of these guesses'
 * digests holds exactly those bytes, so it need not be fetched: comparing the digest is the same
 * check a fetch would make, and the signature over the bytes is verified all the same.
 */
export function simpleSigningGuesses(imageName: string, digest: Digest): Uint8Array[] {
  const names = [imageName];
  if (imageName.startsWith('docker.io/'))
    names.push(`index.docker.io/${imageName.slice('docker.io/'.length)}`);
  return names.map((name) =>
    Buffer.from(
      JSON.stringify({
        critical: {
          identity: { 'docker-reference': name },
          image: { 'docker-manifest-digest': digest },
          type: SIMPLE_SIGNING_TYPE,
        },
        optional: null,
      }),
    ),
  );
}

async function fetchPayload(
  source: ImageSource,
  digest: Digest,
  limits: DiscoveryLimits,
  budget: Budget,
  guesses: Uint8Array[] = [],
): Promise<Uint8Array> {
  const cached = budget.cache.get(digest);
  if (cached) return cached;
  const known = guesses.find((g) => sha256Digest(g) === digest);
  if (known && known.length <= limits.maxPayloadBytes && budget.used + known.length <= budget.max) {
    budget.used += known.length;
    budget.cache.set(digest, known);
    return known;
  }
  const bytes = await source.getBlob(digest, {
    maxBytes: Math.min(limits.maxPayloadBytes, Math.max(0, budget.max - budget.used)),
  });
  budget.used += bytes.length;
  budget.cache.set(digest, bytes);
  return bytes;
}

/** The layers of `mediaType` in a cosign manifest, bounded, each read as digest-checked bytes. */
async function readLayers(
  source: ImageSource,
  m: LoadedManifest,
  mediaType: string,
  via: string,
  limits: DiscoveryLimits,
  budget: Budget,
  wanted: (annotations: Record<string, string>) => boolean = () => true,
  guesses: Uint8Array[] = [],
): Promise<Array<{ bytes: Uint8Array; origin: Origin; annotations: Record<string, string> }>> {
  checkLayerCount(source, m, limits);
  const out: Array<{ bytes: Uint8Array; origin: Origin; annotations: Record<string, string> }> = [];
  for (const layer of m.manifest.layers) {
    // Layers of any other type in a cosign manifest are not what we look for: ignored.
    if (layer.mediaType !== mediaType || !wanted(layer.annotations ?? {})) continue;
    const bytes = await fetchPayload(source, layer.digest, limits, budget, guesses);
    out.push({
      bytes,
      origin: { via, manifest: m.digest, layer: layer.digest },
      annotations: layer.annotations ?? {},
    });
  }
  return out;
}

async function readSimpleSigningLayers(
  source: ImageSource,
  m: LoadedManifest,
  via: string,
  limits: DiscoveryLimits,
  budget: Budget,
  guesses: Uint8Array[],
): Promise<SimpleSigningSignature[]> {
  // A layer with no signature annotation is no signature: not even fetched.
  const layers = await readLayers(
    source,
    m,
    CosignMediaType.SIMPLE_SIGNING,
    via,
    limits,
    budget,
    (a) => a[CosignAnnotation.SIGNATURE] !== undefined,
    guesses,
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

async function readDsseLayers(
  source: ImageSource,
  m: LoadedManifest,
  via: string,
  limits: DiscoveryLimits,
  budget: Budget,
  keep?: (annotations: Record<string, string>) => boolean,
): Promise<DsseAttestationLayer[]> {
  const layers = await readLayers(source, m, CosignMediaType.DSSE_ENVELOPE, via, limits, budget, keep);
  return layers.map(({ bytes, origin, annotations }) => {
    const { rfc3161Timestamp: _unused, ...material } = optionalAnnotations(annotations);
    const item: DsseAttestationLayer = { format: 'dsse-layer', origin, bytes, ...material };
    const pt = annotations[CosignAnnotation.PREDICATE_TYPE];
    if (pt) item.annotatedPredicateType = pt;
    return item;
  });
}

/**
 * One referrer. The manifest itself is read, never the index entry's artifactType alone: cosign's
 * fallback index can carry the wrong one (application/vnd.oci.empty.v1+json).
 */
async function readReferrer(
  source: ImageSource,
  subject: Digest,
  d: Descriptor,
  via: string,
  limits: DiscoveryLimits,
  result: Discovery,
  deferral?: Deferral,
): Promise<void> {
  const m = await source.getManifest(d.digest);
  const parsed = await parseManifest(m.bytes, m.mediaType, `referrer ${source.name}@${d.digest}`);
  if (parsed.kind !== 'manifest') {
    result.unsigned.push({
      format: 'unsigned',
      digest: d.digest,
      artifactType: d.artifactType ?? m.mediaType,
      via,
    });
    return;
  }
  const manifest = parsed.manifest;
  // A referrers list that names a manifest about another digest is not evidence about this one.
  if (manifest.subject?.digest !== subject) return;
  const artifactType = manifest.artifactType ?? manifest.config.mediaType;
  const loaded = { digest: d.digest, manifest };
  if (artifactType === CosignMediaType.SIGSTORE_BUNDLE_V03) {
    const layer = manifest.layers[0];
    if (manifest.layers.length !== 1 || !layer || layer.mediaType !== CosignMediaType.SIGSTORE_BUNDLE_V03) {
      throw new TrustgateError(
        'MANIFEST_INVALID',
        `bundle referrer ${source.name}@${d.digest} must have exactly one bundle layer`,
      );
    }
    const pt = manifest.annotations?.[CosignAnnotation.BUNDLE_PREDICATE_TYPE];
    const readBundle = async () => {
      const bytes = await fetchPayload(source, layer.digest, limits, budgetFor(result, limits));
      const item: SigstoreBundleArtifact = {
        format: 'sigstore-bundle',
        origin: { via: `referrer:${via}`, manifest: d.digest, layer: layer.digest },
        bytes,
      };
      if (pt) item.annotatedPredicateType = pt;
      result.bundles.push(item);
    };
    if (deferral && pt !== undefined && !deferral.plan.wants(pt))
      deferral.deferred.push({ what: `referrer ${d.digest} (${pt})`, read: readBundle });
    else await readBundle();
    return;
  }
  if (artifactType === CosignMediaType.ARTIFACT_SIG) {
    result.simpleSigning.push(
      ...(await readSimpleSigningLayers(
        source,
        loaded,
        `referrer:${via}`,
        limits,
        budgetFor(result, limits),
        simpleSigningGuesses(source.name, subject),
      )),
    );
    return;
  }
  const u: UnsignedAttachment = { format: 'unsigned', digest: d.digest, artifactType, via };
  if (manifest.annotations) u.annotations = manifest.annotations;
  result.unsigned.push(u);
}
