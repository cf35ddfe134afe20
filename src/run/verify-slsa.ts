/**
 * `trustgate verify-slsa` (slsa-verifier's `verify-image`) as a run: the image's keyless SLSA
 * provenance attestations (legacy `.att` and bundle referrers, v0.2 and v1) are verified with the
 * run's trust root like any attestation, then each verified one is judged by slsa-verifier's rules:
 * the certificate must name a trusted slsa-github-generator builder at a release tag, run for the
 * expected repository (trust/slsa-builder.ts), and the provenance must name that same builder and
 * the expected source, tag, versioned tag and branch (the policy engine's SLSA gate). The first
 * provenance that passes every check passes the image.
 */

import { discover } from '../discovery/discover.js';
import { TrustgateError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { builderIdMatches, slsaFields, slsaFindings } from '../policy/evaluate/gates/slsa.js';
import {
  type BuilderIdentity,
  builderFromCertificate,
  GITHUB_ACTIONS_ISSUER,
} from '../policy/evaluate/gates/slsa-builder.js';
import { type ImageReference, parseReference } from '../reference/parse.js';
import { openSource, type ResolvedImage } from '../resolve/resolve.js';
import type { RootSpecWithRekor } from '../trust/root-spec.js';
import { verifyAttestations } from '../verify/attestations.js';
import { buildTrust } from '../verify/trust.js';
import type { RunContext } from './context.js';
import { eachImage } from './each-image.js';

export const SLSA_PROVENANCE_TYPES: readonly string[] = [
  'https://slsa.dev/provenance/v0.2',
  'https://slsa.dev/provenance/v1',
];

/** slsa-verifier verify-image's flags. */
export interface SlsaJob {
  /** The repository that must have been built, e.g. `github.com/org/repo` (required). */
  sourceUri: string;
  /** The exact tag, e.g. `v1.2.3`. */
  sourceTag?: string;
  /** A semantic version the tag must satisfy: `v1` matches `v1.4.2`, `v1.2` matches `v1.2.x`. */
  sourceVersionedTag?: string;
  sourceBranch?: string;
  /** The builder workflow, `name` or `name@refs/tags/vX.Y.Z` (or `name@vX.Y.Z`). */
  builderId?: string;
  /** Where the `.att` tags live, `registry/repository` (slsa-verifier's --provenance-repository). */
  provenanceRepository?: string;
  /** The trust root; default: the embedded public-good root. */
  root?: RootSpecWithRekor;
}

/** One provenance attestation and why it did or did not pass. */
export interface SlsaCandidate {
  predicateType?: string;
  origin: string;
  passed: boolean;
  reason?: string;
  builder?: BuilderIdentity;
}

export interface SlsaRun {
  reference: string;
  canonical?: string;
  digest?: string;
  passed: boolean;
  /** Why it failed: the first provenance's first failure, as slsa-verifier reports it. */
  reason?: string;
  /** The verified builder of the provenance that passed. */
  builder?: BuilderIdentity;
  /** The in-toto statement that passed, exactly as signed (what --print-provenance prints). */
  provenance?: Uint8Array;
  candidates: SlsaCandidate[];
  searched: string[];
  exitCode: ExitCodeValue;
}

/** The job's flags checked before anything is read, as slsa-verifier's command line does. */
function checkJob(job: SlsaJob): void {
  if (!job.sourceUri) throw new TrustgateError('USAGE', '--source-uri is required', { option: 'sourceUri' });
  if (job.sourceTag !== undefined && job.sourceVersionedTag !== undefined)
    throw new TrustgateError(
      'USAGE',
      '--source-tag and --source-versioned-tag cannot be used together: give one',
      { option: 'sourceVersionedTag' },
    );
  const normalised = job.sourceUri.includes('://')
    ? job.sourceUri.replace(/^git\+/, '')
    : `https://${job.sourceUri}`;
  if (!normalised.startsWith('https://github.com/'))
    throw new TrustgateError('USAGE', `--source-uri ${job.sourceUri} is not a github.com repository`, {
      option: 'sourceUri',
      hint: 'give it as github.com/ORG/REPO',
    });
}

function provenanceRepositoryOf(given: string | undefined): ImageReference | undefined {
  if (given === undefined) return undefined;
  const ref = parseReference(given);
  if (ref.kind !== 'registry' || ref.tag || ref.digest)
    throw new TrustgateError(
      'USAGE',
      `--provenance-repository ${given} must be registry/repository, with no tag or digest`,
      { option: 'provenanceRepository' },
    );
  return ref;
}

/** slsa-verifier accepts only an immutable reference: the digest is what the provenance must name. */
function checkImmutable(ref: ImageReference): void {
  if (ref.kind === 'registry' && !ref.digest)
    throw new TrustgateError(
      'USAGE',
      `the image ${ref.original} is mutable: give it by digest (…@sha256:…)`,
      {
        hint: 'resolve it first: trustgate resolve IMAGE',
      },
    );
}

/** Judge one verified provenance: the certificate's builder, then the provenance's fields. */
function judgeProvenance(
  signer: Parameters<typeof builderFromCertificate>[0],
  predicateType: string,
  predicate: unknown,
  job: SlsaJob,
): { ok: true; builder: BuilderIdentity } | { ok: false; reason: string } {
  const b = builderFromCertificate(signer, {
    sourceUri: job.sourceUri,
    ...(job.builderId !== undefined ? { builderId: job.builderId } : {}),
    matches: builderIdMatches,
  });
  if (!b.ok) return b;
  const findings = slsaFindings(slsaFields(predicateType, predicate), {
    // The provenance must name exactly the builder the certificate names, version included.
    builderId: b.builder.id,
    sourceUri: job.sourceUri,
    sourceMaterial: true,
    ...(job.sourceTag !== undefined ? { sourceTag: job.sourceTag } : {}),
    ...(job.sourceVersionedTag !== undefined ? { sourceVersionedTag: job.sourceVersionedTag } : {}),
    ...(job.sourceBranch !== undefined ? { sourceBranch: job.sourceBranch } : {}),
  });
  const failed = findings.find((f) => !f.ok);
  if (failed) return { ok: false, reason: `provenance ${failed.reason}` };
  return { ok: true, builder: b.builder };
}

export async function runVerifySlsa(
  reference: string | ImageReference,
  job: SlsaJob,
  ctx: RunContext,
): Promise<SlsaRun> {
  checkJob(job);
  const parsed = typeof reference === 'string' ? parseReference(reference) : reference;
  checkImmutable(parsed);
  const provRepo = provenanceRepositoryOf(job.provenanceRepository);
  // The signature checks are verify-attestation's: any GitHub Actions certificate from the trust
  // root, with its log entry; which workflow it names is judged below, with slsa-verifier's reasons.
  const trust = await buildTrust({
    identity: { identityRegexp: 'https://github\\.com/.+', issuer: GITHUB_ACTIONS_ISSUER },
    ...(job.root ? { root: job.root } : {}),
  });
  const verifyResolved = async (image: ResolvedImage): Promise<Omit<SlsaRun, 'reference'>> => {
    const found = await discover(image.source, image.digest, {
      attestations: true,
      ...(provRepo ? { signatureSource: openSource(provRepo, ctx.source.client) } : {}),
      ...(ctx.limits.discovery ? { limits: ctx.limits.discovery } : {}),
    });
    const all = verifyAttestations(found, trust.verifiers);
    const candidates: SlsaCandidate[] = [];
    const base = { canonical: image.canonical, digest: image.digest, searched: found.searched };
    for (const a of all) {
      // An unverified statement's type is only what it claims; it counts only if it claims SLSA.
      if (!a.predicateType || !SLSA_PROVENANCE_TYPES.includes(a.predicateType)) continue;
      const origin = a.origin.via;
      if (!a.verified || !a.statement) {
        candidates.push({
          predicateType: a.predicateType,
          origin,
          passed: false,
          reason: a.reason ?? 'not verified',
        });
        continue;
      }
      const verdict = judgeProvenance(a.signer?.identity ?? {}, a.predicateType, a.statement.predicate, job);
      if (verdict.ok) {
        candidates.push({ predicateType: a.predicateType, origin, passed: true, builder: verdict.builder });
        return {
          ...base,
          passed: true,
          builder: verdict.builder,
          ...(a.payload ? { provenance: a.payload } : {}),
          candidates,
          exitCode: ExitCode.OK,
        };
      }
      candidates.push({ predicateType: a.predicateType, origin, passed: false, reason: verdict.reason });
    }
    if (candidates.length === 0)
      return {
        ...base,
        passed: false,
        reason: `no SLSA provenance found for ${image.digest} (looked in ${found.searched.join('; ')})`,
        candidates,
        exitCode: ExitCode.NO_SIGNATURES,
      };
    const reasons = candidates.map((c) => c.reason);
    return {
      ...base,
      passed: false,
      reason:
        reasons.length > 1
          ? `${reasons[0]} (and ${reasons.length - 1} more: ${reasons.slice(1).join('; ')})`
          : reasons[0]!,
      candidates,
      exitCode: ExitCode.NONE_MATCHED,
    };
  };
  const [result] = await eachImage<Omit<SlsaRun, 'reference'>, SlsaRun>(
    [parsed],
    {
      client: ctx.source.client,
      ...(ctx.source.platform ? { platform: ctx.source.platform } : {}),
    },
    {
      verify: verifyResolved,
      result: (ref, _image, shared) => ({ ...shared, reference: ref }),
      failure: (ref, message) => ({
        reference: ref,
        passed: false,
        reason: message,
        candidates: [],
        searched: [],
        exitCode: ExitCode.FAILURE,
      }),
    },
  );
  return result!;
}
