/**
 * Gathering evidence for policy evaluation: resolve each reference to its digest, discover once
 * everything attached to it, and verify every signature and attestation against each authority's
 * trust material (built once per run). Deny lists need to know every keyless signer, so each trust
 * root in use also gets a verifier that accepts any identity, for naming signers only.
 */
import { createHash } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import type { VerificationCache } from '../batch/cache.js';
import { type DiscoveryPlan, discover, discoverAsNeeded } from '../discovery/discover.js';
import type { Discovery, Origin } from '../discovery/types.js';
import { RegistryClient, type RegistryClientOptions } from '../oci/registry/client.js';
import { type ImageName, imageNameOf, parseImageName } from '../reference/name.js';
import type { ImageReference } from '../reference/parse.js';
import { eachImage } from '../resolve/each-image.js';
import type { ResolvedImage } from '../resolve/resolve.js';
import { verifyAttestations } from '../verify/attestations.js';
import { FULCIO_V2_CLAIMS, GITHUB_V1_CLAIMS } from '../verify/claims.js';
import { type IdentityPolicy, identityPolicy } from '../verify/identity.js';
import {
  embeddedPublicGoodRoot,
  type LoadedTrustRoot,
  privateCaRoot,
  trustedRootFromFile,
} from '../verify/trust-root.js';
import {
  KeylessVerifiers,
  KeyVerifiers,
  type SignatureVerifiers,
  verifySignatures,
} from '../verify/verify-signatures.js';
import { VERSION } from '../version.js';
import type { ImageEvidence } from './evidence.js';
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

type Verified = Pick<ImageEvidence, 'signatures' | 'attestations' | 'rejections' | 'signers'>;

/** What one image's verification hands every reference to it. */
type Gathered = Verified & Pick<ImageEvidence, 'unread'>;

/** Verification of a discovery as it grows: a stage that added nothing is not verified again. */
function verifierOf(verify: (found: Discovery) => Verified): (found: Discovery) => Verified {
  let last: { found: Discovery; size: string; v: Verified } | undefined;
  return (found) => {
    const size = `${found.simpleSigning.length}/${found.bundles.length}/${found.dsseLayers.length}`;
    if (last?.found === found && last.size === size) return last.v;
    last = { found, size, v: verify(found) };
    return last.v;
  };
}

/**
 * Each signature's content identity, by the Origin object discovery gave it (verdicts carry that same
 * object). Simple-signing layers of one payload signed by two keys share a layer digest, so the
 * signature value is part of the name; a bundle's layer digest is the bundle itself.
 */
function signatureIds(discovery: Discovery): Map<Origin, string> {
  const out = new Map<Origin, string>();
  for (const s of discovery.simpleSigning)
    out.set(
      s.origin,
      `simplesigning ${createHash('sha256').update(s.origin.layer).update('\0').update(s.signature).digest('hex')}`,
    );
  for (const b of discovery.bundles) out.set(b.origin, `bundle ${b.origin.layer}`);
  return out;
}

/** Everything the authorities verify on one image (discovered once). */
function verifyDiscovery(
  image: ResolvedImage,
  discovery: Discovery,
  repository: string,
  verifiers: PolicyVerifiers,
): Verified {
  const out: Verified = { signatures: [], attestations: [], rejections: {}, signers: [] };
  const ids = signatureIds(discovery);
  for (const [authority, v] of verifiers.byAuthority) {
    const sigs = verifySignatures(discovery, { digest: image.digest, repository }, v);
    const reasons: string[] = [];
    for (const s of sigs.verdicts) {
      if (!s.verified) {
        if (s.reason) reasons.push(s.reason);
        continue;
      }
      out.signatures.push({
        authority,
        format: s.format,
        via: s.origin.via,
        ...(s.key ? { key: s.key } : {}),
        ...(s.identity ? { identity: s.identity } : {}),
        ...(s.tlog ? { time: s.tlog.integratedTime } : {}),
        ...(ids.has(s.origin) ? { signature: ids.get(s.origin)! } : {}),
      });
    }
    for (const a of verifyAttestations(discovery, v)) {
      if (!a.verified || !a.statement || !a.predicateType) {
        if (a.reason) reasons.push(a.reason);
        continue;
      }
      out.attestations.push({
        authority,
        predicateType: a.predicateType,
        format: a.format,
        via: a.origin.via,
        ...(a.signer?.key ? { key: a.signer.key } : {}),
        ...(a.signer?.identity ? { identity: a.signer.identity } : {}),
        ...(a.tlog ? { time: a.tlog.integratedTime } : {}),
        statement: a.statement,
      });
    }
    if (reasons.length > 0) out.rejections[authority] = [...new Set(reasons)];
  }
  const seen = new Set<string>();
  for (const v of verifiers.anySigner) {
    const found = [
      ...verifySignatures(discovery, { digest: image.digest, repository }, v)
        .verdicts.filter((s) => s.verified)
        .map((s) => s.identity),
      ...verifyAttestations(discovery, v)
        .filter((a) => a.verified)
        .map((a) => a.signer?.identity),
    ];
    for (const id of found) {
      if (!id) continue;
      const k = `${id.subjectAlternativeName}\n${id.issuer}`;
      if (!seen.has(k)) out.signers.push(id);
      seen.add(k);
    }
  }
  return out;
}

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
  const verify = verifierOf((found) => verifyDiscovery(image, found, repository, verifiers));
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

/**
 * What rules match an image by, from its reference alone (an OCI layout takes `layoutName`, already
 * normalised by parseImageName): the same name a registry reference to it would get.
 */
function naming(
  reference: string,
  ref: ImageReference | undefined,
  layoutName: ImageName | undefined,
): ImageEvidence {
  const base: ImageEvidence = {
    reference,
    name: reference,
    registry: '',
    givenBy: 'tag',
    signatures: [],
    attestations: [],
    rejections: {},
    signers: [],
  };
  if (!ref) return base;
  const tag = ref.tag && !ref.digest ? { tag: ref.tag } : {};
  const givenBy = ref.digest ? 'digest' : 'tag';
  const named =
    ref.kind === 'registry' ? imageNameOf(ref) : (layoutName ?? { name: `oci:${ref.path}`, registry: 'oci' });
  return { ...base, ...named, givenBy, ...tag };
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
            resolved(naming(ref.original, ref, layoutName), image),
            ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : '',
            verifiers,
            options,
          ),
        result: (reference, image, shared, ref) => ({
          ...resolved(naming(reference, ref, layoutName), image),
          ...shared,
        }),
        failure: (reference, message, _code, ref, image) => ({
          ...resolved(naming(reference, ref, layoutName), image),
          error: message,
        }),
      },
    );
  } finally {
    if (!options.client) await client.close();
  }
}
