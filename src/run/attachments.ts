/**
 * `trustgate attestations` (alias `tree`): everything attached to a digest, grouped: signatures,
 * attestations by predicateType, and unsigned attachments (legacy ORAS `application/aa.trivy.*` and the
 * like). With trust each item is verified; without, nothing is called verified.
 */
import type { BuildkitFindings, IgnoredBuildkit } from '../discovery/buildkit.js';
import { COSIGN_SIGN_PREDICATE } from '../discovery/media-types.js';
import type { Discovery, UnsignedAttachment } from '../discovery/types.js';
import { parseReference, repositoryOf } from '../reference/parse.js';
import { type AttestationVerdict, peekPredicateType, verifyAttestations } from '../verify/attestations.js';
import type { Trust } from '../verify/trust.js';
import { type SignatureVerdict, verifySignatures } from '../verify/verify-signatures.js';
import { buildkitOf } from './buildkit.js';
import type { RunContext } from './context.js';
import { discoverAll, resolveIn } from './image-reading.js';

export interface AttachmentsOptions {
  /** Show the inner predicateType of referrers that carry no predicateType annotation (read unverified). */
  inspectUnknown?: boolean;
}

export interface ListedAttestation {
  /** The verified statement's type; unverified: the annotation's, or with inspectUnknown the inner one. */
  predicateType: string;
  typeSource: 'verified statement' | 'annotation' | 'inner statement (unverified)' | 'unknown';
  via: string;
  verified: boolean | undefined;
  signer?: string;
  logTime?: string;
  reason?: string;
}

export interface AttachmentList {
  reference: string;
  canonical: string;
  digest: string;
  verifiedWith?: string;
  signatures: Array<{
    format: string;
    via: string;
    verified: boolean | undefined;
    signer?: string;
    logTime?: string;
    reason?: string;
  }>;
  attestations: ListedAttestation[];
  unsigned: UnsignedAttachment[];
  /** BuildKit attestations stored in the index, by the child they describe; absent when there are none. */
  buildkit?: ListedBuildkit;
}

/** BuildKit's in-index attestations: unsigned, so `verified` is always false and `signed` too. */
export interface ListedBuildkit {
  index: string;
  attestations: Array<{
    child: string;
    platform?: string;
    predicateType: string;
    typeSource: 'annotation' | 'statement (unsigned)';
    manifest: string;
    layer: string;
    signed: false;
    verified: false;
  }>;
  /** Attestation manifests (or layers) attached to nothing: they name no image of the index, or lie. */
  ignored: IgnoredBuildkit[];
}

function listBuildkit(found: BuildkitFindings | undefined): ListedBuildkit | undefined {
  if (!found || (found.attestations.length === 0 && found.ignored.length === 0)) return undefined;
  return {
    index: found.index,
    attestations: found.attestations.map((a) => ({
      child: a.child,
      ...(a.platform ? { platform: a.platform } : {}),
      predicateType: a.predicateType,
      typeSource: a.typeSource,
      manifest: a.manifest,
      layer: a.layer,
      signed: false as const,
      verified: false as const,
    })),
    ignored: found.ignored,
  };
}

function unverifiedList(
  d: Discovery,
  inspectUnknown: boolean,
): Pick<AttachmentList, 'signatures' | 'attestations'> {
  const signatures: AttachmentList['signatures'] = d.simpleSigning.map((s) => ({
    format: s.format,
    via: s.origin.via,
    verified: undefined,
  }));
  const attestations: ListedAttestation[] = [];
  const items = [
    ...d.dsseLayers.map((x) => ({ x, bundle: false })),
    ...d.bundles.map((x) => ({ x, bundle: true })),
  ];
  for (const { x, bundle } of items) {
    const inner = peekPredicateType(x.bytes, bundle ? 'bundle' : 'envelope');
    if (bundle && inner === COSIGN_SIGN_PREDICATE) {
      signatures.push({ format: x.format, via: x.origin.via, verified: undefined });
      continue;
    }
    const t: Pick<ListedAttestation, 'predicateType' | 'typeSource'> = x.annotatedPredicateType
      ? { predicateType: x.annotatedPredicateType, typeSource: 'annotation' }
      : inspectUnknown && inner
        ? { predicateType: inner, typeSource: 'inner statement (unverified)' }
        : { predicateType: 'unknown (no annotation; use --inspect-unknown)', typeSource: 'unknown' };
    attestations.push({ ...t, via: x.origin.via, verified: undefined });
  }
  return { signatures, attestations };
}

function signerOf(
  v: { key?: string; identity?: { subjectAlternativeName?: string } } | undefined,
): string | undefined {
  return v?.key ?? v?.identity?.subjectAlternativeName;
}

function fromVerdicts(
  sigs: SignatureVerdict[],
  atts: AttestationVerdict[],
): Pick<AttachmentList, 'signatures' | 'attestations'> {
  return {
    signatures: sigs.map((s) => ({
      format: s.format,
      via: s.origin.via,
      verified: s.verified,
      ...(signerOf(s) ? { signer: signerOf(s)! } : {}),
      ...(s.tlog ? { logTime: s.tlog.integratedTime } : {}),
      ...(s.reason ? { reason: s.reason } : {}),
    })),
    attestations: atts.map((a) => ({
      predicateType: a.predicateType ?? 'unreadable',
      typeSource: a.verified ? ('verified statement' as const) : ('inner statement (unverified)' as const),
      via: a.origin.via,
      verified: a.verified,
      ...(signerOf(a.signer) ? { signer: signerOf(a.signer)! } : {}),
      ...(a.tlog ? { logTime: a.tlog.integratedTime } : {}),
      ...(a.reason ? { reason: a.reason } : {}),
    })),
  };
}

/** One image's attachments, verified against trust when given, else listed as unverified. */
export async function runAttachments(
  reference: string,
  trust: Trust | undefined,
  ctx: RunContext,
  o: AttachmentsOptions = {},
): Promise<AttachmentList> {
  const ref = parseReference(reference);
  const image = await resolveIn(ref, ctx);
  const d = await discoverAll(image, ctx);
  // Statements are read only to learn an unannotated type (--inspect-unknown): SBOMs can be large.
  const buildkit = listBuildkit(
    await buildkitOf(image, ctx.limits.discovery, o.inspectUnknown ? (t) => t === undefined : undefined),
  );
  const repository = repositoryOf(ref);
  const lists = trust
    ? fromVerdicts(
        verifySignatures(d, { digest: image.digest, repository }, trust.verifiers).verdicts,
        verifyAttestations(d, trust.verifiers),
      )
    : unverifiedList(d, o.inspectUnknown ?? false);
  return {
    reference,
    canonical: image.canonical,
    digest: image.digest,
    ...(trust ? { verifiedWith: trust.text } : {}),
    ...lists,
    unsigned: d.unsigned,
    ...(buildkit ? { buildkit } : {}),
  };
}
