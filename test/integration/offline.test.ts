/**
 * Offline means offline: with the embedded or a given trust root, verification opens no connection and
 * makes no DNS lookup except to the registry being verified. Every other attempt is denied and logged.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { simpleSigningPayload } from '../support/cosign-sig.js';
import { buildImage } from '../support/image-builder.js';
import { pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { repoRoot } from '../support/repo-root.js';
import { generateKey, signBytes, simpleSigningAnnotations } from '../support/signing.js';

const root = repoRoot();
const work = mkdtempSync(join(tmpdir(), 'tg-offline-'));

function runDenied(args: string[]) {
  const logFile = join(work, `net-${Math.random().toString(36).slice(2)}.log`);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      join(root, 'test', 'support', 'deny-network.mjs'),
      join(root, 'bin', 'trustgate.js'),
      ...args,
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TG_NETWORK_LOG: logFile, NO_COLOR: '1' },
      timeout: 60_000,
    },
  );
  const attempts = existsSync(logFile)
    ? readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean)
    : [];
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, attempts };
}

describe('offline verification', () => {
  let reg: RunningRegistry;
  const key = generateKey('p256');
  const img = buildImage({ seed: 'offline' });

  beforeAll(async () => {
    reg = await startRegistry();
    await reg.push('offline/app', img, 'v1');
    const c = new RegistryClient(reg.clientOptions());
    const payload = simpleSigningPayload(img.manifest.digest, `${reg.host}/offline/app`);
    await pushSig(c, reg.host, 'offline/app', img.manifest.digest, [
      { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) },
    ]);
    await c.close();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(work, 'key.pub'), key.pem);
  });
  afterAll(async () => reg?.stop());

  test('the preload really denies: a non-loopback registry attempt is logged', () => {
    const r = runDenied(['resolve', '--max-retries', '0', 'registry.example.invalid/app:v1']);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.attempts.join(' ')).toContain('registry.example.invalid');
  });

  test('the demo fixture verifies with no network attempt at all', () => {
    const r = runDenied([
      'verify',
      '--key',
      'fixtures/trust/cosign.pub',
      '--trusted-root',
      'fixtures/trust/trusted_root.json',
      'oci:fixtures/demo',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.attempts).toEqual([]);
  });

  test('the demo policy is evaluated with no network attempt at all', () => {
    const r = runDenied([
      'verify',
      '--policy',
      'fixtures/demo-policy.yaml',
      '--image-name',
      'registry.example/trustgate/demo',
      'oci:fixtures/demo',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.attempts).toEqual([]);
  });

  test('keyless with the embedded public-good root makes no network attempt', () => {
    const r = runDenied([
      'verify',
      '--certificate-identity',
      'a@example.com',
      '--certificate-oidc-issuer',
      'https://issuer.example',
      'oci:fixtures/demo',
    ]);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.attempts).toEqual([]);
  });

  test('a registry image verifies, talking only to the registry', () => {
    const r = runDenied([
      'verify',
      '--key',
      join(work, 'key.pub'),
      '--insecure-ignore-tlog',
      `${reg.host}/offline/app:v1`,
    ]);
    expect(r.stderr).not.toContain('denied');
    expect(r.code).toBe(ExitCode.OK);
    expect(r.attempts).toEqual([]);
  });
});
