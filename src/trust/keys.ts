/**
 * Public keys given with --key: a PEM file, an https:// URL (http:// only for loopback), or env://VAR.
 * Accepted: ECDSA P-256/P-384/P-521, RSA (PKCS#1 v1.5 or PSS), Ed25519, as PKIX or PKCS#1 PEM.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { TrustgateError } from '../errors.js';
import { isLoopbackHost } from '../oci/registry/client.js';
import { HttpTransport } from '../oci/registry/transport.js';
import { safeUrl } from '../util/redact.js';
import { readInputFile } from '../util/safe-fs.js';

export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'rsa-pss' | 'ed25519';

export interface VerificationKey {
  /** `sha256:<hex>` of the SubjectPublicKeyInfo DER: how keys are named in every report. */
  fingerprint: string;
  /** Where it came from, as given (path, URL without query, or env://NAME). */
  source: string;
  algorithm: KeyAlgorithm;
  key: KeyObject;
  spkiDer: Buffer;
}

const MAX_KEY_BYTES = 64 * 1024;

export async function loadKey(
  spec: string,
  opts: { timeoutMs?: number; offline?: boolean } = {},
): Promise<VerificationKey> {
  const { pem, source } = await readKeyText(spec, opts.timeoutMs ?? 10_000, opts.offline ?? false);
  // cosign refuses a certificate as --key; it belongs to --certificate, where its chain and identity
  // are checked. (A policy's key file may be a certificate: parsePublicKey takes its key.)
  if (/-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new TrustgateError('USAGE', `keys ${source}: this is a certificate, not a public key`, {
      hint: 'pass it with --certificate, with --certificate-identity and --certificate-oidc-issuer',
      option: 'keys',
    });
  }
  return parsePublicKey(pem, source);
}

async function readKeyText(
  spec: string,
  timeoutMs: number,
  offline: boolean,
): Promise<{ pem: string; source: string }> {
  if (spec.startsWith('env://')) {
    const name = spec.slice('env://'.length);
    const v = process.env[name];
    if (!v)
      throw new TrustgateError(
        'KEY_UNAVAILABLE',
        `keys ${spec}: environment variable ${name} is not set or empty`,
        { option: 'keys' },
      );
    return { pem: v, source: spec };
  }
  if (/^https?:\/\//.test(spec)) {
    const url = new URL(spec);
    if (offline)
      throw new TrustgateError(
        'OFFLINE',
        `keys ${safeUrl(url)}: fetching the key needs the network, and offline mode allows none`,
        { option: 'keys', hint: 'download the key once and pass the file instead' },
      );
    if (url.protocol === 'http:' && !isLoopbackHost(url.host)) {
      throw new TrustgateError('KEY_UNAVAILABLE', `keys ${safeUrl(url)}: keys are fetched over HTTPS only`, {
        option: 'keys',
        hint: 'serve the key over https://, or download it and pass the file',
      });
    }
    const transport = new HttpTransport({ timeoutMs, maxRetries: 1 });
    try {
      const res = await transport.send({
        method: 'GET',
        url: spec,
        maxBytes: MAX_KEY_BYTES,
        what: `key ${safeUrl(url)}`,
      });
      if (res.status !== 200)
        throw new TrustgateError('KEY_UNAVAILABLE', `keys ${safeUrl(url)}: HTTP ${res.status}`, {
          option: 'keys',
        });
      return { pem: res.body.toString('utf8'), source: safeUrl(url) };
    } catch (e) {
      if (e instanceof TrustgateError && e.code !== 'KEY_UNAVAILABLE') {
        throw new TrustgateError(
          'KEY_UNAVAILABLE',
          `keys ${safeUrl(url)}: ${e.message}`,
          e.hint ? { hint: e.hint, option: 'keys' } : { option: 'keys' },
        );
      }
      throw e;
    } finally {
      await transport.close();
    }
  }
  try {
    // Bounded: /dev/zero or an endless pipe stops past the limit instead of filling memory.
    const buf = readInputFile(spec, MAX_KEY_BYTES);
    return { pem: buf.toString('utf8'), source: spec };
  } catch (e) {
    if (e instanceof TrustgateError && e.code === 'SIZE_LIMIT')
      throw new TrustgateError('KEY_INVALID', `keys ${spec}: file is larger than a public key can be`, {
        option: 'keys',
      });
    if (e instanceof TrustgateError) throw e;
    throw new TrustgateError(
      'KEY_UNAVAILABLE',
      `keys ${spec}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        option: 'keys',
        hint: 'pass a PEM public key file, an https:// URL, or env://VAR',
      },
    );
  }
}

/**
 * How a bad key's errors open: by default with the option that named it and the key's source
 * ("keys ./k.pub: …", which the CLI turns into "--key ./k.pub: …"). A caller that already says
 * which key it is (a policy issue path such as authorities.a.keys.0) passes its own lead, or ''.
 */
export interface KeyErrorLead {
  text: string;
  option?: string;
}

export function parsePublicKey(
  pem: string,
  source: string,
  lead: KeyErrorLead = { text: `keys ${source}`, option: 'keys' },
): VerificationKey {
  const fail = (code: 'KEY_INVALID', problem: string, hint?: string): TrustgateError =>
    new TrustgateError(code, lead.text === '' ? problem : `${lead.text}: ${problem}`, {
      ...(hint === undefined ? {} : { hint }),
      ...(lead.option === undefined ? {} : { option: lead.option }),
    });
  if (/PRIVATE KEY/.test(pem)) {
    throw fail(
      'KEY_INVALID',
      'this is a private key',
      'pass the public key (cosign.pub), never the private one',
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw fail(
      'KEY_INVALID',
      'not a valid PEM public key',
      'expected "-----BEGIN PUBLIC KEY-----" (PKIX) or "-----BEGIN RSA PUBLIC KEY-----" (PKCS#1)',
    );
  }
  const algorithm = keyAlgorithm(key, fail);
  const spkiDer = canonicalSpki(key);
  return {
    fingerprint: `sha256:${createHash('sha256').update(spkiDer).digest('hex')}`,
    source,
    algorithm,
    key,
    spkiDer,
  };
}

/**
 * One SubjectPublicKeyInfo per key, however it was written: an EC point given compressed is the same
 * key as the uncompressed one, and fingerprints (revocation lists, distinct-signer counts) and log
 * entries must see it as the same. Through JWK, Node exports EC points uncompressed.
 */
export function canonicalSpki(key: KeyObject): Buffer {
  const k =
    key.asymmetricKeyType === 'ec'
      ? createPublicKey({ key: key.export({ format: 'jwk' }), format: 'jwk' })
      : key;
  return k.export({ type: 'spki', format: 'der' });
}

function keyAlgorithm(
  key: KeyObject,
  fail: (code: 'KEY_INVALID', problem: string, hint?: string) => TrustgateError,
): KeyAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return 'ecdsa-p256';
      if (curve === 'secp384r1') return 'ecdsa-p384';
      if (curve === 'secp521r1') return 'ecdsa-p521';
      throw fail('KEY_INVALID', `unsupported EC curve ${curve}`, 'use P-256, P-384 or P-521');
    }
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < 2048) throw fail('KEY_INVALID', `RSA key of ${bits} bits is too small (minimum 2048)`);
      return 'rsa';
    }
    case 'rsa-pss':
      return 'rsa-pss';
    case 'ed25519':
      return 'ed25519';
    default:
      throw fail('KEY_INVALID', `unsupported key type ${key.asymmetricKeyType}`);
  }
}

/** Short form for humans: the first 16 hex characters of the fingerprint. */
export function shortFingerprint(k: VerificationKey | string): string {
  const f = typeof k === 'string' ? k : k.fingerprint;
  return f.slice(0, 'sha256:'.length + 16);
}

/** Far above any PEM public key; the cap only stops unbounded inputs (a policy file's key files). */
const MAX_KEY_FILE_BYTES = 1024 * 1024;

/**
 * A key file's text, read bounded. Throws the underlying error (missing file, too large): callers
 * word it for their context (a policy issue names the field).
 */
export function readKeyFile(path: string): string {
  return readInputFile(path, MAX_KEY_FILE_BYTES).toString('utf8');
}
