/**
 * In-toto attestations attached to a digest: legacy cosign `.att` DSSE layers and Sigstore bundle
 * referrers. What counts is the statement inside the verified envelope: its predicateType (the
 * annotation is only a hint), its subject, which must name this digest, and its payloadType.
 */
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { COSIGN_SIGN_PREDICATE, IN_TOTO_PAYLOAD_TYPE } from '../discovery/media-types.js';
import type { Discovery, DsseAttestationLayer, Origin, SigstoreBundleArtifact } from '../discovery/types.js';
import type { Digest } from '../reference/digest.js';
import { parseMember, topLevelMembers } from '../util/json-span.js';
import { allocatePayloadAfterHeader } from './dsse-pae.js';
import { isIntotoV001, verifyIntotoV001 } from './intoto-v001.js';
import { leafCertificateDer, parseRekorBundle, tlogEntryFromRekorBundle } from './legacy-bundle.js';
import { LARGE_STATEMENT_BYTES, parseStatement, type Statement, statementNamesDigest } from './statement.js';
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
  envelope?: {
    payloadType: string;
    /** The decoded payload bytes; base64-encoded only when printed (it may be 100 MB). */
    payload: Uint8Array;
    signatures: Array<{ keyid: string; sig: string }>;
  };
  /** The exact payload bytes that were verified, and the statement parsed from them. */
  payload?: Uint8Array;
  statement?: Statement;
  /** Where the predicate lies in `payload`, when already known (large payloads are scanned once). */
  predicateSpan?: [number, number];
  /** A verified legacy `.att` layer as read (envelope bytes, certificate): cosign prints its bytes. */
  attachment?: DsseAttestationLayer;
}

// A verdict reason with cosign's wording, which users grep for; tests assert the flag in it.
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
  const members = topLevelMembers(bytes);
  const span = members.get('payload');
  if (!span || bytes[span[0]] !== 0x22) throw new Error('not a DSSE envelope (JSON with a string payload)');
  const payloadType = parseMember(bytes, members.get('payloadType'));
  const payload = decodeBase64Span(bytes, span[0] + 1, span[1] - 1, payloadType);
  // A placeholder keeps bundle validation (non-empty payload) meaningful until the real bytes go in.
  return {
    json: {
      payloadType,
      payload: payload.length > 0 ? 'AA==' : '',
      signatures: parseMember(bytes, members.get('signatures')),
    },
    payload,
  };
}

const BASE64_CHUNK = 64 * 1024;

/**
 * Standard base64 in bytes[start, end), decoded in chunks so that no string of the whole payload is
 * ever made. Chunks split at multiples of 4 only line up when every character is in the alphabet; if
 * the decoded length says otherwise, the whole span is decoded at once, as before. Either way the
 * signature has to cover exactly the bytes decoded here.
 */
export function decodeBase64Span(
  bytes: Uint8Array,
  start: number,
  end: number,
  payloadType?: unknown,
): Buffer {
  const src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pad = 0;
  while (pad < 2 && end - pad > start && src[end - pad - 1] === 0x3d) pad++;
  const chars = end - start;
  const expected = chars % 4 === 0 ? (chars / 4) * 3 - pad : -1;
  if (expected >= 0) {
    // Decoded after its PAE header when the type is known, so the signature check needs no copy.
    const out =
      typeof payloadType === 'string'
        ? allocatePayloadAfterHeader(payloadType, expected)
        : Buffer.allocUnsafe(expected);
    let written = 0;
    for (let i = start; i < end && written <= expected; i += BASE64_CHUNK) {
      const chunk = src.toString('latin1', i, Math.min(end, i + BASE64_CHUNK));
      written += out.write(chunk, written, 'base64');
    }
    if (written === expected) return out;
  }
  return Buffer.from(src.toString('latin1', start, end), 'base64');
}

/**
 * A Sigstore bundle from its bytes. A large one is parsed with its DSSE payload cut out and decoded
 * separately from its span, as for legacy layers, so the payload is never a string of its own.
 */
function bundleFromBytes(bytes: Uint8Array): Bundle {
  const whole = () => bundleFromJSON(JSON.parse(Buffer.from(bytes).toString('utf8')));
  if (bytes.length <= LARGE_STATEMENT_BYTES) return whole();
  const envSpan = topLevelMembers(bytes).get('dsseEnvelope');
  if (!envSpan || bytes[envSpan[0]] !== 0x7b) return whole();
  const envelope = bytes.subarray(envSpan[0], envSpan[1]);
  const { json, payload } = envelopeWithoutPayload(envelope);
  const rest = Buffer.concat([bytes.subarray(0, envSpan[0]), Buffer.from('{}'), bytes.subarray(envSpan[1])]);
  const bundle = bundleFromJSON({ ...JSON.parse(rest.toString('utf8')), dsseEnvelope: json });
  if (bundle.content.$case === 'dsseEnvelope') bundle.content.dsseEnvelope.payload = payload;
  return bundle;
}

/**
 * The item as a bundle, or why it is not one. A `refusal` is decided before any signature check but
 * reported only once the statement is read, so that `--type` still counts the attestation as of its
 * type (a refused one is "none matched", exit 12, with its hint; not "none found", exit 10).
 */
function toBundle(
  found: DsseAttestationLayer | SigstoreBundleArtifact,
  verifiers: SignatureVerifiers,
): { bundle: Bundle; refusal?: string } | string {
  const { ignoreTlog } = verifiers.trust;
  // cosign's --certificate stands in for the certificate a key-signed layer does not carry.
  const item =
    found.format === 'dsse-layer' && verifiers.certificatePem && !found.certificate
      ? { ...found, certificate: verifiers.certificatePem }
      : found;
  try {
    if (item.format === 'dsse-layer') {
      if (verifiers.keyless && !item.certificate)
        return {
          bundle: dsseLayerToBundle(item, false, true),
          refusal: 'signed with a key, not a certificate: verify it with --key',
        };
      if (!ignoreTlog && !item.rekorBundle)
        return { bundle: dsseLayerToBundle(item, verifiers.keyless, true), refusal: NO_TLOG };
      return { bundle: dsseLayerToBundle(item, verifiers.keyless, ignoreTlog) };
    }
    const b = bundleFromBytes(item.bytes);
    let refusal: string | undefined;
    if (!ignoreTlog && b.verificationMaterial.tlogEntries.length === 0) refusal = NO_TLOG;
    const bundle = ignoreTlog
      ? { ...b, verificationMaterial: { ...b.verificationMaterial, tlogEntries: [] } }
      : b;
    return refusal ? { bundle, refusal } : { bundle };
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
  const made = toBundle(item, verifiers);
  if (typeof made === 'string') return { ...v, reason: made };
  const { bundle, refusal } = made;
  if (bundle.content.$case !== 'dsseEnvelope')
    return { ...v, reason: 'a message-signature bundle is not an attestation' };
  const env = bundle.content.dsseEnvelope;
  v.envelope = {
    payloadType: env.payloadType,
    payload: env.payload,
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
  if (refusal) return { ...v, reason: refusal };
  // Old cosign entries of Rekor kind intoto 0.0.1, which sigstore-js refuses, are checked here.
  const entries = bundle.verificationMaterial.tlogEntries;
  const v001 = entries.filter(isIntotoV001);
  let checked = bundle;
  let logTimes: Date[] | undefined;
  if (v001.length > 0) {
    try {
      const envelopeBytes = item.format === 'dsse-layer' ? item.bytes : undefined;
      logTimes = v001.map((e) => verifyIntotoV001(e, envelopeBytes, env.payload, verifiers.trust.trustRoot));
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
  const crypto = verifiers.verifyBundle(checked, undefined, logTimes, v001);
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
    ...(parsed.predicateSpan ? { predicateSpan: parsed.predicateSpan } : {}),
    ...(tlog ? { tlog } : {}),
    ...(item.format === 'dsse-layer' ? { attachment: item } : {}),
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
