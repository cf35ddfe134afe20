/**
 * The pure half of gathering: what the authorities verify on one discovery, and the name rules match
 * an image by. No registry and no file is touched here (trust material arrives already loaded), so
 * these run the same on a fresh discovery and on one read back from the cache.
 */
import { createHash } from 'node:crypto';
import type { Discovery, Origin } from '../discovery/types.js';
import type { Digest } from '../reference/digest.js';
import { type ImageName, imageNameOf } from '../reference/name.js';
import type { ImageReference } from '../reference/parse.js';
import { verifyAttestations } from '../verify/attestations.js';
import { type SignatureVerifiers, verifySignatures } from '../verify/verify-signatures.js';
import type { ImageEvidence } from './evidence.js';

/** The image verified: its digest, and the repository it was named by ('' for a layout), which a simple-signing docker-reference is compared with. */
export interface EvidenceSubject {
  digest: Digest;
  repository: string;
}

export type Verified = Pick<ImageEvidence, 'signatures' | 'attestations' | 'rejections' | 'signers'>;

/** What verification needs from the run's trust material (gather.ts PolicyVerifiers has it). */
export interface EvidenceVerifiers {
  byAuthority: ReadonlyMap<string, SignatureVerifiers>;
  /** Any keyless signer, per trust root, for deny lists. */
  anySigner: readonly SignatureVerifiers[];
}

/** Verification of a discovery as it grows: a stage that added nothing is not verified again. */
export function verifierOf(verify: (found: Discovery) => Verified): (found: Discovery) => Verified {
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
export function signatureIds(discovery: Discovery): Map<Origin, string> {
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
export function verifyEvidence(
  discovery: Discovery,
  subject: EvidenceSubject,
  verifiers: EvidenceVerifiers,
): Verified {
  const out: Verified = { signatures: [], attestations: [], rejections: {}, signers: [] };
  const ids = signatureIds(discovery);
  for (const [authority, v] of verifiers.byAuthority) {
    const sigs = verifySignatures(discovery, subject, v);
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
        layer: s.origin.layer,
        manifest: s.origin.manifest,
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
        layer: a.origin.layer,
        manifest: a.origin.manifest,
        ...(a.signer?.key ? { key: a.signer.key } : {}),
        ...(a.signer?.identity ? { identity: a.signer.identity } : {}),
        ...(a.tlog ? { time: a.tlog.integratedTime } : {}),
        statement: a.statement,
      });
    }
    if (reasons.length > 0) out.rejections[authority] = [...new Set(reasons)];
  }
  out.signers = signersOf(discovery, subject, verifiers.anySigner);
  return out;
}

/** Every distinct keyless signer any trust root accepts, for the deny lists. */
function signersOf(
  discovery: Discovery,
  subject: EvidenceSubject,
  anySigner: readonly SignatureVerifiers[],
): Verified['signers'] {
  const signers: Verified['signers'] = [];
  const seen = new Set<string>();
  for (const v of anySigner) {
    const found = [
      ...verifySignatures(discovery, subject, v)
        .verdicts.filter((s) => s.verified)
        .map((s) => s.identity),
      ...verifyAttestations(discovery, v)
        .filter((a) => a.verified)
        .map((a) => a.signer?.identity),
    ];
    for (const id of found) {
      if (!id) continue;
      const k = `${id.subjectAlternativeName}\n${id.issuer}`;
      if (!seen.has(k)) signers.push(id);
      seen.add(k);
    }
  }
  return signers;
}

/**
 * What rules match an image by, from its reference alone (an OCI layout takes `imageName`, already
 * normalised by parseImageName): the same name a registry reference to it would get.
 */
export function namingOf(
  reference: string,
  ref: ImageReference | undefined,
  imageName: ImageName | undefined,
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
    ref.kind === 'registry' ? imageNameOf(ref) : (imageName ?? { name: `oci:${ref.path}`, registry: 'oci' });
  return { ...base, ...named, givenBy, ...tag };
}
