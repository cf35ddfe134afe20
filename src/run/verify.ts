/**
 * `trustgate verify` as a run: resolve each reference to a digest through the run's Source, discover
 * what is attached to that digest, verify signatures with the run's trust, and say why in every case.
 * The trust is built and the Source opened by the caller (verify/verify-image.ts verifyImages for the
 * option bag), so this file neither reads key files nor opens a registry client.
 */
import { discoverLegacyTags, discoverReferrers, emptyDiscovery } from '../discovery/discover.js';
import type { Discovery, UnsignedAttachment } from '../discovery/types.js';
import { TrustgateError } from '../errors.js';
import { exitCodeForVerdicts } from '../exit-codes.js';
import { type ImageReference, parseReference, repositoryOf } from '../reference/parse.js';
import { openSource, type ResolvedImage } from '../resolve/resolve.js';
import { shortFingerprint } from '../trust/keys.js';
import type { Trust } from '../verify/trust.js';
import type { NotASignature, SignatureVerdict } from '../verify/verify-signatures.js';
import { verifySignatures } from '../verify/verify-signatures.js';
import type { RunContext } from './context.js';
import { type EachImageOptions, eachImage } from './each-image.js';
import { discoverOptionsOf } from './image-reading.js';

export type ImageVerdict = 'verified' | 'no-signatures' | 'none-matched' | 'error';

export interface ImageVerification {
  reference: string;
  /** With --all-platforms: the platform of an image that is a platform image of an index given. */
  platform?: string;
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

export interface VerifyJob {
  /** Repository holding the legacy `.sig` tags, e.g. `registry/repo` (cosign's COSIGN_REPOSITORY). */
  signatureRepository?: string;
  /** Examine every signature even after one verified (cosign's behaviour, and what -o cosign prints). */
  allSignatures?: boolean;
}

/** The per-image loop's settings for verify and verify-attestation: --fail-fast on any unverified image. */
export function loopOptionsOf<R extends { verdict: ImageVerdict }>(
  ctx: RunContext,
  total: number,
): EachImageOptions<R> {
  const { source, limits, batch } = ctx;
  return {
    client: source.client,
    ...(source.platform ? { platform: source.platform } : {}),
    ...(limits.imageConcurrency ? { imageConcurrency: limits.imageConcurrency } : {}),
    ...(batch?.onProgress
      ? { onResult: (_r: R, _i: number, done: number) => batch.onProgress?.(done, total) }
      : {}),
    ...(batch?.failFast ? { stopAfter: (r: R) => r.verdict !== 'verified' } : {}),
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

function signatureRepositoryOf(given: string | undefined): ImageReference | undefined {
  const sigRepo = given ? parseReference(given) : undefined;
  if (sigRepo && (sigRepo.kind !== 'registry' || sigRepo.tag || sigRepo.digest)) {
    throw new TrustgateError(
      'USAGE',
      // Kept naming the flag: test/unit/run-verify.test.ts asserts this library message as it is.
      `--signature-repository ${given} must be registry/repository, with no tag or digest`,
      { option: 'signatureRepository' },
    );
  }
  return sigRepo;
}

/** The verdict and its one-line reason from what was found and what verified. */
function judge(
  out: Omit<ImageVerification, 'reference'>,
  digest: string,
  discovery: Discovery,
  trust: Trust,
): void {
  const ok = out.signatures.filter((v) => v.verified);
  if (ok.length > 0) {
    out.verdict = 'verified';
    out.message = `${ok.length} of ${out.signatures.length} signature(s) verified (${[...new Set(ok.map((v) => (v.key ? shortFingerprint(v.key) : (v.identity?.subjectAlternativeName ?? 'certificate'))))].join(', ')})`;
  } else if (out.signatures.length === 0) {
    out.verdict = 'no-signatures';
    const extra = out.notSignatures.length + discovery.unsigned.length;
    out.message = `no signatures found for ${digest} (looked in ${discovery.searched.join('; ')})${extra > 0 ? `; ${extra} other attachment(s), none a signature` : ''}`;
  } else {
    out.verdict = 'none-matched';
    out.message = `${out.signatures.length} signature(s) found, none verified with ${trust.text}`;
  }
}

export async function runVerify(
  references: ReadonlyArray<string | ImageReference>,
  trust: Trust,
  ctx: RunContext,
  job: VerifyJob = {},
): Promise<VerifyRun> {
  const parsed = references.map((r) => (typeof r === 'string' ? parseReference(r) : r));
  const sigRepo = signatureRepositoryOf(job.signatureRepository);
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
      ...(sigRepo ? { signatureSource: openSource(sigRepo, ctx.source.client) } : {}),
      ...discoverOptionsOf(ctx, 'signatures'),
    };
    const repository = repositoryOf(ref);
    const expect = { digest: image.digest, repository };
    // Referrers first, then the legacy tag: one verified signature is enough unless all are asked
    // for. Staged by hand rather than through discoverAsNeeded, which also reads attestations (the
    // `.att` tag and attestation layers) and would change what verify fetches and lists as searched.
    const discovery = emptyDiscovery(image.digest);
    await discoverReferrers(image.source, image.digest, discoverOptions, discovery);
    let result = verifySignatures(discovery, expect, trust.verifiers);
    if (job.allSignatures || !result.verdicts.some((v) => v.verified)) {
      await discoverLegacyTags(image.source, image.digest, discoverOptions, discovery);
      result = verifySignatures(discovery, expect, trust.verifiers);
    } else {
      out.stoppedEarly = true;
    }
    out.signatures = result.verdicts;
    out.notSignatures = result.notSignatures;
    out.unsigned = discovery.unsigned;
    out.searched = discovery.searched;
    judge(out, image.digest, discovery, trust);
    return out;
  };
  const images = await eachImage<Omit<ImageVerification, 'reference'>, ImageVerification>(
    parsed,
    loopOptionsOf(ctx, parsed.length),
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
    trustRoot: trust.trustRoot.description,
    keys: trust.keys.map((k) => ({ fingerprint: k.fingerprint, source: k.source, algorithm: k.algorithm })),
    ...(trust.identity ? { identity: trust.text } : {}),
    ignoreTlog: trust.ignoreTlog,
    images,
    exitCode: exitCodeForVerdicts(images.map((i) => i.verdict)),
  };
}
