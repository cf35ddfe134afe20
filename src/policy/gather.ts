/**
 * Gathering evidence for policy evaluation: resolve each reference to its digest, discover once
 * everything attached to it, and verify every signature and attestation against each authority's
 * trust material (built once per run). Deny lists need to know every keyless signer, so each trust
 * root in use also gets a verifier that accepts any identity, for naming signers only. The pure
 * verification and naming are evidence-verify.ts; this file holds the trust material and the I/O.
 */
import { createHash } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import type { VerificationCache } from '../batch/cache.js';
import { type DiscoveryPlan, discover, discoverAsNeeded } from '../discovery/discover.js';
import type { Discovery } from '../discovery/types.js';
import { RegistryClient, type RegistryClientOptions } from '../oci/registry/client.js';
import { parseImageName } from '../reference/name.js';
import { eachImage } from '../resolve/each-image.js';
import type { ResolvedImage } from '../resolve/resolve.js';
import { FULCIO_V2_CLAIMS, GITHUB_V1_CLAIMS } from '../verify/claims.js';
import { type IdentityPolicy, identityPolicy } from '../verify/identity.js';
import {
  embeddedPublicGoodRoot,
  type LoadedTrustRoot,
  privateCaRoot,
  trustedRootFromFile,
} from '../verify/trust-root.js';
import { KeylessVerifiers, KeyVerifiers, type SignatureVerifiers } from '../verify/verify-signatures.js';
import { VERSION } from '../version.js';
import type { ImageEvidence } from './evidence.js';
import { namingOf, type Verified, verifierOf, verifyEvidence } from './evidence-verify.js';
import type { CompiledAuthority, CompiledPolicy } from './load.js';

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
  layoutName?: string;
  /**
   * Trust roots already loaded, by the policy's names, used instead of what the policy file says
   * (for instance a root refreshed from a TUF mirror by the caller).
   */
  trustRoots?: Record<string, LoadedTrustRoot>;
  /** Discoveries cached across runs, re-verified on every read (src/batch/cache.ts). */
  cache?: VerificationCache;
  /** What the cache entries are for: the policy's sha256. */
  cacheContext?: string;
  /**
   * Lets discovery stop once what it has read decides the image (src/policy/discovery-plan.ts).
   * Without it, or when it returns undefined, every attachment is read.
   */
  planFor?: (base: ImageEvidence, verify: (found: Discovery) => Verified) => DiscoveryPlan | undefined;
}

export interface PolicyVerifiers {
  /** sha256 over the trust roots' content: part of every cache key. */
  trustRootsHash: string;
  byAuthority: Map<string, SignatureVerifiers>;
  /** Any keyless signer, per trust root, for deny lists. */
  anySigner: SignatureVerifiers[];
  trustRoots: Map<string, LoadedTrustRoot>;
}

function loadRoot(
  policy: CompiledPolicy,
  name: string,
  cache: Map<string, LoadedTrustRoot>,
): LoadedTrustRoot {
  const hit = cache.get(name);
  if (hit) return hit;
  const spec = policy.trustRoots[name];
  const root =
    !spec || 'embedded' in spec
      ? embeddedPublicGoodRoot()
      : 'trustedRoot' in spec
        ? trustedRootFromFile(spec.trustedRoot)
        : privateCaRoot(spec.caRoots, spec.caIntermediates);
  cache.set(name, root);
  return root;
}

const CLAIM_OIDS: Record<string, string> = { ...FULCIO_V2_CLAIMS, ...GITHUB_V1_CLAIMS };

/** An authority's keyless identity, matched by the same matcher as the CLI's flags. */
function identityOf(a: CompiledAuthority): IdentityPolicy {
  const k = a.keyless!;
  return identityPolicy(
    {
      ...(k.subject !== undefined ? { identity: k.subject } : {}),
      ...(k.subjectRegExp ? { identityRegexp: k.subjectRegExp.source } : {}),
      ...(k.issuer !== undefined ? { issuer: k.issuer } : {}),
      ...(k.issuerRegExp ? { issuerRegexp: k.issuerRegExp.source } : {}),
      claims: Object.fromEntries(Object.entries(k.claims).map(([n, v]) => [CLAIM_OIDS[n] ?? n, v])),
    },
    { label: a.name, describe: a.describe },
  );
}

const ANYONE: IdentityPolicy = { describe: 'any signer', match: () => ({ ok: true }) };

/** Trust material for every authority, built once per run. */
export function buildPolicyVerifiers(
  policy: CompiledPolicy,
  preloaded: Record<string, LoadedTrustRoot> = {},
): PolicyVerifiers {
  const trustRoots = new Map<string, LoadedTrustRoot>(Object.entries(preloaded));
  const byAuthority = new Map<string, SignatureVerifiers>();
  // For the deny scan: per trust root, the most permissive flags any keyless authority uses with it
  // (a certificate one authority would accept must be seen by the deny lists too).
  const scanFlags = new Map<string, { ignoreTlog: boolean; ignoreSct: boolean }>();
  for (const a of policy.authorities.values()) {
    const trustRoot = loadRoot(policy, a.trustRoot, trustRoots);
    const common = { trustRoot, ignoreTlog: a.raw.ignoreTlog ?? false, requireDockerReference: false };
    if (a.keyless) {
      byAuthority.set(
        a.name,
        new KeylessVerifiers({ ...common, identity: identityOf(a), ignoreSct: a.raw.ignoreSct ?? false }),
      );
      const f = scanFlags.get(a.trustRoot) ?? { ignoreTlog: false, ignoreSct: false };
      scanFlags.set(a.trustRoot, {
        ignoreTlog: f.ignoreTlog || common.ignoreTlog,
        ignoreSct: f.ignoreSct || (a.raw.ignoreSct ?? false),
      });
    } else {
      byAuthority.set(a.name, new KeyVerifiers({ ...common, keys: a.keys.map((k) => k.key) }));
    }
  }
  const denies = policy.denyIdentities.length > 0 || (policy.doc.deny?.issuers?.length ?? 0) > 0;
  // Every trust root the policy names is scanned, public-good included, not only those of keyless authorities.
  const anySigner = denies
    ? Object.keys(policy.trustRoots).map((name) => {
        const o = scanFlags.get(name) ?? { ignoreTlog: false, ignoreSct: false };
        return new KeylessVerifiers({
          trustRoot: loadRoot(policy, name, trustRoots),
          identity: ANYONE,
          ignoreTlog: o.ignoreTlog,
          ignoreSct: o.ignoreSct,
          requireDockerReference: false,
        });
      })
    : [];
  const hash = createHash('sha256');
  for (const [name, r] of [...trustRoots].sort(([a], [b]) => a.localeCompare(b)))
    hash.update(name).update(JSON.stringify(TrustedRoot.toJSON(r.root)));
  return { trustRootsHash: hash.digest('hex'), byAuthority, anySigner, trustRoots };
}

/** What one image's verification hands every reference to it. */
type Gathered = Verified & Pick<ImageEvidence, 'unread'>;

/**
 * Discovery from the cache when a sound entry is there, else from the registry (then cached). A
 * cached discovery that stopped early is used only if it still settles the image now (times move
 * on: a maxAge or an exception may have lapsed since), else everything is read again.
 */
async function verifyImage(
  image: ResolvedImage,
  base: ImageEvidence,
  repository: string,
  verifiers: PolicyVerifiers,
  options: GatherOptions,
): Promise<Gathered> {
  const verify = verifierOf((found) =>
    verifyEvidence(found, { digest: image.digest, repository }, verifiers),
  );
  const plan = options.planFor?.(base, verify);
  const withUnread = (found: Discovery) => ({
    ...verify(found),
    ...(found.unread ? { unread: found.unread } : {}),
  });
  const cache = options.cache;
  const key = cache && {
    image: image.canonical,
    context: options.cacheContext ?? '',
    trustRoots: verifiers.trustRootsHash,
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

export interface GatherHooks {
  /** Checked before each image starts: true stops the run (the rest are reported as not verified). */
  shouldStop?: () => boolean;
  /** Each image's evidence as soon as it is complete. */
  onEvidence?: (ev: ImageEvidence, index: number) => void;
}

export async function gatherEvidence(
  references: string[],
  verifiers: PolicyVerifiers,
  options: GatherOptions,
  hooks: GatherHooks = {},
): Promise<ImageEvidence[]> {
  // A bad name is the caller's mistake, reported before any image is touched.
  const layoutName =
    options.layoutName !== undefined ? parseImageName(options.layoutName, '--image-name') : undefined;
  const client = options.client ?? new RegistryClient(options);
  const resolved = (ev: ImageEvidence, image?: ResolvedImage): ImageEvidence =>
    image ? { ...ev, digest: image.digest, canonical: image.canonical } : ev;
  try {
    return await eachImage<Gathered, ImageEvidence>(
      references,
      {
        client,
        ...(options.platform ? { platform: options.platform } : {}),
        ...(options.imageConcurrency ? { imageConcurrency: options.imageConcurrency } : {}),
        onResult: (ev, index) => hooks.onEvidence?.(ev, index),
        stopAfter: () => hooks.shouldStop?.() ?? false,
      },
      {
        verify: (image, ref) =>
          verifyImage(
            image,
            resolved(namingOf(ref.original, ref, layoutName), image),
            ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : '',
            verifiers,
            options,
          ),
        result: (reference, image, shared, ref) => ({
          ...resolved(namingOf(reference, ref, layoutName), image),
          ...shared,
        }),
        failure: (reference, message, _code, ref, image) => ({
          ...resolved(namingOf(reference, ref, layoutName), image),
          error: message,
        }),
      },
    );
  } finally {
    if (!options.client) await client.close();
  }
}
