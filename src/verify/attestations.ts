/**
 * In-toto attestations attached to a digest: legacy cosign `.att` DSSE layers and Sigstore bundle
 * referrers. What counts is the statement inside the verified envelope: its predicateType (the
 * annotation is only a hint), its subject, which must name this digest, and its payloadType.
 */
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { COSIGN_SIGN_PREDICATE, IN_TOTO_PAYLOAD_TYPE } from '../discovery/media-types.js';
import type { Discovery, DsseAttestationLayer, Origin, SigstoreBundleArtifact } from '../discovery/types.js';
import type { Digest } from '../reference/digest.js';
import { topLevelValueSpan } from '../util/json-span.js';
import { isIntotoV001, verifyIntotoV001 } from './intoto-v001.js';
import { leafCertificateDer, parseRekorBundle, tlogEntryFromRekorBundle } from './legacy-bundle.js';
import { parseStatement, type Statement, statementNamesDigest } from './statement.js';
import { type SignatureVerifiers, type SignerMatch, tlogInfo } from './verify-signatures.js';

/** cosign's --type shorthands; anything else is taken as a full predicateType URI. */
export const PREDICATE_TYPES: Record<string, string> = {
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
  link: 'https://in-toto.io/Link/v1',
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  triage: 'https://aleph-alpha.com/attestations/triage/v1',
  license: 'https://aleph-alpha.com/attestations/license/v1',
};

export function predicateTypeFor(type: string): string {
  return PREDICATE_TYPES[type] ?? type;
}

export interface AttestationVerdict {
  format: 'dsse-layer' | 'sigstore-bundle';
  origin: Origin;
  verified: boolean;
  reason?: string;
  /** From the statement inside the envelope (trusted only when verified). */
  predicateType?: string;
  /** What the manifest annotation claimed; reported when it differs. */
  annotatedPredicateType?: string;
  warnings: string[];
  signer?: SignerMatch;
  tlog?: { logIndex: string; integratedTime: string };
  /** The DSSE envelope exactly as fetched (a legacy layer) or as carried in the bundle. */
  envelope?: { payloadType: string; payload: string; signatures: Array<{ keyid: string; sig: string }> };
  /** The exact payload bytes that were verified, and the statement parsed from them. */
  payload?: Uint8Array;
  statement?: Statement;
}

const NO_TLOG =
  'the attestation has no transparency-log entry; verifying it with no tlog entry requires --insecure-ignore-tlog';

/** A legacy `.att` layer (DSSE envelope + cosign annotations) as a v0.1 bundle. */
function dsseLayerToBundle(layer: DsseAttestationLayer, keyless: boolean, ignoreTlog: boolean): Bundle {
  const env = envelopeWithoutPayload(layer.bytes);
  const tlogEntries =
    !ignoreTlog && layer.rekorBundle ? [tlogEntryFromRekorBundle(parseRekorBundle(layer.rekorBundle))] : [];
  const bundle = bundleFromJSON({
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      ...(keyless
        ? {
            x509CertificateChain: {
              certificates: [{ rawBytes: leafCertificateDer(layer.certificate ?? '') }],
            },
          }
        : { publicKey: { hint: '' } }),
      tlogEntries,
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: env.json,
  });
  // The payload is decoded once, straight from its bytes, instead of through a copy of the whole
  // envelope as a string (a 100 MB SBOM would otherwise be held three times over).
  if (bundle.content.$case === 'dsseEnvelope') bundle.content.dsseEnvelope.payload = env.payload;
  return bundle;
}

/** The envelope's members, with the (possibly huge) payload decoded from its byte span. */
function envelopeWithoutPayload(bytes: Uint8Array): { json: Record<string, unknown>; payload: Buffer } {
  const span = topLevelValueSpan(bytes, 'payload');
  const member = (key: string): unknown => {
    const sp = topLevelValueSpan(bytes, key);
    return sp ? JSON.parse(Buffer.from(bytes.subarray(sp[0], sp[1])).toString('utf8')) : undefined;
  };
  if (!span || bytes[span[0]] !== 0x22) throw new Error('not a DSSE envelope (JSON with a string payload)');
  // Any junk in the base64 only changes the decoded bytes, which the signature then has to cover.
  const b64 = Buffer.from(bytes.subarray(span[0] + 1, span[1] - 1)).toString('latin1');
  const payload = Buffer.from(b64, 'base64');
  // A placeholder keeps bundle validation (non-empty payload) meaningful until the real bytes go in.
  return {
    json: {
      payloadType: member('payloadType'),
      payload: payload.length > 0 ? 'AA==' : '',
      signatures: member('signatures'),
    },
    payload,
  };
}

function toBundle(
  item: DsseAttestationLayer | SigstoreBundleArtifact,
  verifiers: SignatureVerifiers,
): Bundle | string {
  const { ignoreTlog } = verifiers.trust;
  try {
    if (item.format === 'dsse-layer') {
      if (verifiers.keyless && !item.certificate)
        return 'signed with a key, not a certificate: verify it with --key';
      if (!ignoreTlog && !item.rekorBundle) return NO_TLOG;
      return dsseLayerToBundle(item, verifiers.keyless, ignoreTlog);
    }
    const b = bundleFromJSON(JSON.parse(Buffer.from(item.bytes).toString('utf8')));
    if (!ignoreTlog && b.verificationMaterial.tlogEntries.length === 0) return NO_TLOG;
    return ignoreTlog ? { ...b, verificationMaterial: { ...b.verificationMaterial, tlogEntries: [] } } : b;
  } catch (e) {
    return `not a valid DSSE envelope or Sigstore bundle: ${(e as Error).message.split('\n')[0]}`;
  }
}

export function verifyAttestation(
  item: DsseAttestationLayer | SigstoreBundleArtifact,
  digest: Digest,
  verifiers: SignatureVerifiers,
): AttestationVerdict {
  const v: AttestationVerdict = { format: item.format, origin: item.origin, verified: false, warnings: [] };
  if (item.annotatedPredicateType) v.annotatedPredicateType = item.annotatedPredicateType;
  const bundle = toBundle(item, verifiers);
  if (typeof bundle === 'string') return { ...v, reason: bundle };
  if (bundle.content.$case !== 'dsseEnvelope')
    return { ...v, reason: 'a message-signature bundle is not an attestation' };
  const env = bundle.content.dsseEnvelope;
  v.envelope = {
    payloadType: env.payloadType,
    payload: Buffer.from(env.payload).toString('base64'),
    signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig).toString('base64') })),
  };
  if (env.signatures.length !== 1)
    return {
      ...v,
      reason: `the DSSE envelope has ${env.signatures.length} signatures; exactly 1 is accepted`,
    };
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { ...v, reason: `payloadType is ${env.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}` };
  const parsed = parseStatement(env.payload);
  if (!parsed.ok) return { ...v, reason: parsed.reason };
  v.predicateType = parsed.statement.predicateType;
  if (v.annotatedPredicateType && v.annotatedPredicateType !== v.predicateType) {
    v.warnings.push(
      `the annotation says predicateType ${v.annotatedPredicateType}; the signed statement says ${v.predicateType}, which is what counts`,
    );
  }
  // Old cosign entries of Rekor kind intoto 0.0.1, which sigstore-js refuses, are checked here.
  const entries = bundle.verificationMaterial.tlogEntries;
  let checked = bundle;
  let logTimes: Date[] | undefined;
  if (entries.some(isIntotoV001)) {
    try {
      const envelopeBytes = item.format === 'dsse-layer' ? item.bytes : undefined;
      logTimes = entries
        .filter(isIntotoV001)
        .map((e) => verifyIntotoV001(e, envelopeBytes, env.payload, verifiers.trust.trustRoot));
    } catch (e) {
      return { ...v, reason: (e as Error).message };
    }
    checked = {
      ...bundle,
      verificationMaterial: {
        ...bundle.verificationMaterial,
        tlogEntries: entries.filter((e) => !isIntotoV001(e)) as Bundle['verificationMaterial']['tlogEntries'],
      },
    };
  }
  const crypto = verifiers.verifyBundle(checked, undefined, logTimes);
  if ('reasons' in crypto) return { ...v, reason: crypto.reasons.join('; ') };
  v.signer = crypto.signer;
  if (!statementNamesDigest(parsed.statement, digest)) {
    return { ...v, reason: `the statement's subject does not name this image ${digest}` };
  }
  const tlog = tlogInfo(entries);
  return {
    ...v,
    verified: true,
    payload: env.payload,
    statement: parsed.statement,
    ...(tlog ? { tlog } : {}),
  };
}

/**
 * Every attestation found: legacy `.att` layers, and bundles whose statement is not a cosign image
 * signature. `predicateType` filters on the statement's own type.
 */
export function verifyAttestations(
  discovery: Discovery,
  verifiers: SignatureVerifiers,
  predicateType?: string,
): AttestationVerdict[] {
  const out: AttestationVerdict[] = [];
  const items: Array<DsseAttestationLayer | SigstoreBundleArtifact> = [...discovery.dsseLayers];
  for (const b of discovery.bundles) {
    const pt = peekPredicateType(b.bytes, 'bundle');
    if (pt !== COSIGN_SIGN_PREDICATE) items.push(b);
  }
  for (const item of items) {
    const v = verifyAttestation(item, discovery.digest, verifiers);
    if (predicateType && v.predicateType !== predicateType) continue;
    out.push(v);
  }
  return out;
}

/**
 * The predicateType inside a bundle's or a legacy layer's envelope, read unverified: for routing and
 * listing only (verification re-reads the same bytes).
 */
export function peekPredicateType(bytes: Uint8Array, container: 'bundle' | 'envelope'): string | undefined {
  try {
    const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      dsseEnvelope?: { payload?: string };
      payload?: string;
    };
    const payload = container === 'bundle' ? json.dsseEnvelope?.payload : json.payload;
    if (!payload) return undefined;
    const p = parseStatement(Buffer.from(payload, 'base64'));
    return p.ok ? p.statement.predicateType : undefined;
  } catch {
    return undefined;
  }
}
