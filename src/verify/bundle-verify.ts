/**
 * Verifying one Sigstore bundle against an artifact (its bytes, or only its sha256), with a key or a
 * keyless identity: the core of `trustgate verify-bundle`, which speaks the sigstore-conformance CLI
 * protocol. sigstore-js does the verification; the additions are narrow: key-type-aware hashing,
 * message signatures checked from a digest, anchored identity matching, and DSSE subject checks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { type SignedEntity, type Signer, toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import type { IdentityPolicy } from '../trust/identity.js';
import type { VerificationKey } from '../trust/keys.js';
import type { LoadedTrustRoot } from '../trust/roots.js';
import { type ArtifactDigest, type SubjectDigestAlgorithm, subjectMismatch } from './artifact-digest.js';
import { bundleOverLimits, chainHoldsRoot } from './bundle-checks.js';
import { verifyPrehashed } from './prehashed.js';
import { toKeyAwareEntity } from './signed-entity.js';
import { parseStatement } from './statement.js';
import { leafCertificate, tlogSignerMismatch } from './tlog-signer.js';

/**
 * The artifact: its bytes, its sha256, or its digest by another algorithm (only a DSSE statement's
 * subjects can be matched by that: a message signature is over sha256).
 */
export type ArtifactInput = { bytes: Buffer } | { sha256: Buffer } | ArtifactDigest;

export type BundleTrust = { key: VerificationKey } | { identity: IdentityPolicy };

export type BundleVerification =
  | { ok: true; signer: Signer; description: string }
  | { ok: false; reason: string };

function artifactSha256(a: ArtifactInput): Buffer | undefined {
  if ('algorithm' in a) return a.algorithm === 'sha256' ? a.digest : undefined;
  return 'sha256' in a ? a.sha256 : createHash('sha256').update(a.bytes).digest();
}

/** The artifact as subjectMismatch takes it. */
function subjectArtifact(a: ArtifactInput): { bytes: Uint8Array } | ArtifactDigest {
  return 'sha256' in a ? { algorithm: 'sha256', digest: a.sha256 } : a;
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A message-signature entity checked from the artifact's digest, never its bytes. */
function digestOnlyEntity(bundle: Bundle, sha256: Buffer): SignedEntity | string {
  if (bundle.content.$case !== 'messageSignature') return 'not a message signature';
  const ms = bundle.content.messageSignature;
  const declared = ms.messageDigest?.digest ?? Buffer.alloc(0);
  if (!safeEqual(Buffer.from(declared), sha256)) return 'the bundle signs another digest than the one given';
  const entity = toSignedEntity(bundle, Buffer.alloc(0));
  const sig = Buffer.from(ms.signature);
  return {
    ...entity,
    signature: {
      signature: sig,
      compareSignature: (s) => safeEqual(Buffer.from(s), sig),
      compareDigest: (d) => safeEqual(Buffer.from(d), sha256),
      compareSignedDigest: (d) => safeEqual(Buffer.from(d), sha256),
      verifySignature: (key) => verifyPrehashed(key, sha256, sig),
    },
  };
}

/**
 * One bundle against an artifact or its digest, as the conformance protocol asks. Over 80 lines: the
 * DSSE and message-signature branches share the parse, limit and root checks before them and the
 * signer check after, which would otherwise be passed between three functions.
 */
export function verifyBundleJson(
  json: unknown,
  artifact: ArtifactInput,
  trust: BundleTrust,
  trustRoot: LoadedTrustRoot,
  options: { digestAlgorithm?: SubjectDigestAlgorithm } = {},
): BundleVerification {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (e) {
    return { ok: false, reason: `not a valid Sigstore bundle: ${(e as Error).message}` };
  }
  const refused = bundleOverLimits(bundle) ?? chainHoldsRoot(bundle);
  if (refused) return { ok: false, reason: refused };
  // A message signature is over the artifact's sha256; a statement names it by its subjects' digests.
  const sha256 = bundle.content.$case === 'messageSignature' ? artifactSha256(artifact) : undefined;
  let entity: SignedEntity;
  try {
    if (bundle.content.$case === 'dsseEnvelope') {
      const env = bundle.content.dsseEnvelope;
      const parsed = parseStatement(env.payload);
      if (!parsed.ok) return { ok: false, reason: parsed.reason };
      const mismatch = subjectMismatch(parsed.statement, subjectArtifact(artifact), options.digestAlgorithm);
      if (mismatch) return { ok: false, reason: mismatch };
      entity =
        'key' in trust ? toKeyAwareEntity(bundle, undefined, trust.key.algorithm) : toSignedEntity(bundle);
    } else if (!sha256) {
      return {
        ok: false,
        reason:
          'a message signature is over the sha256 of the artifact: give the file, or sha256:<64 hex> of it',
      };
    } else if ('bytes' in artifact) {
      entity =
        'key' in trust
          ? toKeyAwareEntity(bundle, artifact.bytes, trust.key.algorithm)
          : toSignedEntity(bundle, artifact.bytes);
      const declared = bundle.content.messageSignature.messageDigest?.digest;
      if (declared && !safeEqual(Buffer.from(declared), sha256))
        return { ok: false, reason: "the bundle's message digest is not the artifact's sha256" };
    } else {
      const e = digestOnlyEntity(bundle, sha256);
      if (typeof e === 'string') return { ok: false, reason: e };
      entity = e;
    }
  } catch (e) {
    return { ok: false, reason: `cannot read the bundle: ${(e as Error).message}` };
  }

  const keyed = 'key' in trust;
  const material = keyed
    ? toTrustMaterial(trustRoot.root, () => ({ publicKey: trust.key.key, validFor: () => true }))
    : toTrustMaterial(trustRoot.root);
  // Certificates need at least one verified timestamp (sigstore-js throws a TypeError at 0).
  const verifier = new Verifier(
    material,
    keyed
      ? { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 }
      : { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 },
  );
  let signer: Signer;
  try {
    signer = verifier.verify(entity);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return {
      ok: false,
      reason: `${err.code ? `${err.code}: ` : ''}${(err.message ?? String(e)).split('\n')[0]}`,
    };
  }
  const leaf = leafCertificate(bundle);
  const expected = keyed ? { spkiDer: trust.key.spkiDer } : leaf ? { certDer: leaf } : undefined;
  const logged = expected && tlogSignerMismatch(bundle.verificationMaterial.tlogEntries, expected);
  if (logged) return { ok: false, reason: logged };
  if (keyed) {
    if (bundle.verificationMaterial.content?.$case !== 'publicKey')
      return { ok: false, reason: 'a key was given but the bundle is signed with a certificate' };
    return { ok: true, signer, description: `key ${trust.key.fingerprint}` };
  }
  if (bundle.verificationMaterial.content?.$case === 'publicKey')
    return { ok: false, reason: 'an identity was given but the bundle is signed with a bare key' };
  const m = trust.identity.match({
    subjectAlternativeName: signer.identity?.subjectAlternativeName,
    issuer: signer.identity?.extensions?.issuer,
  });
  if (!m.ok) return { ok: false, reason: m.reason };
  return {
    ok: true,
    signer,
    description: `${signer.identity?.subjectAlternativeName} (${signer.identity?.extensions?.issuer})`,
  };
}
