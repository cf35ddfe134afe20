/**
 * Signature requirements count distinct signers, not authorities: two authorities that hold the same
 * key (in whatever PEM form), or that accept the same keyless identity, are one signer between them,
 * and so is one signature that two authorities verified.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { initializeCA, initializeCTLog } from '@sigstore/mock';
import { beforeAll, describe, expect, test } from 'vitest';
import { type CheckResult, evaluatePolicy, type PolicyDecision } from '../../src/policy/evaluate/index.js';
import type { ImageEvidence, SignatureEvidence } from '../../src/policy/evidence.js';
import { type CompiledPolicy, compilePolicy } from '../../src/policy/load.js';
import { generateKey } from '../support/signing.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const ISSUER = 'https://token.actions.githubusercontent.com';
const k0 = generateKey('p256');
const k1 = generateKey('p256');

/** The same key, its base64 rewrapped at 40 columns instead of 64. */
const rewrapped = (pem: string) => {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return `-----BEGIN PUBLIC KEY-----\n${body.replace(/(.{40})/g, '$1\n').trim()}\n-----END PUBLIC KEY-----\n`;
};
const block = (pem: string) =>
  pem
    .trim()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');

let certOfK0: string;
let p: CompiledPolicy;

beforeAll(async () => {
  const ctlog = await initializeCTLog(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const ca = await initializeCA(generateKeyPairSync('ec', { namedCurve: 'P-256' }), ctlog);
  const der = await ca.issueCertificate({
    publicKey: createPublicKey(k0.pem).export({ type: 'spki', format: 'der' }),
    subjectAltName: 'keys@example.com',
    extensions: [],
  });
  certOfK0 = `-----BEGIN CERTIFICATE-----\n${Buffer.from(der as Uint8Array).toString('base64')}\n-----END CERTIFICATE-----\n`;
  const text = `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: threshold }
authorities:
  x:
    keys:
      - pem: |
${block(k0.pem)}
  y:
    keys:
      - pem: |
${block(rewrapped(k0.pem))}
  z:
    keys:
      - pem: |
${block(certOfK0)}
  w:
    keys:
      - pem: |
${block(k1.pem)}
  v:
    keys:
      - pem: |
${block(k0.pem)}
      - pem: |
${block(k1.pem)}
  ci:
    keyless: { issuer: ${ISSUER}, subjectRegExp: "https://github.com/org/.*" }
  release:
    keyless: { issuer: ${ISSUER}, subject: "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main" }
rules:
  - { name: same-key, images: ["r.example/same-key"], signatures: { threshold: 2, of: [x, y] } }
  - { name: cert-key, images: ["r.example/cert-key"], signatures: { threshold: 2, of: [x, z] } }
  - { name: all-same, images: ["r.example/all-same"], signatures: { allOf: [x, y] } }
  - { name: overlap, images: ["r.example/overlap"], signatures: { threshold: 2, of: [v, x] } }
  - { name: keyless, images: ["r.example/keyless"], signatures: { threshold: 2, of: [ci, release] } }
  - { name: mixed, images: ["r.example/mixed"], signatures: { threshold: 2, of: [x, release] } }
  - { name: twice, images: ["r.example/twice"], signatures: { threshold: 2, of: [w, w] } }
  - { name: any, images: ["r.example/any"], signatures: { anyOf: [x, y] } }
`;
  const r = compilePolicy(text, 'threshold.yaml');
  if ('issues' in r) throw new Error(JSON.stringify(r.issues, null, 2));
  p = r.policy;
});

const fingerprint = (authority: string, i = 0) => p.authorities.get(authority)!.keys[i]!.key.fingerprint;

function decide(repo: string, signatures: SignatureEvidence[]): PolicyDecision {
  const ev: ImageEvidence = {
    reference: `r.example/${repo}@${DIGEST}`,
    name: `r.example/${repo}`,
    registry: 'r.example',
    givenBy: 'digest',
    digest: DIGEST,
    signatures,
    attestations: [],
    rejections: {},
    signers: [],
  };
  return evaluatePolicy(p, ev, NOW);
}

const byKey = (authority: string, key: string, signature?: string): SignatureEvidence => ({
  authority,
  format: 'simplesigning',
  via: 'tag',
  key,
  time: '2026-05-01T00:00:00.000Z',
  ...(signature ? { signature } : {}),
});
const byCert = (authority: string, san: string, signature?: string): SignatureEvidence => ({
  authority,
  format: 'sigstore-bundle',
  via: 'referrers-api',
  identity: { subjectAlternativeName: san, issuer: ISSUER },
  time: '2026-05-01T00:00:00.000Z',
  ...(signature ? { signature } : {}),
});
const sigCheck = (d: PolicyDecision): CheckResult => d.rules[0]!.checks.find((c) => c.id === 'signatures')!;

describe('a threshold counts distinct signers', () => {
  test('one key in two PEM encodings, or as a certificate, is one key', () => {
    expect(fingerprint('y')).toBe(fingerprint('x'));
    expect(fingerprint('z')).toBe(fingerprint('x'));
    expect(fingerprint('w')).not.toBe(fingerprint('x'));
  });

  test('threshold 2 over two authorities holding the same key: one signature is not enough', () => {
    const d = decide('same-key', [byKey('x', fingerprint('x')), byKey('y', fingerprint('y'))]);
    expect(d.decision).toBe('deny');
    expect(sigCheck(d)).toMatchObject({ status: 'fail', actual: 'x' });
    expect(sigCheck(d).reason).toContain('y: signed only by the signer already counted for x');
    // Two signatures by the same key are still one signer.
    const twice = decide('same-key', [
      byKey('x', fingerprint('x'), 'sig-1'),
      byKey('y', fingerprint('y'), 'sig-2'),
    ]);
    expect(twice.decision).toBe('deny');
  });

  test('the key written as a certificate is the same signer too', () => {
    expect(decide('cert-key', [byKey('x', fingerprint('x')), byKey('z', fingerprint('z'))]).decision).toBe(
      'deny',
    );
  });

  test('allOf over two authorities with the same key needs two signers as well', () => {
    const d = decide('all-same', [byKey('x', fingerprint('x')), byKey('y', fingerprint('y'))]);
    expect(d.decision).toBe('deny');
    expect(sigCheck(d).reason).toContain('1 of 2 authorities signed');
  });

  test('anyOf is unaffected: one signer is enough', () => {
    expect(decide('any', [byKey('x', fingerprint('x')), byKey('y', fingerprint('y'))]).decision).toBe(
      'allow',
    );
  });

  test('overlapping authorities are met by two signers credited one each, whatever the order', () => {
    // v holds k0 and k1, x holds k0: k1 must go to v so that k0 can go to x.
    const both = [byKey('v', fingerprint('x')), byKey('v', fingerprint('w')), byKey('x', fingerprint('x'))];
    expect(decide('overlap', both).decision).toBe('allow');
    expect(decide('overlap', [...both].reverse()).decision).toBe('allow');
    // Only k0 signed: v and x are one signer between them.
    expect(decide('overlap', [byKey('v', fingerprint('x')), byKey('x', fingerprint('x'))]).decision).toBe(
      'deny',
    );
  });

  test('keyless: one identity is one signer, even across two certificates; two identities are two', () => {
    const main = 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main';
    const same = decide('keyless', [byCert('ci', main, 'bundle A'), byCert('release', main, 'bundle B')]);
    expect(same.decision).toBe('deny');
    const other = 'https://github.com/org/other/.github/workflows/ci.yml@refs/heads/main';
    expect(
      decide('keyless', [
        byCert('ci', other, 'bundle C'),
        byCert('ci', main, 'bundle B'),
        byCert('release', main, 'bundle B'),
      ]).decision,
    ).toBe('allow');
  });

  test('one signature verified by a key authority and by a keyless one counts once', () => {
    const main = 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main';
    const one = [byKey('x', fingerprint('x'), 'layer 1'), byCert('release', main, 'layer 1')];
    expect(decide('mixed', one).decision).toBe('deny');
    const two = [byKey('x', fingerprint('x'), 'layer 1'), byCert('release', main, 'layer 2')];
    expect(decide('mixed', two).decision).toBe('allow');
  });

  test('an authority listed twice needs two of its signers', () => {
    expect(decide('twice', [byKey('w', fingerprint('w'))]).decision).toBe('deny');
  });
});
