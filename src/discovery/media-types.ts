/** What cosign and Sigstore write next to an image. */
export const CosignMediaType = {
  SIMPLE_SIGNING: 'application/vnd.dev.cosign.simplesigning.v1+json',
  /** cosign 2 `--registry-referrers-mode=oci-1-1`: the legacy signature, as a referrer. */
  ARTIFACT_SIG: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  DSSE_ENVELOPE: 'application/vnd.dsse.envelope.v1+json',
  SIGSTORE_BUNDLE_V03: 'application/vnd.dev.sigstore.bundle.v0.3+json',
} as const;

export const CosignAnnotation = {
  SIGNATURE: 'dev.cosignproject.cosign/signature',
  CERTIFICATE: 'dev.sigstore.cosign/certificate',
  CHAIN: 'dev.sigstore.cosign/chain',
  BUNDLE: 'dev.sigstore.cosign/bundle',
  RFC3161_TIMESTAMP: 'dev.sigstore.cosign/rfc3161timestamp',
  PREDICATE_TYPE: 'predicateType',
  BUNDLE_PREDICATE_TYPE: 'dev.sigstore.bundle.predicateType',
  BUNDLE_CONTENT: 'dev.sigstore.bundle.content',
} as const;

/** The predicateType of a cosign 3 image signature carried as a DSSE bundle. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
