/**
 * What verification established about one image, as plain data: the only input policy evaluation
 * reads. Gathering it talks to registries (gather.ts); evaluating it is pure (evaluate.ts), so a
 * decision can be re-made, tested and benchmarked from recorded evidence.
 */
import type { Statement } from '../verify/statement.js';
import type { CertificateIdentity } from '../verify/verify-signatures.js';

export interface SignatureEvidence {
  /** The policy authority whose trust material verified it. */
  authority: string;
  format: string;
  via: string;
  /** Fingerprint of the key (key authorities). */
  key?: string;
  identity?: CertificateIdentity;
  /** The signed time: the transparency-log entry's integrated time. */
  time?: string;
  /**
   * Names the signature itself, by content (whatever route found it), so that one signature two
   * authorities verified counts once towards a threshold.
   */
  signature?: string;
  /** The blob (bundle or signed layer) and the manifest that carried it: a VSA's inputAttestations. */
  layer?: string;
  manifest?: string;
}

export interface AttestationEvidence {
  authority: string;
  predicateType: string;
  format: string;
  via: string;
  key?: string;
  identity?: CertificateIdentity;
  time?: string;
  /** The blob (bundle or signed layer) and the manifest that carried it: a VSA's inputAttestations. */
  layer?: string;
  manifest?: string;
  /** The verified statement; `statement.predicate` is absent when the payload was too large to build. */
  statement: Statement;
}

/**
 * What verification established about one platform image of a multi-arch index (its own digest's
 * signatures and attestations), for rules with a `platforms:` scope other than `index`.
 */
export interface PlatformEvidence {
  /** os/arch[/variant] as the index lists it. */
  platform: string;
  digest: string;
  signatures: SignatureEvidence[];
  attestations: AttestationEvidence[];
  rejections: Record<string, string[]>;
  signers: CertificateIdentity[];
  unread?: string[];
  /** This child's verification could not be completed: it fails every scope that counts it. */
  error?: string;
}

/** An attestation BuildKit stored in the image index: read and digest-checked, never signed. */
export interface UnsignedAttestationEvidence {
  source: 'buildkit';
  predicateType: string;
  /** The image it describes: a child of the index (its statement's subject names it). */
  subject: string;
  platform?: string;
  /** The attestation manifest that holds it. */
  via: string;
  statement: Statement;
}

/** The BuildKit attestations of the index an image is, or was selected from. */
export interface UnsignedEvidence {
  /** The runnable images of that index, each with its platform. */
  children: Array<{ digest: string; platform?: string }>;
  attestations: UnsignedAttestationEvidence[];
  /** Attestation manifests attached to nothing, and why (reported, never used). */
  ignored: string[];
}

export interface ImageEvidence {
  /** As given. */
  reference: string;
  /** registry/repository, what rules match (docker.io/library/nginx). */
  name: string;
  registry: string;
  /** How the reference named the image. */
  givenBy: 'tag' | 'digest' | 'layout';
  tag?: string;
  digest?: string;
  canonical?: string;
  signatures: SignatureEvidence[];
  attestations: AttestationEvidence[];
  /** Why an authority verified nothing, for explanations: authority → reasons seen. */
  rejections: Record<string, string[]>;
  /** Every verified keyless signer, whichever authority (or none) it belongs to: for deny lists. */
  signers: CertificateIdentity[];
  /**
   * Attachments not read because what was read already settled the decision (policy/discovery-plan.ts);
   * absent when everything was read.
   */
  unread?: string[];
  /**
   * BuildKit's in-index attestations, read only for a policy with an `allowUnsigned: buildkit`
   * requirement; they never count as signatures or verified attestations.
   */
  unsigned?: UnsignedEvidence;
  /** Verification could not be completed (registry down, malformed data): fail closed. */
  error?: string;
  /**
   * The platform images (src/resolve/platforms.ts), verified each on its own digest; gathered only
   * when a matching rule has a `platforms:` scope other than `index`. For a single-platform image,
   * the image itself.
   */
  platforms?: PlatformEvidence[];
  /** Every platform the index lists, verified or not (to name what a missing platform could be). */
  platformsListed?: string[];
  /** The platform images could not be listed (or are too many): every non-index scope fails. */
  platformsError?: string;
}
