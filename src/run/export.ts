/**
 * `trustgate export`: one image resolved once and discovered once (every attachment), its signatures
 * and attestations verified, and, with a policy, the policy decided on that same discovery; then the
 * archive is written (output/archive.ts). Reading everything gives the decision plan-based discovery
 * would (policy/discovery-plan.ts): the two differ only when an attachment fails to read, and then
 * discovery has already failed the export.
 */
import type { Discovery } from '../discovery/types.js';
import { archiveContent, sealArchive, writeArchive } from '../output/archive.js';
import { evaluateOrDeny, type PolicyDecision } from '../policy/evaluate/index.js';
import { type EvidenceSubject, namingOf, verifyEvidence } from '../policy/evidence-verify.js';
import { type CompiledPolicy, loadPolicy } from '../policy/load.js';
import { buildPolicyVerifiers } from '../policy/policy-trust.js';
import type { ImageName } from '../reference/name.js';
import { type ImageReference, parseReference, repositoryOf } from '../reference/parse.js';
import type { ResolvedImage } from '../resolve/resolve.js';
import { verifyAttestations } from '../verify/attestations.js';
import type { PolicyTrust, Trust } from '../verify/trust.js';
import { verifySignatures } from '../verify/verify-signatures.js';
import { VERSION } from '../version.js';
import type { RunContext } from './context.js';
import { imageNameFrom } from './gather.js';
import { discoverAll, resolveIn } from './image-reading.js';

export interface ExportPolicy {
  policy: CompiledPolicy;
  trust: PolicyTrust;
  /** With an OCI layout: the registry/repository rules match (as --image-name). */
  imageName?: string;
}

/** A policy file read and its authorities' trust built, for runExport. */
export function exportPolicyFrom(file: string, imageName?: string): ExportPolicy {
  const policy = loadPolicy(file);
  return { policy, trust: buildPolicyVerifiers(policy), ...(imageName ? { imageName } : {}) };
}

export interface ExportRunOptions {
  dir: string;
  /** Also write one deterministic `<dir>.tar.gz`. */
  tar?: boolean;
  /** The time recorded in summary.json (the only field that changes between runs). */
  now?: Date;
  /** Also decide this policy and record its decision in summary.json. */
  policy?: ExportPolicy;
}

export interface ExportResult {
  dir: string;
  files: string[];
  tarball?: string;
  verifiedAttestations: number;
  verifiedSignatures: number;
  /** The policy decision, when a policy was given. */
  decision?: PolicyDecision;
}

export async function runExport(
  reference: string,
  trust: Trust,
  ctx: RunContext,
  o: ExportRunOptions,
): Promise<ExportResult> {
  const ref = parseReference(reference);
  // A bad name is the caller's mistake, reported before any image is touched.
  const imageName = imageNameFrom(o.policy?.imageName);
  const image = await resolveIn(ref, ctx);
  const manifest = await image.source.getManifest(image.digest);
  const d = await discoverAll(image, ctx);
  const subject = { digest: image.digest, repository: repositoryOf(ref) };
  const sigs = verifySignatures(d, subject, trust.verifiers).verdicts;
  const atts = verifyAttestations(d, trust.verifiers);
  const now = o.now ?? new Date();
  const decision = o.policy && decide(o.policy, { reference, ref, imageName, image, d, subject, now });
  const { files, items } = archiveContent(manifest.bytes, d, sigs, atts);
  sealArchive(files, {
    schemaVersion: 1,
    reference,
    canonical: image.canonical,
    digest: image.digest,
    time: now.toISOString(),
    tool: { name: 'trustgate', version: VERSION },
    trustRoot: trust.trustRoot.description,
    trust: trust.text,
    items,
    unsigned: d.unsigned,
    // The decision as of `time` (its own copy of the time is left out: one time field per archive).
    ...(decision ? { policy: { ...decision, effectiveTime: undefined } } : {}),
  });
  const tarball = writeArchive(o.dir, files, o.tar ?? false);
  return {
    dir: o.dir,
    files: [...files.keys()].sort(),
    verifiedAttestations: atts.filter((a) => a.verified).length,
    verifiedSignatures: sigs.filter((s) => s.verified).length,
    ...(decision ? { decision } : {}),
    ...(tarball ? { tarball } : {}),
  };
}

/** The policy's decision on the export's own discovery: the evidence evaluateImages would gather. */
function decide(
  p: ExportPolicy,
  at: {
    reference: string;
    ref: ImageReference;
    imageName: ImageName | undefined;
    image: ResolvedImage;
    d: Discovery;
    subject: EvidenceSubject;
    now: Date;
  },
): PolicyDecision {
  const evidence = {
    ...namingOf(at.reference, at.ref, at.imageName),
    digest: at.image.digest,
    canonical: at.image.canonical,
    ...verifyEvidence(at.d, at.subject, p.trust),
  };
  return evaluateOrDeny(p.policy, evidence, at.now);
}
