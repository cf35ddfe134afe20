/** What discovery finds attached to a digest, before anything is verified. */
import type { Digest } from '../reference/digest.js';

/** Where an item came from, for reports: the manifest that carried it and how it was found. */
export interface Origin {
  /** `tag:sha256-….sig`, `referrers-api`, `tag-schema`, `layout-kind:sigs`, … */
  via: string;
  /** Digest of the manifest that carried the item. */
  manifest: Digest;
  /** Digest of the layer (blob) holding the payload or bundle. */
  layer: Digest;
}

/** A cosign "simple signing" signature: the legacy `.sig` layer, or the same as an OCI 1.1 referrer. */
export interface SimpleSigningSignature {
  format: 'simplesigning';
  origin: Origin;
  /** The layer bytes: the simple-signing JSON that was signed. */
  payload: Uint8Array;
  /** base64 signature over `payload`. */
  signature: string;
  certificate?: string;
  chain?: string;
  /** The Rekor bundle annotation (JSON text), when the signature was logged. */
  rekorBundle?: string;
  rfc3161Timestamp?: string;
}

/** A Sigstore bundle (v0.3, DSSE or message signature) found as a referrer. */
export interface SigstoreBundleArtifact {
  format: 'sigstore-bundle';
  origin: Origin;
  /** The bundle JSON exactly as fetched. */
  bytes: Uint8Array;
  /** The predicateType the manifest annotation claims: a hint only, never trusted. */
  annotatedPredicateType?: string;
}

/** A legacy cosign `.att` DSSE layer. */
export interface DsseAttestationLayer {
  format: 'dsse-layer';
  origin: Origin;
  /** The DSSE envelope JSON as fetched. */
  bytes: Uint8Array;
  annotatedPredicateType?: string;
  certificate?: string;
  chain?: string;
  rekorBundle?: string;
}

/** Anything else attached (e.g. legacy ORAS `application/aa.trivy.sbom`): reported, never trusted. */
export interface UnsignedAttachment {
  format: 'unsigned';
  digest: Digest;
  artifactType: string;
  via: string;
  annotations?: Record<string, string>;
}

export interface Discovery {
  digest: Digest;
  /** Simple-signing signatures: legacy `.sig` layers and cosign 2 signature referrers. */
  simpleSigning: SimpleSigningSignature[];
  /**
   * Sigstore bundle referrers. Whether one is a signature or an attestation is decided from the
   * predicateType inside its statement, never from annotations.
   */
  bundles: SigstoreBundleArtifact[];
  /** Legacy `.att` DSSE layers (read only when attestations were asked for). */
  dsseLayers: DsseAttestationLayer[];
  unsigned: UnsignedAttachment[];
  /** Where discovery looked, for "no signatures found" messages. */
  searched: string[];
  /**
   * What a plan left unread because what had been read already settled the outcome (discoverAsNeeded).
   * Absent when discovery read everything.
   */
  unread?: string[];
}
