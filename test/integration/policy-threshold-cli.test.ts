/**
 * Thresholds end to end through the CLI, on signed OCI layouts: `threshold: 2` over two authorities
 * that hold the same key (written in two PEM forms) is not met by that key's signature, while two
 * keys signing the same payload (two `.sig` layers with one digest) are two signers.
 * Independent of test/unit/policy-threshold.test.ts, which evaluates recorded evidence.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { writePolicyImage } from '../support/policy-images.js';
import { runCli } from '../support/run-cli.js';
import { ed25519FromLabel, fakeLog, generateKey, trustedRootFor } from '../support/signing.js';

const log = fakeLog(ed25519FromLabel('threshold cli log'));
const k0 = generateKey('p256');
const k1 = generateKey('p384');
let dir: string;
let policy: string;
const images: Record<string, string> = {};

/** The same key, its base64 wrapped at 48 columns instead of 64. */
const rewrapped = (pem: string) => {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return `-----BEGIN PUBLIC KEY-----\n${body.replace(/(.{48})/g, '$1\n').trim()}\n-----END PUBLIC KEY-----\n`;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-threshold-cli-'));
  writeFileSync(join(dir, 'root.json'), trustedRootFor(log));
  writeFileSync(join(dir, 'k0.pub'), k0.pem);
  writeFileSync(join(dir, 'k0-again.pub'), rewrapped(k0.pem));
  writeFileSync(join(dir, 'k1.pub'), k1.pem);
  policy = join(dir, 'policy.yaml');
  writeFileSync(
    policy,
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: threshold-cli }
noMatch: deny
trustRoots:
  log: { trustedRoot: root.json }
authorities:
  build: { keys: [{ file: k0.pub }], trustRoot: log }
  build-again: { keys: [{ file: k0-again.pub }], trustRoot: log }
  security: { keys: [{ file: k1.pub }], trustRoot: log }
rules:
  - name: same-key
    images: ["registry.example/same/*"]
    signatures: { threshold: 2, of: [build, build-again] }
  - name: two-keys
    images: ["registry.example/two/*"]
    signatures: { threshold: 2, of: [build, security] }
  - name: all-same-key
    images: ["registry.example/all/*"]
    signatures: { allOf: [build, build-again] }
`,
  );
  const by = (key: typeof k0) => ({ kind: 'key' as const, key, log });
  images.one = (await writePolicyImage(dir, { seed: 'threshold-one', signatures: [by(k0)] })).ref;
  images.both = (await writePolicyImage(dir, { seed: 'threshold-both', signatures: [by(k0), by(k1)] })).ref;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verify = (name: string, image: string) => {
  const r = runCli(['verify', '--policy', policy, '--image-name', name, '-o', 'report', image]);
  const check = r.stdout
    ? JSON.parse(r.stdout).decisions[0].rules[0]?.checks.find((c: { id: string }) => c.id === 'signatures')
    : undefined;
  return { ...r, check };
};

describe('verify --policy: thresholds count distinct signers', () => {
  test('threshold 2 over two authorities holding one key (two PEM forms): one signature is denied', () => {
    const r = verify('registry.example/same/app', images.one!);
    expect(r.code, r.stderr).toBe(ExitCode.FAILURE);
    expect(r.check).toMatchObject({ status: 'fail', actual: 'build' });
    expect(r.check.reason).toContain('build-again: signed only by the signer already counted for build');
  });

  test('a second key signing does not help when both authorities hold the first', () => {
    expect(verify('registry.example/same/app', images.both!).code).toBe(ExitCode.FAILURE);
  });

  test('allOf over the same two authorities is denied the same way', () => {
    expect(verify('registry.example/all/app', images.one!).code).toBe(ExitCode.FAILURE);
  });

  test('two keys over the same payload are two signers: allowed; one of them alone is not', () => {
    const both = verify('registry.example/two/app', images.both!);
    expect(both.code, both.stdout).toBe(ExitCode.OK);
    expect(both.check).toMatchObject({ status: 'pass', actual: 'build, security' });
    expect(verify('registry.example/two/app', images.one!).code).toBe(ExitCode.FAILURE);
  });
});
