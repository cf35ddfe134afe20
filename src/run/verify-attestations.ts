/**
 * `trustgate verify-attestation` as a run: resolve through the run's Source, discover everything
 * attached (legacy `.att` and bundle referrers), verify each attestation with the run's trust, and
 * keep those of the asked-for type.
 */
import type { UnsignedAttachment } from '../discovery/types.js';
import { exitCodeForVerdicts } from '../exit-codes.js';
import { type CuePolicies, checkCuePolicies } from '../policy/cue/policy.js';
import { type ImageReference, parseReference } from '../reference/parse.js';
import type { ResolvedImage } from '../resolve/resolve.js';
import { type AttestationVerdict, predicateTypeFor, verifyAttestations } from '../verify/attestations.js';
import type { Trust } from '../verify/trust.js';
import { buildkitManifestCount } from './buildkit.js';
import type { RunContext } from './context.js';
import { applyCuePolicies } from './cue-gate.js';
import { eachImage } from './each-image.js';
import { discoverAll } from './image-reading.js';
import { type ImageVerdict, loopOptionsOf } from './verify.js';

export interface ImageAttestations {
  reference: string;
  /** With --all-platforms: the platform of an image that is a platform image of an index given. */
  platform?: string;
  canonical?: string;
  digest?: string;
  verdict: ImageVerdict;
  message: string;
  attestations: AttestationVerdict[];
  unsigned: UnsignedAttachment[];
  searched: string[];
  error?: { code: string; message: string };
  /** Fields the CUE policies declare that a checked statement lacks (they constrained nothing). */
  policyUnmatched?: string[];
  /** With job.buildkitHint, when none was found: the BuildKit attestation manifests its index lists for it. */
  buildkit?: number;
}

export interface AttestationRun {
  trustRoot: string;
  trust: string;
  predicateType?: string;
  images: ImageAttestations[];
  exitCode: number;
}

export interface AttestationJob {
  /** A --type shorthand or a full predicateType URI; none means every attestation, reported by type. */
  type?: string;
  /**
   * cosign-style CUE policies (policy/cue/policy.ts loadCuePolicies): every attestation that verified
   * and is of the type must pass them all, or the image does not verify (none matched).
   */
  cuePolicies?: CuePolicies;
  /** A policy field the statement lacks fails the attestation, instead of a warning. */
  strictPolicy?: boolean;
  /**
   * When an image resolved from an index has none: count the unsigned BuildKit attestations its index
   * lists for it (ImageAttestations.buildkit), so the CLI can say where the evidence is.
   */
  buildkitHint?: boolean;
}

function countByType(list: AttestationVerdict[]): string {
  const counts = new Map<string, number>();
  for (const a of list)
    counts.set(a.predicateType ?? 'unreadable', (counts.get(a.predicateType ?? 'unreadable') ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t} (${n})`).join(', ') || 'none';
}

export async function runVerifyAttestations(
  references: ReadonlyArray<string | ImageReference>,
  trust: Trust,
  ctx: RunContext,
  job: AttestationJob = {},
): Promise<AttestationRun> {
  const parsed = references.map((r) => (typeof r === 'string' ? parseReference(r) : r));
  const predicateType = job.type ? predicateTypeFor(job.type) : undefined;
  // A policy that does not load fails the run before any image is read, naming file:line:column.
  if (job.cuePolicies) await checkCuePolicies(job.cuePolicies);
  const verifyResolved = async (image: ResolvedImage): Promise<Omit<ImageAttestations, 'reference'>> => {
    const found = await discoverAll(image, ctx);
    const all = verifyAttestations(found, trust.verifiers);
    const wanted = predicateType ? all.filter((a) => a.predicateType === predicateType) : all;
    const verified = wanted.filter((a) => a.verified);
    const policy = job.cuePolicies
      ? await applyCuePolicies(verified, job.cuePolicies, job.strictPolicy ?? false)
      : undefined;
    // cosign: one attestation failing the policy fails the image.
    const ok = policy?.failure ? [] : verified;
    const out: Omit<ImageAttestations, 'reference'> = {
      verdict: 'error',
      message: '',
      canonical: image.canonical,
      digest: image.digest,
      attestations: wanted,
      unsigned: found.unsigned,
      searched: found.searched,
      ...(policy?.unmatched.length ? { policyUnmatched: policy.unmatched } : {}),
    };
    const what = predicateType ? `attestation(s) of type ${predicateType}` : 'attestation(s)';
    if (ok.length > 0) {
      out.verdict = 'verified';
      out.message = `${ok.length} of ${wanted.length} ${what} verified`;
    } else if (policy?.failure) {
      out.verdict = 'none-matched';
      out.message = `${policy.failed} of ${verified.length} verified ${what} failed the CUE policy: ${policy.failure.replace(/^the CUE policy failed: /, '')}`;
    } else if (wanted.length === 0) {
      out.verdict = 'no-signatures';
      out.message = `no ${what} found for ${image.digest}${predicateType ? `; found: ${countByType(all)}` : ''}`;
      if (job.buildkitHint) {
        // A hint is never worth failing the image for: an index that cannot be read again counts 0.
        const n = await buildkitManifestCount(image).catch(() => 0);
        if (n > 0) out.buildkit = n;
      }
    } else {
      out.verdict = 'none-matched';
      out.message = `${wanted.length} ${what} found, none verified with ${trust.text}`;
    }
    return out;
  };
  const images = await eachImage<Omit<ImageAttestations, 'reference'>, ImageAttestations>(
    parsed,
    loopOptionsOf(ctx, parsed.length),
    {
      verify: verifyResolved,
      result: (reference, _image, shared) => ({ ...shared, reference }),
      failure: (reference, message, code) => ({
        reference,
        verdict: 'error',
        message,
        attestations: [],
        unsigned: [],
        searched: [],
        error: { code, message },
      }),
    },
  );
  return {
    trustRoot: trust.trustRoot.description,
    trust: trust.text,
    ...(predicateType ? { predicateType } : {}),
    images,
    exitCode: exitCodeForVerdicts(images.map((i) => i.verdict)),
  };
}
