/**
 * Finds everything attached to a digest, from a registry or a layout: the legacy cosign tags
 * (`sha256-<hex>.sig` / `.att`), OCI 1.1 referrers (the API or the tag fallback), and `cosign save`
 * layout entries. Nothing here is trusted yet: every manifest and blob is digest-checked, counts and
 * sizes are bounded, and verification decides what counts.
 */
import { TrustgateError } from '../errors.js';
import type { Descriptor, ImageManifest } from '../oci/schema.js';
import { parseManifest } from '../oci/schema.js';
import type { FetchedManifest, ImageSource, ReferrersQuery, ReferrersResult } from '../oci/source.js';
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

/**
 * Discovery in stages, cheapest evidence first: referrers (one listing covers all of them), then the
 * legacy tags, skipping what the plan's annotations say is not wanted. It stops after a stage once
 * `plan.enough`. Otherwise it ends in `discover` itself, so the result is exactly exhaustive
 * discovery's, in its order. Every stage reads through one memory of what the source answered: the
 * last stage costs requests only for what was skipped, and all stages see the same answers.
 */
export async function discoverAsNeeded(
  source: ImageSource,
  digest: Digest,
  plan: DiscoveryPlan,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const remembered = new RememberingSource(source);
  const opts: DiscoverOptions = {
    ...options,
    attestations: true,
    ...(options.signatureSource ? { signatureSource: new RememberingSource(options.signatureSource) } : {}),
  };
  const result = emptyDiscovery(digest);
  const deferral: Deferral = { plan, skipped: [] };
  await discoverReferrers(remembered, digest, opts, result, deferral);
  if (plan.enough(result)) {
    result.unread = [
      `legacy tags ${digestTag(digest, '.sig')} and ${digestTag(digest, '.att')}`,
      ...deferral.skipped,
    ];
    return result;
  }
  await discoverLegacyTags(remembered, digest, opts, result, deferral);
  if (deferral.skipped.length === 0) return result; // nothing skipped: this is everything, in order
  if (plan.enough(result)) {
    result.unread = deferral.skipped;
    return result;
  }
  return discover(remembered, digest, opts);
}

/** What a plan lets discovery skip, and what it skipped (for `unread`). */
interface Deferral {
  plan: DiscoveryPlan;
  skipped: string[];
}

/** Whether the plan skips a referrer annotated with `predicateType`; a skip is recorded. */
function skipsReferrer(
  deferral: Deferral | undefined,
  referrer: Digest,
  predicateType: string | undefined,
): boolean {
  if (!deferral || predicateType === undefined || deferral.plan.wants(predicateType)) return false;
  deferral.skipped.push(`referrer ${referrer} (${predicateType})`);
  return true;
}

/** An ImageSource that asks each question once and remembers the answer, failures included. */
class RememberingSource implements ImageSource {
  readonly name: string;
  private readonly answers = new Map<string, Promise<unknown>>();

  constructor(private readonly inner: ImageSource) {
    this.name = inner.name;
  }

  private once<T>(key: string, ask: () => Promise<T>): Promise<T> {
    let answer = this.answers.get(key);
    if (!answer) {
      answer = ask();
      answer.catch(() => {}); // remembered, and rethrown to each caller; never unhandled
      this.answers.set(key, answer);
    }
    return answer as Promise<T>;
  }

  resolve(tagOrDigest: string): Promise<Descriptor> {
    return this.once(`resolve ${tagOrDigest}`, () => this.inner.resolve(tagOrDigest));
  }

  getManifest(tagOrDigest: string): Promise<FetchedManifest> {
    return this.once(`manifest ${tagOrDigest}`, () => this.inner.getManifest(tagOrDigest));
  }

  async getBlob(digest: Digest, opts: { maxBytes?: number } = {}): Promise<Uint8Array> {
    const bytes = await this.once(`blob ${digest}`, () => this.inner.getBlob(digest, opts));
    // Asked again under a smaller limit (another stage's budget): refused as the source would.
    if (opts.maxBytes !== undefined && bytes.length > opts.maxBytes)
      throw new TrustgateError(
        'SIZE_LIMIT',
        `${this.name}: blob ${digest} is ${bytes.length} bytes, over the ${opts.maxBytes}-byte limit`,
        { hint: 'raise the limit only if you expect content this large' },
      );
    return bytes;
  }

  referrers(digest: Digest, query?: ReferrersQuery): Promise<ReferrersResult> {
    return this.once(`referrers ${digest} ${query?.artifactType ?? ''}`, () =>
      this.inner.referrers(digest, query),
    );
  }

  listTags(): Promise<string[]> {
    return this.once('tags', () => this.inner.listTags());
  }
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
      const plan = deferral?.plan;
      const wanted = (a: Record<string, string>) => {
        const pt = a[CosignAnnotation.PREDICATE_TYPE];
        return !plan || pt === undefined || plan.wants(pt);
      };
      result.dsseLayers.push(
        ...(await readDsseLayers(
          sigSource,
          legacyAtt,
          `tag:${attTag}`,
          limits,
          budgetFor(result, limits),
          wanted,
        )),
      );
      const unwanted = legacyAtt.manifest.layers.filter(
        (l) => l.mediaType === CosignMediaType.DSSE_ENVELOPE && !wanted(l.annotations ?? {}),
      );
      if (unwanted.length > 0)
        deferral?.skipped.push(
          `${unwanted.length} layer(s) of ${sigSource.name}:${attTag} (${[...new Set(unwanted.map((l) => l.annotations?.[CosignAnnotation.PREDICATE_TYPE]))].join(', ')})`,
        );
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
  for (const d of referrers.descriptors) {
    // The referrers API copies each manifest's annotations into its entry; cosign's fallback index does not.
    if (!skipsReferrer(deferral, d.digest, d.annotations?.[CosignAnnotation.BUNDLE_PREDICATE_TYPE]))
      await readReferrer(source, digest, d, referrers.via, limits, result, deferral);
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

async function fetchPayload(
  source: ImageSource,
  digest: Digest,
  limits: DiscoveryLimits,
  budget: Budget,
  guesses?: Map<Digest, Uint8Array>,
): Promise<Uint8Array> {
  const cached = budget.cache.get(digest);
  if (cached) return cached;
  const known = guesses?.get(digest);
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
  guesses?: Map<Digest, Uint8Array>,
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
  guesses: Map<Digest, Uint8Array>,
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
    if (skipsReferrer(deferral, d.digest, pt)) return;
    const bytes = await fetchPayload(source, layer.digest, limits, budgetFor(result, limits));
    const item: SigstoreBundleArtifact = {
      format: 'sigstore-bundle',
      origin: { via: `referrer:${via}`, manifest: d.digest, layer: layer.digest },
      bytes,
    };
    if (pt) item.annotatedPredicateType = pt;
    result.bundles.push(item);
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
