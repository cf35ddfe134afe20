/**
 * Gathering a policy's evidence: resolve each reference to its digest, discover once what is attached
 * to it (from the cache when a sound entry is there, and only as much as the plan needs), and verify
 * every signature and attestation against each authority's trust (policy/evidence-verify.ts). Also
 * `gatherEvidence`, the option-bag form Node callers import from the package.
 */
import type { VerificationCache } from '../discovery/cache.js';
import { type DiscoveryPlan, discover, discoverAsNeeded } from '../discovery/discover.js';
import type { Discovery } from '../discovery/types.js';
import { describeError } from '../errors.js';
import type { RegistryClient, RegistryClientOptions } from '../oci/registry/client.js';
import type { ImageEvidence, PlatformEvidence } from '../policy/evidence.js';
import { namingOf, type Verified, verifierOf, verifyEvidence } from '../policy/evidence-verify.js';
import type { PolicyVerifiers } from '../policy/policy-trust.js';
import { type ImageName, parseImageName } from '../reference/name.js';
import { formatDigestReference, repositoryOf } from '../reference/parse.js';
import { type PlatformImages, platformImages } from '../resolve/platforms.js';
import type { ResolvedImage } from '../resolve/resolve.js';
import type { LoadedTrustRoot } from '../trust/roots.js';
import { mapLimit } from '../util/semaphore.js';
import type { PolicyTrust } from '../verify/trust.js';
import { VERSION } from '../version.js';
import { unsignedEvidenceOf } from './buildkit.js';
import type { RunContext } from './context.js';
import { eachImage } from './each-image.js';
import { withSource } from './source.js';

export interface GatherOptions extends RegistryClientOptions {
  client?: RegistryClient;
  platform?: string;
  imageConcurrency?: number;
  /**
   * The registry/repository to match rules against for an OCI layout (`oci:PATH`), which has no
   * name of its own: what the image will be pulled as. Without it a layout is named `oci:PATH`.
   * Normalised as a registry reference's name is (reference/name.ts); an invalid one, or one with a
   * tag or digest, is a USAGE error.
   */
  imageName?: string;
  /**
   * Trust roots already loaded, by the policy's names, used instead of what the policy file says
   * (for instance a root refreshed from a TUF mirror by the caller).
   */
  trustRoots?: Record<string, LoadedTrustRoot>;
  /** Discoveries cached across runs, re-verified on every read (src/discovery/cache.ts). */
  cache?: VerificationCache;
  /** What the cache entries are for: the policy's sha256. */
  cacheContext?: string;
  /**
   * Lets discovery stop once what it has read decides the image (src/policy/discovery-plan.ts).
   * Without it, or when it returns undefined, every attachment is read.
   */
  planFor?: (base: ImageEvidence, verify: (found: Discovery) => Verified) => DiscoveryPlan | undefined;
}

export interface GatherHooks {
  /** Checked before each image starts: true stops the run (the rest are reported as not verified). */
  shouldStop?: () => boolean;
  /** Each image's evidence as soon as it and every earlier one are complete (input order). */
  onEvidence?: (ev: ImageEvidence, index: number) => void;
  /** false: keep no evidence once handed to onEvidence, and return an empty array (streaming runs). */
  collect?: boolean;
}

/** How one run gathers: GatherOptions minus the source, with the layout's name already parsed. */
export interface Gathering {
  imageName?: ImageName;
  /**
   * Which platform images of an image to verify too, each on its own digest (for rules with a
   * `platforms:` scope: src/policy/platform-plan.ts); undefined: none.
   */
  platformsFor?: (base: ImageEvidence) => ((platform: string) => boolean) | undefined;
  cache?: VerificationCache;
  cacheContext?: string;
  planFor?: GatherOptions['planFor'];
  /** Predicate types whose unsigned BuildKit attestations the policy accepts: read from the index. */
  buildkitTypes?: ReadonlySet<string>;
}

/** What one image's verification hands every reference to it. */
type Gathered = Verified &
  Pick<ImageEvidence, 'unread' | 'unsigned' | 'platforms' | 'platformsListed' | 'platformsError'>;

/** Platform images verified at once, per image (each is a short chain of registry requests). */
const PLATFORM_CONCURRENCY = 4;

/**
 * Discovery from the cache when a sound entry is there, else from the registry (then cached). A
 * cached discovery that stopped early is used only if it still settles the image now (times move
 * on: a maxAge or an exception may have lapsed since), else everything is read again.
 */
async function verifyImage(
  image: ResolvedImage,
  named: ImageEvidence,
  repository: string,
  trust: PolicyTrust,
  g: Gathering,
): Promise<Gathered> {
  // Read before the signed evidence, so that the plan judges with it as evaluation will.
  const unsigned = g.buildkitTypes?.size ? await unsignedEvidenceOf(image, g.buildkitTypes) : undefined;
  const base = unsigned ? { ...named, unsigned } : named;
  const signed = await verifySigned(image, base, repository, trust, g);
  return unsigned ? { ...signed, unsigned } : signed;
}

async function verifySigned(
  image: ResolvedImage,
  base: ImageEvidence,
  repository: string,
  trust: PolicyTrust,
  g: Gathering,
): Promise<Gathered> {
  const verify = verifierOf((found) => verifyEvidence(found, { digest: image.digest, repository }, trust));
  const plan = g.planFor?.(base, verify);
  const withUnread = (found: Discovery) => ({
    ...verify(found),
    ...(found.unread ? { unread: found.unread } : {}),
  });
  const cache = g.cache;
  const key = cache && {
    image: image.canonical,
    context: g.cacheContext ?? '',
    trustRoots: trust.trustRootsHash,
    tool: `trustgate ${VERSION}`,
  };
  const count = (v: Verified) => v.signatures.length + v.attestations.length;
  if (cache && key) {
    const hit = cache.get(key);
    if (hit) {
      const v = verify(hit.discovery);
      if (count(v) < hit.verified)
        cache.discard(
          key,
          `re-verification found ${count(v)} verified item(s) where ${hit.verified} were recorded`,
        );
      else if (!hit.discovery.unread || plan?.enough(hit.discovery)) return withUnread(hit.discovery);
      else
        cache.discard(
          key,
          plan
            ? 'it holds a discovery that stopped early, and what it holds no longer passes every check at this effective time'
            : 'it holds a discovery that stopped early, and this run reads everything for this image',
          'stale',
        );
    }
  }
  const discovery = plan
    ? await discoverAsNeeded(image.source, image.digest, plan)
    : await discover(image.source, image.digest, { attestations: true });
  const v = verify(discovery);
  if (cache && key) cache.put(key, discovery, count(v));
  return withUnread(discovery);
}

/**
 * The platform images of an image that `want` names, each verified as an image of its own (the same
 * verifyImage, cache and discovery plan, on the child's digest). A single-platform image is its own
 * one platform image, and its evidence is reused. A child that cannot be verified carries its error.
 */
async function verifyPlatforms(
  image: ResolvedImage,
  base: ImageEvidence,
  own: Gathered,
  want: (platform: string) => boolean,
  repository: string,
  trust: PolicyTrust,
  g: Gathering,
): Promise<Pick<ImageEvidence, 'platforms' | 'platformsListed' | 'platformsError'>> {
  let listed: PlatformImages;
  try {
    listed = await platformImages(image.source, image.digest);
  } catch (e) {
    return { platformsError: describeError(e) };
  }
  const children = listed.children.filter((c) => want(c.platform));
  const platforms = await mapLimit(children, PLATFORM_CONCURRENCY, async (c): Promise<PlatformEvidence> => {
    const named = { platform: c.platform, digest: c.digest };
    if (!listed.index) return { ...named, ...own };
    const canonical = formatDigestReference(image.parsed, c.digest);
    const child: ResolvedImage = {
      ...image,
      digest: c.digest,
      canonical,
      mediaType: c.mediaType,
      size: c.size,
    };
    try {
      const v = await verifyImage(child, { ...base, digest: c.digest, canonical }, repository, trust, g);
      return { ...named, ...v };
    } catch (e) {
      return {
        ...named,
        signatures: [],
        attestations: [],
        rejections: {},
        signers: [],
        error: describeError(e),
      };
    }
  });
  return { platforms, platformsListed: listed.children.map((c) => c.platform) };
}

/**
 * Every reference's evidence, in order; one that cannot be resolved or read carries its error.
 * ctx.limits.discovery is not applied: the policy path has always read with the default limits, and
 * the cache key does not name limits, so a limited run could be answered by an unlimited one's entry.
 */
export async function gatherImages(
  references: string[],
  trust: PolicyTrust,
  ctx: RunContext,
  g: Gathering,
  hooks: GatherHooks = {},
): Promise<ImageEvidence[]> {
  const resolved = (ev: ImageEvidence, image?: ResolvedImage): ImageEvidence =>
    image ? { ...ev, digest: image.digest, canonical: image.canonical } : ev;
  return eachImage<Gathered, ImageEvidence>(
    references,
    {
      client: ctx.source.client,
      ...(ctx.source.platform ? { platform: ctx.source.platform } : {}),
      ...(ctx.limits.imageConcurrency ? { imageConcurrency: ctx.limits.imageConcurrency } : {}),
      onResult: (ev, index) => hooks.onEvidence?.(ev, index),
      stopAfter: () => hooks.shouldStop?.() ?? false,
      ...(hooks.collect === false ? { collect: false } : {}),
    },
    {
      verify: async (image, ref) => {
        const base = resolved(namingOf(ref.original, ref, g.imageName), image);
        const own = await verifyImage(image, base, repositoryOf(ref), trust, g);
        const want = g.platformsFor?.(base);
        if (!want) return own;
        return { ...own, ...(await verifyPlatforms(image, base, own, want, repositoryOf(ref), trust, g)) };
      },
      result: (reference, image, shared, ref) => ({
        ...resolved(namingOf(reference, ref, g.imageName), image),
        ...shared,
      }),
      failure: (reference, message, _code, ref, image) => ({
        ...resolved(namingOf(reference, ref, g.imageName), image),
        error: message,
      }),
    },
  );
}

/** The --image-name of a run; a bad one is the caller's mistake, reported before any image is touched. */
export function imageNameFrom(imageName: string | undefined): ImageName | undefined {
  return imageName !== undefined ? parseImageName(imageName, 'imageName', 'imageName') : undefined;
}

/** gatherImages through the option bag (the package's `gatherEvidence`). */
export async function gatherEvidence(
  references: string[],
  verifiers: PolicyVerifiers,
  options: GatherOptions,
  hooks: GatherHooks = {},
): Promise<ImageEvidence[]> {
  const imageName = imageNameFrom(options.imageName);
  const g: Gathering = {
    ...(imageName ? { imageName } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.cacheContext !== undefined ? { cacheContext: options.cacheContext } : {}),
    ...(options.planFor ? { planFor: options.planFor } : {}),
  };
  const limits = options.imageConcurrency ? { imageConcurrency: options.imageConcurrency } : {};
  return withSource(options, (source) => gatherImages(references, verifiers, { source, limits }, g, hooks));
}
