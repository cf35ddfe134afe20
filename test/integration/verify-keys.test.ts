/** --key sources: files, env://, URLs (with a hanging server), and bad keys. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadKey } from '../../src/trust/keys.js';
import { expectFailure } from '../support/expect-failure.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { generateKey } from '../support/signing.js';

const servers: FaultServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const dir = mkdtempSync(join(tmpdir(), 'tg-keys-'));

describe('loading keys', () => {
  test('a PEM file, PKCS#1 RSA, and env://VAR give the same fingerprint for the same key', async () => {
    const k = generateKey('rsa');
    writeFileSync(join(dir, 'spki.pub'), k.pem);
    writeFileSync(join(dir, 'pkcs1.pub'), k.publicKey.export({ type: 'pkcs1', format: 'pem' }));
    process.env.TG_TEST_KEY = k.pem;
    const a = await loadKey(join(dir, 'spki.pub'));
    const b = await loadKey(join(dir, 'pkcs1.pub'));
    const c = await loadKey('env://TG_TEST_KEY');
    expect(a.fingerprint).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).toBe(a.fingerprint);
    expect(a.algorithm).toBe('rsa');
  });

  test('a corrupt PEM is refused with what was expected', async () => {
    writeFileSync(
      join(dir, 'corrupt.pub'),
      '-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n',
    );
    const e = await expectFailure(loadKey(join(dir, 'corrupt.pub')));
    expect(e.code).toBe('KEY_INVALID');
    expect(e.hint).toContain('BEGIN PUBLIC KEY');
  });

  test('a private key given as --key is refused', async () => {
    const k = generateKey('p256');
    writeFileSync(join(dir, 'private.pem'), k.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const e = await expectFailure(loadKey(join(dir, 'private.pem')));
    expect(e.message).toContain('private key');
  });

  test('a missing file and an unset env var are clear errors', async () => {
    expect((await expectFailure(loadKey(join(dir, 'nope.pub')))).code).toBe('KEY_UNAVAILABLE');
    delete process.env.TG_UNSET_KEY;
    expect((await expectFailure(loadKey('env://TG_UNSET_KEY'))).message).toContain('TG_UNSET_KEY');
  });

  test('a key URL is fetched; one that never answers times out', async () => {
    const k = generateKey('p256');
    const ok = await startFaultServer((_req, res) => res.writeHead(200).end(k.pem));
    const hang = await startFaultServer(() => undefined);
    servers.push(ok, hang);
    expect((await loadKey(`http://${ok.host}/cosign.pub`)).algorithm).toBe('ecdsa-p256');
    const started = Date.now();
    const e = await expectFailure(loadKey(`http://${hang.host}/cosign.pub`, { timeoutMs: 300 }));
    expect(e.code).toBe('KEY_UNAVAILABLE');
    expect(e.message).toContain('timed out');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('plain-HTTP key URLs off this machine are refused', async () => {
    const e = await expectFailure(loadKey('http://keys.example.invalid/cosign.pub'));
    expect(e.message).toContain('HTTPS only');
  });
});
