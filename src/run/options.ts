/**
 * The option bag of verifyImages and verifyImageAttestations, kept for Node callers, and the
 * functions that split it into what a run is built from: trust input, source, limits, batch.
 */
import type { DiscoveryLimits } from '../discovery/discover.js';
import { checkTagPrefix } from '../discovery/formats.js';
import type { RegistryClient, RegistryClientOptions } from '../oci/registry/client.js';
import type { IdentityPolicyInput } from '../trust/identity.js';
import { rootSpecOf } from '../trust/root-spec.js';
import type { TrustInput } from '../verify/trust.js';
import type { Batch, Limits } from './context.js';
import type { SourceOptions } from './source.js';

export interface VerifyOptions extends RegistryClientOptions {
  /** Public keys: PEM paths, https:// URLs or env://VAR. Any one verifying is enough. */
  keys?: string[];
  /** Keyless: the certificate identity, issuer and claims that must have signed (instead of keys). */
  identity?: IdentityPolicyInput;
  /** Private CA without Fulcio/Rekor (cosign's --ca-roots / --ca-intermediates). */
  caRoots?: string;
  caIntermediates?: string;
  /** cosign's --insecure-ignore-sct. */
  ignoreSct?: boolean;
  /** Refresh the trusted root online from this TUF mirror (explicit; never the default). */
  tufMirror?: string;
  /** The initial TUF root.json for tufMirror. */
  tufRoot?: string;
  /** Where TUF metadata is cached; default ~/.cache/trustgate/tuf. */
  tufCacheDir?: string;
  ignoreTlog?: boolean;
  trustedRoot?: string;
  rekorPublicKey?: string;
  /** cosign's -a k=v (verify): annotations each simple-signing payload must carry, as exact strings. */
  annotations?: Record<string, string>;
  /** cosign's --certificate: a PEM file or PEM text, for signatures that carry no certificate (keyless). */
  certificate?: string;
  /** cosign's --certificate-chain: PEM file, the certificate's parent first and the root last. */
  certificateChain?: string;
  /** cosign's --signature-digest-algorithm: the hash key signatures are verified with. */
  signatureDigestAlgorithm?: 'sha256' | 'sha384' | 'sha512';
  /** cosign's --rekor-url: only the trusted root's log at this URL counts (nothing is fetched). */
  rekorUrl?: string;
  /** Repository holding the legacy `.sig` tags, e.g. `registry/repo` (cosign's COSIGN_REPOSITORY). */
  signatureRepository?: string;
  requireDockerReference?: boolean;
  platform?: string;
  discoveryLimits?: Partial<DiscoveryLimits>;
  client?: RegistryClient;
  /** Images verified at once. */
  imageConcurrency?: number;
  /**
   * Examine every signature even after one verified (cosign's behaviour, and what -o cosign prints).
   * By default, referrers are examined first and the legacy `.sig` tag only if none verified there.
   */
  allSignatures?: boolean;
  /** Stop starting new images after the first that does not verify; the rest are reported as skipped. */
  failFast?: boolean;
  /** Called as each image finishes (for progress on a terminal). */
  onProgress?: (done: number, total: number) => void;
  /**
   * cosign's --new-bundle-format: true reads only Sigstore bundle referrers, false only the legacy
   * tags. Unset (with experimentalOci11 unset too): every format (discovery/formats.ts).
   */
  newBundleFormat?: boolean;
  /** cosign's --experimental-oci11: signatures stored as OCI 1.1 referrers (verify only). */
  experimentalOci11?: boolean;
  /** cosign's --attachment-tag-prefix: legacy tags are `<prefix>sha256-<hex>.sig` / `.att`. */
  attachmentTagPrefix?: string;
  /**
   * No network but the registries of the images: key URLs and a TUF refresh fail with OFFLINE
   * instead of being fetched.
   */
  offline?: boolean;
}

/** The trust material asked for, in the order verify-image.ts builds it: CA, TUF mirror, file, embedded. */
export function trustInputOf(o: VerifyOptions): TrustInput {
  return {
    ...(o.keys ? { keys: o.keys } : {}),
    ...(o.identity ? { identity: o.identity } : {}),
    root: rootSpecOf(o),
    ...(o.ignoreTlog !== undefined ? { ignoreTlog: o.ignoreTlog } : {}),
    ...(o.ignoreSct !== undefined ? { ignoreSct: o.ignoreSct } : {}),
    ...(o.requireDockerReference !== undefined ? { requireDockerReference: o.requireDockerReference } : {}),
    ...(o.annotations ? { annotations: o.annotations } : {}),
    ...(o.certificate ? { certificate: o.certificate } : {}),
    ...(o.certificateChain ? { certificateChain: o.certificateChain } : {}),
    ...(o.signatureDigestAlgorithm ? { signatureHash: o.signatureDigestAlgorithm } : {}),
    ...(o.rekorUrl ? { rekorUrl: o.rekorUrl } : {}),
    ...(o.offline ? { offline: true } : {}),
  };
}

export function limitsOf(o: VerifyOptions): Limits {
  return {
    ...(o.discoveryLimits ? { discovery: o.discoveryLimits } : {}),
    ...(o.imageConcurrency ? { imageConcurrency: o.imageConcurrency } : {}),
    ...(o.newBundleFormat !== undefined || o.experimentalOci11 !== undefined
      ? {
          cosignFormat: {
            ...(o.newBundleFormat !== undefined ? { newBundleFormat: o.newBundleFormat } : {}),
            ...(o.experimentalOci11 !== undefined ? { experimentalOci11: o.experimentalOci11 } : {}),
          },
        }
      : {}),
    ...(o.attachmentTagPrefix ? { tagPrefix: checkTagPrefix(o.attachmentTagPrefix) } : {}),
  };
}

/** The batch behaviour asked for; undefined when none (a single run). */
export function batchOf(o: VerifyOptions): Batch | undefined {
  if (!o.failFast && !o.onProgress) return undefined;
  return { ...(o.failFast ? { failFast: true } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) };
}

/**
 * The registry client options with the client and platform: everything of the bag that is not
 * trust, discovery or batch (RegistryClientOptions has many fields; listing the others keeps new
 * transport options flowing through without an edit here).
 */
export function sourceOptionsOf(o: VerifyOptions): SourceOptions {
  const {
    keys: _keys,
    identity: _identity,
    caRoots: _caRoots,
    caIntermediates: _caIntermediates,
    ignoreSct: _ignoreSct,
    tufMirror: _tufMirror,
    tufRoot: _tufRoot,
    tufCacheDir: _tufCacheDir,
    ignoreTlog: _ignoreTlog,
    trustedRoot: _trustedRoot,
    rekorPublicKey: _rekorPublicKey,
    annotations: _annotations,
    certificate: _certificate,
    certificateChain: _certificateChain,
    signatureDigestAlgorithm: _signatureDigestAlgorithm,
    rekorUrl: _rekorUrl,
    signatureRepository: _signatureRepository,
    requireDockerReference: _requireDockerReference,
    discoveryLimits: _discoveryLimits,
    imageConcurrency: _imageConcurrency,
    allSignatures: _allSignatures,
    failFast: _failFast,
    onProgress: _onProgress,
    newBundleFormat: _newBundleFormat,
    experimentalOci11: _experimentalOci11,
    attachmentTagPrefix: _attachmentTagPrefix,
    offline: _offline,
    ...source
  } = o;
  return source;
}
