/**
 * The signer a transparency-log entry records must be the signer that verified the signature.
 * sigstore-js binds an entry to a bundle by its signature and digest only, never by the key or
 * certificate the entry names; an entry logged under another key would then pass, and the signing
 * event could not be found by searching the log for the real signer (cosign GHSA-whqx-f9j3-ch6m).
 */
import { createPublicKey } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import type { TransparencyLogEntry } from '@sigstore/protobuf-specs';
import { canonicalSpki } from '../trust/keys.js';

/** Who verified the signature: a key's SubjectPublicKeyInfo, or a leaf certificate. */
export type ExpectedSigner = { spkiDer: Buffer } | { certDer: Buffer };

/** A signer named in a log entry body: a certificate (its key is read only if a key must be compared), or a key. */
type Recorded = { certDer: Buffer; cert: X509Certificate } | { spkiDer: Buffer };

const PEM = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/;

/** A PEM key or certificate, possibly base64-wrapped once more (Rekor intoto 0.0.2 does this). */
function fromBase64Pem(value: unknown): Recorded | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value;
  for (let i = 0; i < 3; i++) {
    const m = PEM.exec(text);
    if (m) return parsePem(m[0], m[1]!);
    text = Buffer.from(text, 'base64').toString('utf8');
  }
  return undefined;
}

function parsePem(pem: string, label: string): Recorded | undefined {
  try {
    if (label === 'CERTIFICATE') return certificate(X509Certificate.parse(pem));
    const spkiDer = keyPemSpki(pem);
    return spkiDer && { spkiDer };
  } catch {
    return undefined;
  }
}

/**
 * A key PEM's canonical SPKI, remembered by its text: every entry a key signed names the same PEM,
 * and reading it (parse, JWK round trip, export) was a fifth of verifying a bundle in a batch. A pure
 * function of the text, so remembering it changes no answer; bounded, as the text is outside input.
 */
const spkiByPem = new Map<string, Buffer | undefined>();
const SPKI_MEMO_SIZE = 64;

function keyPemSpki(pem: string): Buffer | undefined {
  if (spkiByPem.has(pem)) return spkiByPem.get(pem);
  let spki: Buffer | undefined;
  try {
    spki = canonicalSpki(createPublicKey(pem));
  } catch {
    spki = undefined;
  }
  if (spkiByPem.size >= SPKI_MEMO_SIZE) spkiByPem.clear();
  spkiByPem.set(pem, spki);
  return spki;
}

/**
 * Certificates are read with sigstore-js's own parser, the one that verified the signature: OpenSSL
 * refuses some DER that it accepts, and a certificate must be compared as the verifier saw it.
 */
function certificate(c: X509Certificate): Recorded {
  return { certDer: Buffer.from(c.root.toDER()), cert: c };
}

/** A certificate's key, as keys are compared (canonical SPKI); undefined when it cannot be read. */
function keyOf(c: X509Certificate): Buffer | undefined {
  try {
    return canonicalSpki(createPublicKey({ key: c.publicKey, format: 'der', type: 'spki' }));
  } catch {
    return undefined;
  }
}

/** Rekor v2 verifier: `{publicKey: {rawBytes}}` or `{x509Certificate: {rawBytes}}`, base64 DER. */
function fromV2Verifier(v: unknown): Recorded | undefined {
  const o = v as { publicKey?: { rawBytes?: string }; x509Certificate?: { rawBytes?: string } } | undefined;
  try {
    if (o?.x509Certificate?.rawBytes)
      return certificate(X509Certificate.parse(Buffer.from(o.x509Certificate.rawBytes, 'base64')));
    if (o?.publicKey?.rawBytes) {
      const der = Buffer.from(o.publicKey.rawBytes, 'base64');
      return { spkiDer: canonicalSpki(createPublicKey({ key: der, format: 'der', type: 'spki' })) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

// Bodies are read loosely: sigstore-js has already checked their kind, version, signature and digest.
// biome-ignore lint/suspicious/noExplicitAny: an untyped JSON body, probed field by field
type Body = any;

/** Every signer the entry's body names (none when it names none that can be read). */
function recordedSigners(body: Body): Array<Recorded | undefined> {
  const kind = body?.kind;
  const version = body?.apiVersion;
  const spec = body?.spec;
  if (kind === 'hashedrekord' && version === '0.0.1')
    return [fromBase64Pem(spec?.signature?.publicKey?.content)];
  if (kind === 'hashedrekord') return [fromV2Verifier(spec?.hashedRekordV002?.signature?.verifier)];
  if (kind === 'dsse' && version === '0.0.1')
    return ((spec?.signatures ?? []) as Body[]).map((s) => fromBase64Pem(s?.verifier));
  if (kind === 'dsse')
    return ((spec?.dsseV002?.signatures ?? []) as Body[]).map((s) => fromV2Verifier(s?.verifier));
  if (kind === 'intoto' && version === '0.0.2')
    return ((spec?.content?.envelope?.signatures ?? []) as Body[]).map((s) => fromBase64Pem(s?.publicKey));
  if (kind === 'intoto') return [fromBase64Pem(spec?.publicKey)];
  return [];
}

/** `expectedKey` gives the expected certificate's key, parsed once per check, only when asked. */
function matches(r: Recorded, expected: ExpectedSigner, expectedKey: () => Buffer | undefined): boolean {
  if ('certDer' in expected) {
    // A certificate must be the very certificate; a bare key must be the certificate's key.
    if ('certDer' in r) return r.certDer.equals(expected.certDer);
    return expectedKey()?.equals(r.spkiDer) ?? false;
  }
  return ('certDer' in r ? keyOf(r.cert) : r.spkiDer)?.equals(expected.spkiDer) ?? false;
}

/**
 * Why the entries do not record this signer, or undefined when each of them does. Each entry must
 * name the signer (a DSSE entry with several signatures must name it among them).
 */
export function tlogSignerMismatch(
  entries: readonly TransparencyLogEntry[],
  expected: ExpectedSigner,
): string | undefined {
  let key: { value: Buffer | undefined } | undefined;
  const expectedKey = () => {
    key ??= {
      value: 'certDer' in expected ? keyOf(X509Certificate.parse(Buffer.from(expected.certDer))) : undefined,
    };
    return key.value;
  };
  for (const e of entries) {
    let body: Body;
    try {
      body = JSON.parse(Buffer.from(e.canonicalizedBody).toString('utf8'));
    } catch {
      return `transparency-log entry ${e.logIndex}: the body is not JSON`;
    }
    const signers = recordedSigners(body);
    if (!signers.some((r) => r !== undefined && matches(r, expected, expectedKey))) {
      const what = 'certDer' in expected ? 'certificate' : 'key';
      return `transparency-log entry ${e.logIndex} records another signer than the ${what} that verified the signature`;
    }
  }
  return undefined;
}

/** The leaf certificate of a certificate-bearing bundle, as DER. */
export function leafCertificate(bundle: Bundle): Buffer | undefined {
  const vm = bundle.verificationMaterial.content;
  if (vm?.$case === 'certificate') return Buffer.from(vm.certificate.rawBytes);
  if (vm?.$case === 'x509CertificateChain') {
    const first = vm.x509CertificateChain.certificates[0];
    return first ? Buffer.from(first.rawBytes) : undefined;
  }
  return undefined;
}
