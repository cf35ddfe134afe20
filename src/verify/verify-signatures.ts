/**
 * Verifies discovered signatures with sigstore-js against public keys. Each verdict says what was
 * checked and why it failed. A Sigstore bundle counts as a signature only when the statement inside
 * its verified DSSE payload has the cosign sign predicateType; any other bundle is an attestation,
 * never a signature (unlike cosign 3, GHSA-w6c6-c85g-mmv6). Over 300 lines: the key and keyless
 * verifiers share the log-signer, timestamp and bundle-limit checks, and splitting them would make
 * those shared helpers import their callers.
 */
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import type { TransparencyLogEntry } from '@sigstore/protobuf-specs';
import { type SignedEntity, type Signer, toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { COSIGN_SIGN_PREDICATE, IN_TOTO_PAYLOAD_TYPE } from '../discovery/media-types.js';
import type {
  Discovery,
  Origin,
  SigstoreBundleArtifact,
  SimpleSigningSignature,
} from '../discovery/types.js';
import { TrustgateError } from '../errors.js';
import type { Digest } from '../reference/digest.js';
import { claimName, claimsOf } from '../trust/claims.js';
import type { IdentityPolicy } from '../trust/identity.js';
import type { VerificationKey } from '../trust/keys.js';
import type { LoadedTrustRoot } from '../trust/roots.js';
import { bundleOverLimits, chainHoldsRoot } from './bundle-checks.js';
import { parseRekorBundle, type RekorBundle, simpleSigningToBundle } from './legacy-bundle.js';
import { type SignatureHash, toKeyAwareEntity } from './signed-entity.js';
import { checkSimpleSigning, type SimpleSigningPayload } from './simple-signing.js';
import { parseStatement, type Statement, statementNamesDigest } from './statement.js';
import { leafCertificate, tlogSignerMismatch } from './tlog-signer.js';

export interface KeyTrust {
  keys: VerificationKey[];
  trustRoot: LoadedTrustRoot;
  /** cosign's --insecure-ignore-tlog: no transparency-log entry needed, and none is checked. */
  ignoreTlog: boolean;
  requireDockerReference: boolean;
  /** cosign's -a k=v: annotations the signed simple-signing payload must carry. */
  annotations?: Readonly<Record<string, string>>;
  /** cosign's --signature-digest-algorithm: the one hash signatures are verified with. */
  signatureHash?: SignatureHash;
}

export interface SignatureVerdict {
  format: 'simplesigning' | 'sigstore-bundle';
  origin: Origin;
  verified: boolean;
  /** Why it did not verify: what was checked, against what. */
  reason?: string;
  /** Fingerprint of the key that verified it. */
  key?: string;
  /** The certificate identity that verified it (keyless). */
  identity?: CertificateIdentity;
  tlog?: { logIndex: string; integratedTime: string };
  warnings: string[];
  simpleSigning?: SimpleSigningPayload;
  statement?: Statement;
  rekorBundle?: RekorBundle;
  /** The verified `.sig` as read (payload bytes, certificate, annotations): cosign's output prints these. */
  attachment?: SimpleSigningSignature;
}

export interface NotASignature {
  origin: Origin;
  /** The predicateType inside the bundle (or why it could not be read). */
  predicateType?: string;
  note: string;
}

export interface SignatureVerification {
  verdicts: SignatureVerdict[];
  /** Bundles that are attestations (or unreadable) and so were not counted as signatures. */
  notSignatures: NotASignature[];
}

/** A certificate's signer: SAN, OIDC issuer, and Fulcio claims by name (claims.ts). */
export interface CertificateIdentity {
  subjectAlternativeName?: string;
  issuer?: string;
  claims?: Record<string, string>;
}

/** Who verified a signature: a key (fingerprint), or a certificate identity. */
export interface SignerMatch {
  key?: string;
  identity?: CertificateIdentity;
}

/** Keys or a keyless identity, behind one interface; built once per run. */
export interface SignatureVerifiers {
  readonly trust: {
    ignoreTlog: boolean;
    requireDockerReference: boolean;
    trustRoot: LoadedTrustRoot;
    annotations?: Readonly<Record<string, string>>;
  };
  readonly keyless: boolean;
  /** cosign's --certificate: the PEM certificate for signatures whose manifest carries none. */
  readonly certificatePem?: string;
  /**
   * `logTimes`: times already proven by log entries checked outside sigstore-js (intoto 0.0.1); the
   * bundle then carries fewer entries, and those times count as verified timestamps.
   * `loggedOutside`: those entries themselves, which must still name the signer that verified.
   */
  verifyBundle(
    bundle: Bundle,
    artifact: Buffer | undefined,
    logTimes?: Date[],
    loggedOutside?: readonly TransparencyLogEntry[],
  ): { signer: SignerMatch } | { reasons: string[] };
}

/** sigstore-js timestamps for times proven outside it; never counted as log entries. */
export function provenTimestamps(times: Date[], label: string): SignedEntity['timestamps'] {
  return times.map(
    (t, i) =>
      ({
        $case: 'transparency-log',
        tlogEntry: {
          logIndex: String(i),
          logId: { keyId: Buffer.from(`trustgate: ${label} ${i}`) },
          kindVersion: undefined,
          integratedTime: String(Math.floor(t.getTime() / 1000)),
          // sigstore-js counts a log timestamp only when it carries a promise; this one is not in
          // tlogEntries, so nothing treats it as a verified log entry.
          inclusionPromise: { signedEntryTimestamp: Buffer.alloc(0) },
          inclusionProof: undefined,
          canonicalizedBody: Buffer.alloc(0),
        },
      }) as SignedEntity['timestamps'][number],
  );
}

/** One Verifier per key, built once per run. */
export class KeyVerifiers implements SignatureVerifiers {
  readonly keyless = false;
  private readonly verifiers: Array<{ key: VerificationKey; verifier: Verifier; relaxed: Verifier }>;

  constructor(readonly trust: KeyTrust) {
    if (trust.keys.length === 0)
      throw new TrustgateError('USAGE', 'keys is empty: key verification needs at least one key', {
        option: 'keys',
      });
    const options = { tlogThreshold: trust.ignoreTlog ? 0 : 1, ctlogThreshold: 0, timestampThreshold: 0 };
    this.verifiers = trust.keys.map((key) => {
      const material = toTrustMaterial(trust.trustRoot.root, () => ({
        publicKey: key.key,
        validFor: () => true,
      }));
      return {
        key,
        verifier: new Verifier(material, options),
        relaxed: new Verifier(material, { ...options, tlogThreshold: 0 }),
      };
    });
  }

  /** Try every key; the first that verifies wins. Returns the key or the reasons each failed. */
  verifyBundle(
    bundle: Bundle,
    artifact: Buffer | undefined,
    logTimes?: Date[],
    loggedOutside: readonly TransparencyLogEntry[] = [],
  ): { signer: SignerMatch } | { reasons: string[] } {
    const over = bundleOverLimits(bundle);
    if (over) return { reasons: [over] };
    // A certificate-bearing bundle would be checked against the trusted root's CAs with the
    // certificate's own key: never a --key verification.
    if (bundle.verificationMaterial.content?.$case !== 'publicKey') {
      return {
        reasons: [
          'signed with a certificate, not a key: verify it keyless (--certificate-identity …), not with --key',
        ],
      };
    }
    const reasons: string[] = [];
    for (const { key, verifier, relaxed } of this.verifiers) {
      try {
        const entity = toKeyAwareEntity(bundle, artifact, key.algorithm, this.trust.signatureHash);
        if (logTimes && logTimes.length > 0) {
          relaxed.verify({
            ...entity,
            timestamps: [...entity.timestamps, ...provenTimestamps(logTimes, 'intoto 0.0.1 entry')],
          });
        } else {
          verifier.verify(entity);
        }
        const logged = tlogSignerMismatch([...bundle.verificationMaterial.tlogEntries, ...loggedOutside], {
          spkiDer: key.spkiDer,
        });
        if (logged) {
          reasons.push(`${key.source}: ${logged}`);
          continue;
        }
        return { signer: { key: key.fingerprint } };
      } catch (e) {
        reasons.push(`${key.source}: ${describeSigstoreError(e)}`);
      }
    }
    return { reasons };
  }
}

function describeSigstoreError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const code = err.code ?? '';
  const msg = (err.message ?? String(e)).split('\n')[0] ?? '';
  if (code === 'SIGNATURE_ERROR') return 'signature does not verify with this key';
  if (code.startsWith('TLOG_INCLUSION_PROMISE'))
    return "the Rekor SET does not verify against the trusted root's log keys";
  if (code.startsWith('TLOG')) return `transparency-log entry rejected: ${msg}`;
  return msg;
}

export function verifySignatures(
  discovery: Discovery,
  expect: { digest: Digest; repository: string },
  verifiers: SignatureVerifiers,
): SignatureVerification {
  const verdicts: SignatureVerdict[] = [];
  const notSignatures: NotASignature[] = [];
  for (const s of discovery.simpleSigning) verdicts.push(verifySimpleSigning(s, expect, verifiers));
  for (const b of discovery.bundles) {
    const r = verifySignatureBundle(b, expect.digest, verifiers);
    if ('note' in r) notSignatures.push(r);
    else verdicts.push(r);
  }
  return { verdicts, notSignatures };
}

// A verdict reason with cosign's wording, which users grep for; tests assert the flag in it.
const NO_TLOG_REASON =
  'the signature has no transparency-log entry (no Rekor bundle); verifying with a key and no tlog entry requires --insecure-ignore-tlog';

/** Where and when the first log entry puts a signature. */
export function tlogInfo(entries: TransparencyLogEntry[]): SignatureVerdict['tlog'] {
  const e = entries[0];
  if (!e) return undefined;
  return { logIndex: e.logIndex, integratedTime: new Date(Number(e.integratedTime) * 1000).toISOString() };
}

function verifySimpleSigning(
  found: SimpleSigningSignature,
  expect: { digest: Digest; repository: string },
  verifiers: SignatureVerifiers,
): SignatureVerdict {
  // cosign's --certificate stands in for the certificate a key-signed manifest does not carry.
  const sig =
    verifiers.certificatePem && !found.certificate
      ? { ...found, certificate: verifiers.certificatePem }
      : found;
  const v: SignatureVerdict = { format: 'simplesigning', origin: sig.origin, verified: false, warnings: [] };
  const { ignoreTlog, requireDockerReference, annotations } = verifiers.trust;
  if (verifiers.keyless && !sig.certificate) {
    return { ...v, reason: 'signed with a key, not a certificate: verify it with --key' };
  }
  if (!ignoreTlog && !sig.rekorBundle) return { ...v, reason: NO_TLOG_REASON };
  let bundle: Bundle;
  try {
    bundle = simpleSigningToBundle(sig, { ignoreTlog, certificate: verifiers.keyless });
    if (!ignoreTlog && sig.rekorBundle) v.rekorBundle = parseRekorBundle(sig.rekorBundle);
  } catch (e) {
    return { ...v, reason: (e as Error).message };
  }
  const crypto = verifiers.verifyBundle(bundle, Buffer.from(sig.payload));
  if ('reasons' in crypto) return { ...v, reason: crypto.reasons.join('; ') };
  const check = checkSimpleSigning(sig.payload, {
    ...expect,
    requireDockerReference,
    ...(annotations ? { annotations } : {}),
  });
  if (!check.ok) return { ...v, ...crypto.signer, reason: check.reason };
  const tlog = tlogInfo(bundle.verificationMaterial.tlogEntries);
  return {
    ...v,
    verified: true,
    ...crypto.signer,
    simpleSigning: check.payload,
    attachment: sig,
    warnings: check.warnings,
    ...(tlog ? { tlog } : {}),
  };
}

function verifySignatureBundle(
  b: SigstoreBundleArtifact,
  digest: Digest,
  verifiers: SignatureVerifiers,
): SignatureVerdict | NotASignature {
  const v: SignatureVerdict = { format: 'sigstore-bundle', origin: b.origin, verified: false, warnings: [] };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(b.bytes).toString('utf8'));
  } catch {
    return { origin: b.origin, note: 'bundle is not JSON; not counted as a signature' };
  }
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (e) {
    return {
      origin: b.origin,
      note: `not a valid Sigstore bundle (${(e as Error).message}); not counted as a signature`,
    };
  }
  if (bundle.content.$case !== 'dsseEnvelope') {
    return {
      origin: b.origin,
      note: 'a message-signature bundle does not sign an image; not counted as a signature',
    };
  }
  const env = bundle.content.dsseEnvelope;
  if (env.signatures.length !== 1) {
    return {
      ...v,
      reason: `the DSSE envelope has ${env.signatures.length} signatures; exactly 1 is accepted`,
    };
  }
  const parsed = parseStatement(env.payload);
  // Classification reads the same bytes that are verified below; the annotation is never consulted.
  if (!parsed.ok) return { origin: b.origin, note: `${parsed.reason}; not counted as a signature` };
  if (parsed.statement.predicateType !== COSIGN_SIGN_PREDICATE) {
    return {
      origin: b.origin,
      predicateType: parsed.statement.predicateType,
      note: 'an attestation, not a signature',
    };
  }
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { ...v, reason: `payloadType is ${env.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}` };
  const { ignoreTlog, annotations } = verifiers.trust;
  if (annotations && Object.keys(annotations).length > 0)
    return {
      ...v,
      reason:
        'a Sigstore bundle signature carries no simple-signing annotations to compare the expected annotations with',
    };
  const tlogEntries = bundle.verificationMaterial.tlogEntries;
  if (!ignoreTlog && tlogEntries.length === 0) return { ...v, reason: NO_TLOG_REASON };
  const checked: Bundle = ignoreTlog
    ? { ...bundle, verificationMaterial: { ...bundle.verificationMaterial, tlogEntries: [] } }
    : bundle;
  const crypto = verifiers.verifyBundle(checked, undefined);
  if ('reasons' in crypto) return { ...v, reason: crypto.reasons.join('; ') };
  if (!statementNamesDigest(parsed.statement, digest)) {
    return {
      ...v,
      ...crypto.signer,
      reason: `the signed statement's subject does not name this image ${digest}`,
    };
  }
  const tlog = ignoreTlog ? undefined : tlogInfo(tlogEntries);
  return {
    ...v,
    verified: true,
    ...crypto.signer,
    statement: parsed.statement,
    ...(tlog ? { tlog } : {}),
  };
}

export interface KeylessTrust {
  identity: IdentityPolicy;
  trustRoot: LoadedTrustRoot;
  /** cosign's --insecure-ignore-tlog: no log entry needed; the certificate is then checked at the current time. */
  ignoreTlog: boolean;
  /** cosign's --insecure-ignore-sct: no embedded SCT needed (private CAs have no CT log). */
  ignoreSct: boolean;
  requireDockerReference: boolean;
  annotations?: Readonly<Record<string, string>>;
  /** cosign's --certificate: the only certificate accepted, and the one used where none is attached. */
  certificate?: { pem: string; der: Buffer };
}

/**
 * Keyless: the certificate must chain to a CA of the trusted root at a verified time (a log entry or
 * an RFC 3161 timestamp; at least one), carry an SCT from a trusted CT log, and name the expected
 * identity, issuer and claims.
 */
export class KeylessVerifiers implements SignatureVerifiers {
  readonly keyless = true;
  private readonly verifier: Verifier;
  private readonly relaxed: Verifier;

  get certificatePem(): string | undefined {
    return this.trust.certificate?.pem;
  }

  constructor(readonly trust: KeylessTrust) {
    const material = toTrustMaterial(trust.trustRoot.root);
    const options = {
      tlogThreshold: trust.ignoreTlog ? 0 : 1,
      ctlogThreshold: trust.ignoreSct ? 0 : 1,
      timestampThreshold: 1,
    };
    this.verifier = new Verifier(material, options);
    this.relaxed = new Verifier(material, { ...options, tlogThreshold: 0 });
  }

  verifyBundle(
    bundle: Bundle,
    artifact: Buffer | undefined,
    logTimes?: Date[],
    loggedOutside: readonly TransparencyLogEntry[] = [],
  ): { signer: SignerMatch } | { reasons: string[] } {
    const given = this.trust.certificate;
    if (given && bundle.verificationMaterial.content?.$case === 'publicKey') {
      bundle = withLeafCertificate(bundle, given.der);
    }
    if (bundle.verificationMaterial.content?.$case === 'publicKey') {
      return { reasons: ['signed with a key, not a certificate: verify it with --key'] };
    }
    const attached = leafCertificate(bundle);
    if (given && !(attached && Buffer.from(attached).equals(given.der))) {
      return { reasons: ['signed with another certificate than the one given (--certificate)'] };
    }
    const root = bundleOverLimits(bundle) ?? chainHoldsRoot(bundle);
    if (root) return { reasons: [root] };
    let entity = toSignedEntity(bundle, artifact);
    // With the log explicitly ignored and no timestamp at all, the certificate must be valid now (cosign's
    // behaviour); sigstore-js needs a time to check the chain at, and never gets one otherwise.
    if (logTimes && logTimes.length > 0) {
      entity = {
        ...entity,
        timestamps: [...entity.timestamps, ...provenTimestamps(logTimes, 'intoto 0.0.1 entry')],
      };
    }
    if (this.trust.ignoreTlog && entity.timestamps.length === 0) {
      entity = { ...entity, timestamps: [verificationTimeNow()] };
    }
    let signer: Signer;
    try {
      signer = (logTimes && logTimes.length > 0 ? this.relaxed : this.verifier).verify(entity);
    } catch (e) {
      return { reasons: [describeKeylessError(e)] };
    }
    const leaf = leafCertificate(bundle);
    const logged = leaf
      ? tlogSignerMismatch([...bundle.verificationMaterial.tlogEntries, ...loggedOutside], { certDer: leaf })
      : 'the bundle carries no certificate';
    if (logged) return { reasons: [logged] };
    const identity = {
      subjectAlternativeName: signer.identity?.subjectAlternativeName,
      issuer: signer.identity?.extensions?.issuer,
    };
    const claims = claimsOf(signer.identity?.oids);
    const m = this.trust.identity.match({ ...identity, claims });
    if (!m.ok) return { reasons: [m.reason] };
    // Claims by name, for policy conditions; the issuer and SAN are reported on their own.
    const named = Object.fromEntries([...claims].map(([oid, v]) => [claimName(oid), v]));
    return {
      signer: {
        identity: {
          ...(identity.subjectAlternativeName
            ? { subjectAlternativeName: identity.subjectAlternativeName }
            : {}),
          ...(identity.issuer ? { issuer: identity.issuer } : {}),
          ...(claims.size > 0 ? { claims: named } : {}),
        },
      },
    };
  }
}

/** The bundle with the given certificate as its verification material (in place of a key hint). */
function withLeafCertificate(bundle: Bundle, der: Buffer): Bundle {
  return {
    ...bundle,
    verificationMaterial: {
      ...bundle.verificationMaterial,
      content: { $case: 'x509CertificateChain', x509CertificateChain: { certificates: [{ rawBytes: der }] } },
    },
  };
}

/** A timestamp that is the verifier's own clock, marked as such; used only with --insecure-ignore-tlog. */
function verificationTimeNow(): SignedEntity['timestamps'][number] {
  return provenTimestamps([new Date()], 'verification time (no signed timestamp)')[0]!;
}

function describeKeylessError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const code = err.code ?? '';
  const msg = (err.message ?? String(e)).split('\n')[0] ?? '';
  if (code === 'CERTIFICATE_ERROR' && /chain/i.test(msg)) {
    return "the certificate does not chain to a CA of the trusted root at the signature's time (foreign CA, or expired when signed)";
  }
  if (code === 'CERTIFICATE_ERROR' && /SCT/i.test(msg)) return `certificate transparency: ${msg}`;
  if (code === 'TIMESTAMP_ERROR')
    return `no verified time for the certificate: ${msg} (a Rekor entry or RFC 3161 timestamp is required)`;
  if (code === 'SIGNATURE_ERROR') return "the signature does not verify with the certificate's key";
  if (code.startsWith('TLOG_INCLUSION_PROMISE'))
    return "the Rekor SET does not verify against the trusted root's log keys";
  if (code.startsWith('TLOG')) return `transparency-log entry rejected: ${msg}`;
  return `${code ? `${code}: ` : ''}${msg}`;
}
