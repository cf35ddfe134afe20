/**
 * `trustgate verify` as a library call: resolve each reference to a digest, discover what is attached
 * to that digest, verify signatures against the given keys, and say why in every case.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { discoverLegacyTags, discoverReferrers, emptyDiscovery } from '../discovery/discover.js';
import type { UnsignedAttachment } from '../discovery/types.js';
import { TrustgateError } from '../errors.js';
import { exitCodeForVerdicts } from '../exit-codes.js';
import { RegistryClient } from '../oci/registry/client.js';
import { type ImageReference, parseReference } from '../reference/parse.js';
import { openSource, type ResolvedImage } from '../resolve/resolve.js';
import { type EachImageOptions, eachImage } from '../run/each-image.js';
import type { VerifyOptions } from '../run/options.js';
import { identityPolicy } from './identity.js';
import { loadKey, shortFingerprint, type VerificationKey } from './keys.js';
import {
  embeddedPublicGoodRoot,
  type LoadedTrustRoot,
  privateCaRoot,
  trustedRootFromFile,
  tufTrustedRoot,
  withRekorKey,
} from './trust-root.js';
import {
  KeylessVerifiers,
  KeyVerifiers,
  type NotASignature,
  type SignatureVerdict,
  type SignatureVerifiers,
  verifySignatures,
} from './verify-signatures.js';

// Its home is run/options.ts, beside the functions that split it into a run's parts.
export type { VerifyOptions } from '../run/options.js';

export type ImageVerdict = 'verified' | 'no-signatures' | 'none-matched' | 'error';

export interface ImageVerification {
  reference: string;
  canonical?: string;
  digest?: string;
  verdict: ImageVerdict;
  /** One line: what was found and why it was (not) verified. */
  message: string;
  signatures: SignatureVerdict[];
  notSignatures: NotASignature[];
  unsigned: UnsignedAttachment[];
  searched: string[];
  /** True when a verified signature ended the search before every place was examined. */
  stoppedEarly: boolean;
  error?: { code: string; message: string };
}

export interface VerifyRun {
  trustRoot: string;
  /** The keyless identity required, when verifying keyless. */
  identity?: string;
  keys: Array<{ fingerprint: string; source: string; algorithm: string }>;
  ignoreTlog: boolean;
  images: ImageVerification[];
  exitCode: number;
}

/** The per-image loop's settings for verify and verify-attestation: --fail-fast on any unverified image. */
export function batchLoopOptions<R extends { verdict: ImageVerdict }>(
  options: VerifyOptions,
  client: RegistryClient,
  total: number,
): EachImageOptions<R> {
  return {
    client,
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.imageConcurrency ? { imageConcurrency: options.imageConcurrency } : {}),
    ...(options.onProgress
      ? { onResult: (_r: R, _i: number, done: number) => options.onProgress?.(done, total) }
      : {}),
    ...(options.failFast ? { stopAfter: (r: R) => r.verdict !== 'verified' } : {}),
  };
}

/** An image's result before anything is known: an error until verification says otherwise. */
function unverified(reference: string): ImageVerification {
  return {
    reference,
    verdict: 'error',
    message: '',
    signatures: [],
    notSignatures: [],
    unsigned: [],
    searched: [],
    stoppedEarly: false,
  };
}

/** Kept for importers; the table is src/exit-codes.ts. */
export const exitCodeFor: (verdicts: ImageVerdict[]) => number = exitCodeForVerdicts;

export function loadTrustRoot(opts: { trustedRoot?: string; rekorPublicKey?: string }): LoadedTrustRoot {
  const base = opts.trustedRoot ? trustedRootFromFile(opts.trustedRoot) : embeddedPublicGoodRoot();
  return opts.rekorPublicKey ? withRekorKey(opts.trustedRoot ? base : undefined, opts.rekorPublicKey) : base;
}

export interface BuiltTrust {
  verifiers: SignatureVerifiers;
  keys: VerificationKey[];
  trustRoot: LoadedTrustRoot;
  /** What must have signed, for messages: key sources and fingerprints, or the identity policy. */
  trustText: string;
}

/** The trust material for a run, built once: keys or a keyless identity, and the trust root. */
export async function buildTrust(options: VerifyOptions): Promise<BuiltTrust> {
  const keySpecs = options.keys ?? [];
  if (keySpecs.length > 0 === (options.identity !== undefined)) {
    throw new TrustgateError(
      'USAGE',
      'give either --key, or a keyless identity (--certificate-identity… and --certificate-oidc-issuer…)',
    );
  }
  const keys: VerificationKey[] = [];
  for (const k of keySpecs) keys.push(await loadKey(k));
  const trustRoot = options.caRoots
    ? privateCaRoot(options.caRoots, options.caIntermediates)
    : options.tufMirror
      ? await tufTrustedRoot({
          mirror: options.tufMirror,
          ...(options.tufRoot ? { rootFile: options.tufRoot } : {}),
          cacheDir:
            options.tufCacheDir ??
            join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'trustgate', 'tuf'),
        })
      : loadTrustRoot(options);
  const common = {
    trustRoot,
    ignoreTlog: options.ignoreTlog ?? false,
    requireDockerReference: options.requireDockerReference ?? false,
  };
  const policy = options.identity ? identityPolicy(options.identity) : undefined;
  const verifiers: SignatureVerifiers = policy
    ? new KeylessVerifiers({
        ...common,
        identity: policy,
        ignoreSct: options.ignoreSct ?? false,
      })
    : new KeyVerifiers({ ...common, keys });
  const trustText = policy
    ? policy.describe
    : keys.map((k) => `${k.source} (${shortFingerprint(k)})`).join(', ');
  return { verifiers, keys, trustRoot, trustText };
}

export async function verifyImages(references: string[], options: VerifyOptions): Promise<VerifyRun> {
  const parsed = references.map((r) => parseReference(r));
  const { verifiers, keys, trustRoot, trustText } = await buildTrust(options);
  const client = options.client ?? new RegistryClient(options);
  const sigRepo = options.signatureRepository ? parseReference(options.signatureRepository) : undefined;
  if (sigRepo && (sigRepo.kind !== 'registry' || sigRepo.tag || sigRepo.digest)) {
    throw new TrustgateError(
      'USAGE',
      `--signature-repository ${options.signatureRepository} must be registry/repository, with no tag or digest`,
    );
  }
  const verifyResolved = async (
    image: ResolvedImage,
    ref: ImageReference,
  ): Promise<Omit<ImageVerification, 'reference'>> => {
    const { reference: _, ...blank } = unverified('');
    const out: Omit<ImageVerification, 'reference'> = {
      ...blank,
      canonical: image.canonical,
      digest: image.digest,
    };
    const discoverOptions = {
      ...(sigRepo ? { signatureSource: openSource(sigRepo, client) } : {}),
      ...(options.discoveryLimits ? { limits: options.discoveryLimits } : {}),
    };
    const repository = ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : '';
    const expect = { digest: image.digest, repository };
    // Referrers first, then the legacy tag: one verified signature is enough unless all are asked for.
    const discovery = emptyDiscovery(image.digest);
    await discoverReferrers(image.source, image.digest, discoverOptions, discovery);
    let result = verifySignatures(discovery, expect, verifiers);
    if (options.allSignatures || !result.verdicts.some((v) => v.verified)) {
      await discoverLegacyTags(image.source, image.digest, discoverOptions, discovery);
      result = verifySignatures(discovery, expect, verifiers);
    } else {
      out.stoppedEarly = true;
    }
    out.signatures = result.verdicts;
    out.notSignatures = result.notSignatures;
    out.unsigned = discovery.unsigned;
    out.searched = discovery.searched;
    const ok = result.verdicts.filter((v) => v.verified);
    if (ok.length > 0) {
      out.verdict = 'verified';
      out.message = `${ok.length} of ${result.verdicts.length} signature(s) verified (${[...new Set(ok.map((v) => (v.key ? shortFingerprint(v.key) : (v.identity?.subjectAlternativeName ?? 'certificate'))))].join(', ')})`;
    } else if (result.verdicts.length === 0) {
      out.verdict = 'no-signatures';
      const extra = result.notSignatures.length + discovery.unsigned.length;
      out.message = `no signatures found for ${image.digest} (looked in ${discovery.searched.join('; ')})${extra > 0 ? `; ${extra} other attachment(s), none a signature` : ''}`;
    } else {
      out.verdict = 'none-matched';
      out.message = `${result.verdicts.length} signature(s) found, none verified with ${trustText}`;
    }
    return out;
  };
  try {
    const images = await eachImage<Omit<ImageVerification, 'reference'>, ImageVerification>(
      parsed,
      batchLoopOptions(options, client, parsed.length),
      {
        verify: verifyResolved,
        result: (reference, _image, shared) => ({ ...shared, reference }),
        failure: (reference, message, code) => ({
          ...unverified(reference),
          message,
          error: { code, message },
        }),
      },
    );
    return {
      trustRoot: trustRoot.description,
      keys: keys.map((k) => ({ fingerprint: k.fingerprint, source: k.source, algorithm: k.algorithm })),
      ...(options.identity ? { identity: trustText } : {}),
      ignoreTlog: options.ignoreTlog ?? false,
      images,
      exitCode: exitCodeFor(images.map((i) => i.verdict)),
    };
  } finally {
    if (!options.client) await client.close();
  }
}
