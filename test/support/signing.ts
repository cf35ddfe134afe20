/**
 * The fixture builder's signing primitives: what cosign would write, made offline with throwaway keys.
 * - simple-signing signatures (cosign's legacy `.sig` layers), optionally logged in a throwaway
 *   "Rekor" whose SET is signed by a key we hold, with a trusted_root.json naming that log;
 * - cosign 3 style signature bundles (DSSE, predicateType https://sigstore.dev/cosign/sign/v1).
 * Ed25519 keys from fixed seeds make fixtures byte-for-byte reproducible.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { dsse, json as sigstoreJson } from '@sigstore/core';
import { CosignAnnotation } from '../../src/discovery/media-types.js';
import type { Digest } from '../../src/reference/digest.js';

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  pem: string;
  spkiDer: Buffer;
}

/** A TestKey around a private key. */
export function testKeyFrom(privateKey: KeyObject): TestKey {
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
  };
}

/** A deterministic Ed25519 key: the seed is sha256 of the label. Test and demo use only. */
export function ed25519FromLabel(label: string): TestKey {
  const seed = createHash('sha256').update(label).digest();
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return testKeyFrom(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
}

export type KeyKind = 'p256' | 'p384' | 'p521' | 'rsa' | 'rsa-pss' | 'ed25519';

export function generateKey(kind: KeyKind): TestKey {
  switch (kind) {
    case 'p256':
      return testKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    case 'p384':
      return testKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
    case 'p521':
      return testKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey);
    case 'rsa':
      return testKeyFrom(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    case 'rsa-pss':
      return testKeyFrom(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey);
    case 'ed25519':
      return testKeyFrom(generateKeyPairSync('ed25519').privateKey);
  }
}

/** Sign as cosign 2 does with a key file: SHA-256 for every ECDSA curve and RSA, none for Ed25519. */
export function signBytes(key: TestKey, data: Uint8Array, hash: string | null = 'sha256'): string {
  const alg = key.privateKey.asymmetricKeyType === 'ed25519' ? null : hash;
  return sign(alg, data, key.privateKey).toString('base64');
}

export interface FakeLog {
  key: TestKey;
  /** hex sha256 of the log key's SPKI: the Rekor log ID. */
  logId: string;
}

export function fakeLog(key: TestKey): FakeLog {
  return { key, logId: createHash('sha256').update(key.spkiDer).digest('hex') };
}

/** The cosign Rekor-bundle annotation for a log body: the body, its position, and the log's SET. */
function logEntryAnnotation(log: FakeLog, body: unknown, logIndex: number, integratedTime: number): string {
  const bodyB64 = Buffer.from(sigstoreJson.canonicalize(body)).toString('base64');
  const payload = { body: bodyB64, integratedTime, logIndex, logID: log.logId };
  const set = signBytes(log.key, Buffer.from(sigstoreJson.canonicalize(payload)));
  return JSON.stringify({ SignedEntryTimestamp: set, Payload: payload });
}

/** A cosign Rekor-bundle annotation for a hashedrekord entry, with a SET signed by the fake log. */
export function rekorBundleFor(
  log: FakeLog,
  entry: {
    payload: Uint8Array;
    signature: string;
    signer: TestKey;
    logIndex: number;
    integratedTime: number;
  },
): string {
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: {
        hash: { algorithm: 'sha256', value: createHash('sha256').update(entry.payload).digest('hex') },
      },
      signature: {
        content: entry.signature,
        publicKey: { content: Buffer.from(entry.signer.pem).toString('base64') },
      },
    },
  };
  return logEntryAnnotation(log, body, entry.logIndex, entry.integratedTime);
}

/** A trusted_root.json whose only transparency log is the fake log. */
export function trustedRootFor(log: FakeLog): string {
  const keyDetails =
    log.key.publicKey.asymmetricKeyType === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256';
  const root = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.trustgate.invalid',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: log.key.spkiDer.toString('base64'),
          keyDetails,
          validFor: { start: '2020-01-01T00:00:00Z' },
        },
        logId: { keyId: Buffer.from(log.logId, 'hex').toString('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  return `${JSON.stringify(root, null, 2)}\n`;
}

/** Layer annotations for a simple-signing signature. */
export function simpleSigningAnnotations(signature: string, rekorBundle?: string): Record<string, string> {
  return {
    [CosignAnnotation.SIGNATURE]: signature,
    ...(rekorBundle ? { [CosignAnnotation.BUNDLE]: rekorBundle } : {}),
  };
}

export const COSIGN_SIGN_V1 = 'https://sigstore.dev/cosign/sign/v1';

export function statementFor(
  digest: Digest,
  predicateType: string,
  predicate: unknown = {},
  name = 'image',
): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name, digest: { sha256: digest.slice(7) } }],
      predicateType,
      predicate,
    }),
  );
}

/** A v0.3 Sigstore bundle with a DSSE envelope signed by `key` (no tlog entry). */
export function dsseBundle(
  key: TestKey,
  payload: Uint8Array,
  opts: { payloadType?: string; extraSignatures?: number; hash?: string | null } = {},
): Buffer {
  const payloadType = opts.payloadType ?? 'application/vnd.in-toto+json';
  const pae = dsse.preAuthEncoding(payloadType, Buffer.from(payload));
  const sig = signBytes(key, pae, opts.hash ?? 'sha256');
  const signatures = Array.from({ length: 1 + (opts.extraSignatures ?? 0) }, () => ({ sig, keyid: '' }));
  const bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      publicKey: { hint: createHash('sha256').update(key.spkiDer).digest('base64') },
      tlogEntries: [],
    },
    dsseEnvelope: { payload: Buffer.from(payload).toString('base64'), payloadType, signatures },
  };
  return Buffer.from(JSON.stringify(bundle));
}

/** A DSSE envelope (exact bytes), its payload and signer, and where the fake log puts it. */
export interface LoggedEnvelope {
  envelope: Uint8Array;
  payload: Uint8Array;
  signer: TestKey;
  logIndex: number;
  integratedTime: number;
}

/** A cosign Rekor-bundle annotation for an old `intoto` 0.0.1 entry over a DSSE envelope. */
export function intotoV001RekorBundle(log: FakeLog, entry: LoggedEnvelope): string {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const body = {
    apiVersion: '0.0.1',
    kind: 'intoto',
    spec: {
      content: {
        hash: { algorithm: 'sha256', value: sha(entry.envelope) },
        payloadHash: { algorithm: 'sha256', value: sha(entry.payload) },
      },
      publicKey: Buffer.from(entry.signer.pem).toString('base64'),
    },
  };
  return logEntryAnnotation(log, body, entry.logIndex, entry.integratedTime);
}

/** A cosign Rekor-bundle annotation for a `dsse` 0.0.1 entry, as cosign attest logs attestations. */
export function dsseRekorBundle(log: FakeLog, entry: LoggedEnvelope): string {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const env = JSON.parse(Buffer.from(entry.envelope).toString('utf8')) as {
    signatures: Array<{ sig: string }>;
  };
  const body = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha(entry.envelope) },
      payloadHash: { algorithm: 'sha256', value: sha(entry.payload) },
      signatures: env.signatures.map((s) => ({
        signature: s.sig,
        verifier: Buffer.from(entry.signer.pem).toString('base64'),
      })),
    },
  };
  return logEntryAnnotation(log, body, entry.logIndex, entry.integratedTime);
}
