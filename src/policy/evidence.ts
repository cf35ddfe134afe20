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
  /** Verification could not be completed (registry down, malformed data): fail closed. */
  error?: string;
}
