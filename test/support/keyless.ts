/**
 * A throwaway keyless world, offline: a Fulcio-like CA with a CT log (@sigstore/mock), a Rekor-like
 * log, and the trusted_root.json naming them. It signs payloads the way cosign keyless does: a fresh
 * P-256 key, a 10-minute certificate for an identity with Fulcio claims, and a log entry.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { dsse } from '@sigstore/core';
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock';

export interface KeylessIdentity {
  /** The certificate SAN (a URI, as for CI workflows). */
  san: string;
  issuer: string;
  /** Extra Fulcio claims: OID → value; v1 GitHub OIDs (…1.2–1.6) are written raw, the rest as UTF8String. */
  claims?: Record<string, string>;
}

/** Signing with a long-lived key instead of a certificate, logged in the same log (cosign attest --key). */
export interface KeySigner {
  privateKey: KeyObject;
  pem: string;
}

const V1 = /^1\.3\.6\.1\.4\.1\.57264\.1\.[1-6]$/;

type MockCA = Awaited<ReturnType<typeof initializeCA>>;
type MockTLog = Awaited<ReturnType<typeof initializeTLog>>;

const IN_TOTO = 'application/vnd.in-toto+json';

/** A DSSE signature (base64) over an in-toto statement's PAE. */
function signDsse(statement: Uint8Array, privateKey: KeyObject): string {
  return sign(
    hashFor(privateKey),
    dsse.preAuthEncoding(IN_TOTO, Buffer.from(statement)),
    privateKey,
  ).toString('base64');
}

/** Ed25519 signs the message itself; the other key types sign its SHA-256. */
function hashFor(key: KeyObject): string | null {
  return key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
}

/** The base64 body of a PEM block, joined. */
function pemBody(text: string): string {
  return text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

function pem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export interface KeylessWorld {
  ca: MockCA;
  tlog: MockTLog;
  rootPem: string;
  trustedRootJson: string;
  /** Sign the simple-signing payload: certificate PEM, chain PEM, signature, Rekor-bundle annotation. */
  signLegacy(
    payload: Uint8Array,
    who: KeylessIdentity,
    opts?: { tlog?: MockTLog },
  ): Promise<{ certificate: string; chain: string; signature: string; rekorBundle: string }>;
  /** The same with a key instead of a certificate (cosign sign --key, logged). */
  signLegacy(
    payload: Uint8Array,
    who: KeySigner,
    opts?: { tlog?: MockTLog },
  ): Promise<{ signature: string; rekorBundle: string }>;
  /** A v0.3 bundle: DSSE over `statement`, certificate, dsse log entry with inclusion proof. */
  signBundle(statement: Uint8Array, who: KeylessIdentity | KeySigner): Promise<Buffer>;
  /** A legacy `.att` layer as cosign 2 keyless writes it: envelope, certificate, intoto 0.0.2 entry. */
  signLegacyAttestation(
    statement: Uint8Array,
    who: KeylessIdentity | KeySigner,
  ): Promise<{ envelope: Buffer; certificate?: string; chain?: string; rekorBundle: string }>;
}

/** cosign's Rekor-bundle annotation for the one entry a mock log returned. */
function rekorBundleAnnotation(logged: Record<string, unknown>): string {
  const e = Object.values(logged)[0] as {
    body: string;
    integratedTime: number;
    logIndex: number;
    logID: string;
    verification: { signedEntryTimestamp: string };
  };
  return JSON.stringify({
    SignedEntryTimestamp: e.verification.signedEntryTimestamp,
    Payload: { body: e.body, integratedTime: e.integratedTime, logIndex: e.logIndex, logID: e.logID },
  });
}

export async function keylessWorld(
  opts: { certClock?: Date; logClock?: Date; host?: string; withoutSct?: boolean } = {},
): Promise<KeylessWorld> {
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ctKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const logKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ctlog = await initializeCTLog(ctKeys, opts.certClock);
  // withoutSct: a CA that logs nothing to CT, so its certificates carry no embedded SCT.
  const ca = await initializeCA(caKeys, opts.withoutSct ? undefined : ctlog, opts.certClock);
  const tlog = await initializeTLog(
    `https://${opts.host ?? 'rekor.trustgate.invalid'}`,
    logKeys,
    opts.logClock,
  );
  const spki = (k: typeof logKeys) => k.publicKey.export({ type: 'spki', format: 'der' });
  const start = '2020-01-01T00:00:00Z';
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.trustgate.invalid',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: spki(logKeys).toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start },
        },
        logId: { keyId: createHash('sha256').update(spki(logKeys)).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'trustgate-test', commonName: 'fulcio' },
        uri: 'https://fulcio.trustgate.invalid',
        certChain: {
          certificates: [{ rawBytes: Buffer.from(ca.rootCertificate as Uint8Array).toString('base64') }],
        },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.trustgate.invalid',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: spki(ctKeys).toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start },
        },
        logId: { keyId: Buffer.from(ctlog.logID as Uint8Array).toString('base64') },
      },
    ],
    timestampAuthorities: [],
  };

  const certify = async (who: KeylessIdentity) => {
    const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const extensions = [
      { oid: '1.3.6.1.4.1.57264.1.1', value: who.issuer, legacy: true },
      { oid: '1.3.6.1.4.1.57264.1.8', value: who.issuer },
      ...Object.entries(who.claims ?? {}).map(([oid, value]) => ({ oid, value, legacy: V1.test(oid) })),
    ];
    const der = await ca.issueCertificate({
      publicKey: signer.publicKey.export({ type: 'spki', format: 'der' }),
      subjectAltName: who.san,
      extensions,
    });
    return { signer, certPem: pem(der as Uint8Array), certDer: Buffer.from(der as Uint8Array) };
  };

  const signerFor = async (who: KeylessIdentity | KeySigner) => {
    if ('privateKey' in who) return { privateKey: who.privateKey, verifierPem: who.pem, certPem: undefined };
    const { signer, certPem } = await certify(who);
    return { privateKey: signer.privateKey, verifierPem: certPem, certPem };
  };

  return {
    ca,
    tlog,
    rootPem: pem(ca.rootCertificate as Uint8Array),
    trustedRootJson: `${JSON.stringify(trustedRoot, null, 2)}\n`,
    async signLegacy(payload: Uint8Array, who: KeylessIdentity | KeySigner, o: { tlog?: MockTLog } = {}) {
      const { privateKey, verifierPem, certPem } = await signerFor(who);
      const signature = sign(hashFor(privateKey), payload, privateKey).toString('base64');
      const entry = await (o.tlog ?? tlog).log({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } },
          signature: {
            content: signature,
            publicKey: { content: Buffer.from(verifierPem).toString('base64') },
          },
        },
      });
      const rekorBundle = rekorBundleAnnotation(entry);
      // The overloads say which shape each kind of signer gets; a key signer has no certificate.
      return {
        ...(certPem ? { certificate: certPem, chain: pem(ca.rootCertificate as Uint8Array) } : {}),
        signature,
        rekorBundle,
      } as { certificate: string; chain: string; signature: string; rekorBundle: string };
    },
    async signLegacyAttestation(statement, who) {
      const { privateKey, verifierPem, certPem } = await signerFor(who);
      const payloadType = IN_TOTO;
      const sig = signDsse(statement, privateKey);
      const envelope = Buffer.from(
        JSON.stringify({
          payloadType,
          payload: Buffer.from(statement).toString('base64'),
          signatures: [{ keyid: '', sig }],
        }),
      );
      const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      const entry = await tlog.log({
        apiVersion: '0.0.2',
        kind: 'intoto',
        spec: {
          content: {
            envelope: {
              payloadType,
              signatures: [
                {
                  sig: Buffer.from(sig).toString('base64'),
                  publicKey: Buffer.from(verifierPem).toString('base64'),
                },
              ],
            },
            hash: { algorithm: 'sha256', value: sha256(envelope) },
            payloadHash: { algorithm: 'sha256', value: sha256(statement) },
          },
        },
      });
      return {
        envelope,
        ...(certPem ? { certificate: certPem, chain: pem(ca.rootCertificate as Uint8Array) } : {}),
        rekorBundle: rekorBundleAnnotation(entry),
      };
    },
    async signBundle(statement, who) {
      const { privateKey, verifierPem, certPem } = await signerFor(who);
      const payloadType = IN_TOTO;
      const sig = signDsse(statement, privateKey);
      const envelope = JSON.stringify({
        payload: Buffer.from(statement).toString('base64'),
        payloadType,
        signatures: [{ keyid: '', sig }],
      });
      const proposed = {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          // As Rekor canonicalises a dsse entry; sigstore-go (cosign) refuses a body without it.
          envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(envelope).digest('hex') },
          payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(statement).digest('hex') },
          signatures: [{ signature: sig, verifier: Buffer.from(verifierPem).toString('base64') }],
        },
      };
      const entry = Object.values(await tlog.log(proposed))[0] as {
        body: string;
        integratedTime: number;
        logIndex: number;
        logID: string;
        verification: {
          signedEntryTimestamp: string;
          inclusionProof: {
            logIndex: number;
            rootHash: string;
            treeSize: number;
            hashes: string[];
            checkpoint: string;
          };
        };
      };
      const p = entry.verification.inclusionProof;
      const bundle = {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: {
          ...(certPem
            ? { certificate: { rawBytes: pemBody(certPem) } }
            : {
                publicKey: {
                  hint: createHash('sha256').update(pemBody(verifierPem), 'base64').digest('base64'),
                },
              }),
          tlogEntries: [
            {
              logIndex: String(entry.logIndex),
              logId: { keyId: Buffer.from(entry.logID, 'hex').toString('base64') },
              kindVersion: { kind: 'dsse', version: '0.0.1' },
              integratedTime: String(entry.integratedTime),
              inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp },
              inclusionProof: {
                logIndex: String(p.logIndex),
                rootHash: Buffer.from(p.rootHash, 'hex').toString('base64'),
                treeSize: String(p.treeSize),
                hashes: p.hashes,
                checkpoint: { envelope: p.checkpoint },
              },
              canonicalizedBody: entry.body,
            },
          ],
        },
        dsseEnvelope: {
          payload: Buffer.from(statement).toString('base64'),
          payloadType,
          signatures: [{ sig, keyid: '' }],
        },
      };
      return Buffer.from(JSON.stringify(bundle));
    },
  };
}
