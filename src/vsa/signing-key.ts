/**
 * The VSA signing key: cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` (scrypt, then NaCl secretbox over a
 * PKCS#8 DER key, as `cosign generate-key-pair` writes it) or a plain PKCS#8 PEM (`PRIVATE KEY`, or
 * `ENCRYPTED PRIVATE KEY` with a passphrase). The password comes from TRUSTGATE_VSA_PASSWORD only,
 * never a flag (flags land in shell history and process lists). The key text, its DER, its PEM and
 * the password are registered as secrets before anything can fail, so no message quotes them.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TrustgateError } from '../errors.js';
import { registerSecret } from '../util/secrets.js';

export const VSA_PASSWORD_ENV = 'TRUSTGATE_VSA_PASSWORD';

const COSIGN_PEM = 'ENCRYPTED SIGSTORE PRIVATE KEY';

export interface VsaSigningKey {
  privateKey: KeyObject;
  /** SPKI DER of the public key. */
  spki: Buffer;
  /** base64 sha256 of the SPKI DER: the bundle's publicKey.hint, as cosign computes it. */
  hint: string;
  /** The digest the signature is made with (undefined: Ed25519 signs the message itself). */
  hash: 'sha256' | undefined;
}

/** Everything about the key text that must never be printed, registered as secrets. */
function registerKeyText(text: string): void {
  registerSecret(text);
  for (const line of text.split(/\r?\n/)) if (!line.startsWith('-----')) registerSecret(line.trim());
}

export async function loadVsaSigningKey(
  file: string,
  password = process.env[VSA_PASSWORD_ENV],
): Promise<VsaSigningKey> {
  registerSecret(password);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TrustgateError(
      'KEY_UNAVAILABLE',
      `--vsa-key ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        hint: 'pass the private key file cosign generate-key-pair wrote, or a PKCS#8 PEM',
        option: 'vsaKey',
      },
    );
  }
  registerKeyText(text);
  const privateKey = text.includes(`-----BEGIN ${COSIGN_PEM}-----`)
    ? await cosignKey(file, text, password)
    : pkcs8Key(file, text, password);
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  registerSecret(der.toString('base64'));
  registerKeyText(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  return fromPrivateKey(privateKey, file);
}

/** A signing key from a private KeyObject (library callers, benchmarks): ECDSA P-256/P-384, Ed25519 or RSA. */
export function fromPrivateKey(privateKey: KeyObject, what = 'the key'): VsaSigningKey {
  const type = privateKey.asymmetricKeyType;
  if (type !== 'ec' && type !== 'ed25519' && type !== 'rsa')
    throw new TrustgateError('KEY_INVALID', `--vsa-key ${what}: a ${type} key cannot sign a VSA`, {
      hint: 'use an ECDSA (cosign generate-key-pair), Ed25519 or RSA key',
      option: 'vsaKey',
    });
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    spki,
    hint: createHash('sha256').update(spki).digest('base64'),
    hash: type === 'ed25519' ? undefined : 'sha256',
  };
}

interface CosignEnvelope {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

async function cosignKey(file: string, text: string, password: string | undefined): Promise<KeyObject> {
  const bad = (why: string, hint?: string) =>
    new TrustgateError('KEY_INVALID', `--vsa-key ${file}: ${why}`, {
      ...(hint ? { hint } : {}),
      option: 'vsaKey',
    });
  if (password === undefined)
    throw bad(
      `a cosign-encrypted key needs its password`,
      `set ${VSA_PASSWORD_ENV} (cosign's COSIGN_PASSWORD is not read)`,
    );
  const body = new RegExp(`-----BEGIN ${COSIGN_PEM}-----([\\s\\S]+?)-----END ${COSIGN_PEM}-----`).exec(
    text,
  )?.[1];
  let env: CosignEnvelope;
  try {
    env = JSON.parse(
      Buffer.from((body ?? '').replace(/\s/g, ''), 'base64').toString('utf8'),
    ) as CosignEnvelope;
  } catch {
    throw bad('is not a cosign private key (its body is not base64 JSON)');
  }
  if (env?.kdf?.name !== 'scrypt' || env.cipher?.name !== 'nacl/secretbox')
    throw bad(`uses ${env?.kdf?.name}/${env?.cipher?.name}; only cosign's scrypt + nacl/secretbox is read`);
  const { N, r, p } = env.kdf.params;
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r * p > 64)
    throw bad(`its scrypt parameters (N=${N}, r=${r}, p=${p}) are out of range`);
  const secret = scryptSync(password, Buffer.from(env.kdf.salt, 'base64'), 32, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 2 ** 20,
  });
  // lazy: NaCl is needed only to open this one box.
  const { default: nacl } = await import('tweetnacl');
  const plain = nacl.secretbox.open(
    Buffer.from(env.ciphertext, 'base64'),
    Buffer.from(env.cipher.nonce, 'base64'),
    secret,
  );
  if (!plain) throw bad('wrong password, or the key file is corrupt', `check ${VSA_PASSWORD_ENV}`);
  registerSecret(Buffer.from(plain).toString('base64'));
  try {
    return createPrivateKey({ key: Buffer.from(plain), format: 'der', type: 'pkcs8' });
  } catch {
    throw bad('the decrypted key is not PKCS#8');
  }
}

function pkcs8Key(file: string, text: string, password: string | undefined): KeyObject {
  if (!/-----BEGIN (ENCRYPTED |EC |RSA )?PRIVATE KEY-----/.test(text))
    throw new TrustgateError(
      'KEY_INVALID',
      `--vsa-key ${file}: not a private key (a cosign key or a PKCS#8 PEM)`,
      {
        hint: 'a public key verifies; signing a VSA needs the private key',
        option: 'vsaKey',
      },
    );
  try {
    return createPrivateKey({
      key: text,
      format: 'pem',
      ...(password !== undefined ? { passphrase: password } : {}),
    });
  } catch {
    throw new TrustgateError('KEY_INVALID', `--vsa-key ${file}: the PEM could not be read as a private key`, {
      hint: `an encrypted PEM needs its passphrase in ${VSA_PASSWORD_ENV}`,
      option: 'vsaKey',
    });
  }
}
