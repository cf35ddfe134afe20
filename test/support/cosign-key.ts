/**
 * cosign's private key file, `ENCRYPTED SIGSTORE PRIVATE KEY`: base64 JSON of
 * {kdf: scrypt {N, r, p, salt}, cipher: nacl/secretbox {nonce}, ciphertext}, the plaintext being the
 * PKCS#8 DER key. Read so the fixture builder and benchmarks can sign with keys cosign generated.
 */
import { createPrivateKey, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nacl from 'tweetnacl';
import { type TestKey, testKeyFrom } from './signing.js';

interface EncryptedKey {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

const PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';

function deriveKey(password: string, kdf: EncryptedKey['kdf']): Uint8Array {
  const { N, r, p } = kdf.params;
  return scryptSync(password, Buffer.from(kdf.salt, 'base64'), 32, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
}

export function readCosignKey(file: string, password: string): TestKey {
  const pem = readFileSync(file, 'utf8');
  const m = new RegExp(`-----BEGIN ${PEM_TYPE}-----([\\s\\S]+?)-----END ${PEM_TYPE}-----`).exec(pem);
  if (!m) throw new Error(`${file} is not an ${PEM_TYPE} PEM`);
  const enc = JSON.parse(Buffer.from(m[1]!.replace(/\s/g, ''), 'base64').toString('utf8')) as EncryptedKey;
  if (enc.kdf.name !== 'scrypt' || enc.cipher.name !== 'nacl/secretbox')
    throw new Error(`${file}: unsupported kdf/cipher`);
  const plain = nacl.secretbox.open(
    Buffer.from(enc.ciphertext, 'base64'),
    Buffer.from(enc.cipher.nonce, 'base64'),
    deriveKey(password, enc.kdf),
  );
  if (!plain) throw new Error(`${file}: wrong password or corrupt key`);
  return testKeyFrom(createPrivateKey({ key: Buffer.from(plain), format: 'der', type: 'pkcs8' }));
}

/** Write a key in cosign's format (N=32768 to keep tests quick; cosign reads any N). */
export function writeCosignKey(key: TestKey, password: string): string {
  const kdf = { name: 'scrypt', params: { N: 32768, r: 8, p: 1 }, salt: randomBytes(32).toString('base64') };
  const nonce = randomBytes(24);
  const der = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  const ciphertext = nacl.secretbox(der, nonce, deriveKey(password, kdf));
  const body = Buffer.from(
    JSON.stringify({
      kdf,
      cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
      ciphertext: Buffer.from(ciphertext).toString('base64'),
    }),
  ).toString('base64');
  return `-----BEGIN ${PEM_TYPE}-----\n${body.replace(/(.{64})/g, '$1\n')}\n-----END ${PEM_TYPE}-----\n`;
}
