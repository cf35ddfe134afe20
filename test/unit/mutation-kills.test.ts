/**
 * Tests added by the mutation pass (npm run mutation, test/mutation/mutants.json): each one kills a
 * catalogued fault that survived every other test. The mutant id is in each test's name.
 */
import { X509Certificate } from 'node:crypto';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { describe, expect, test } from 'vitest';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { compilePolicy } from '../../src/policy/load.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { chainHoldsRoot } from '../../src/verify/bundle-checks.js';
import { identityPolicy } from '../../src/verify/identity.js';
import { parsePublicKey } from '../../src/verify/keys.js';
import { embeddedPublicGoodRoot } from '../../src/verify/trust-root.js';
import { KeyVerifiers } from '../../src/verify/verify-signatures.js';
import { keylessWorld } from '../support/keyless.js';
import { COSIGN_SIGN_V1, dsseBundle, generateKey, statementFor } from '../support/signing.js';

const GH = 'https://token.actions.githubusercontent.com';
const RELEASE = 'https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.2.3';
const DIGEST = sha256Digest('the image manifest') as Digest;

describe('keyless identity (src/verify/identity.ts)', () => {
  test('V01: an exact identity is not matched as a prefix', () => {
    const p = identityPolicy({ identity: 'rian@dehamer.co', issuer: GH });
    expect(p.match({ subjectAlternativeName: 'rian@dehamer.com', issuer: GH }).ok).toBe(false);
    expect(p.match({ subjectAlternativeName: `${RELEASE}`, issuer: GH }).ok).toBe(false);
    expect(p.match({ subjectAlternativeName: 'rian@dehamer.co', issuer: GH }).ok).toBe(true);
  });

  test('V02: a certificate without an issuer does not match an exact --certificate-oidc-issuer', () => {
    const p = identityPolicy({ identity: RELEASE, issuer: GH });
    const r = p.match({ subjectAlternativeName: RELEASE, issuer: undefined });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain('OIDC issuer is missing');
  });
});

describe('certificate claims (src/verify/identity.ts)', () => {
  test('V04: a required claim that the certificate lacks fails', () => {
    const p = identityPolicy({
      identity: RELEASE,
      issuer: GH,
      claims: { '1.3.6.1.4.1.57264.1.12': 'https://github.com/org/repo' },
    });
    const r = p.match({ subjectAlternativeName: RELEASE, issuer: GH, claims: new Map() });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain('sourceRepositoryURI is missing');
    expect(p.match({ subjectAlternativeName: RELEASE, issuer: GH }).ok).toBe(false);
  });
});

describe('bundle checks sigstore-js does not make (src/verify/bundle-checks.ts)', () => {
  test('V06: a chain that carries a self-signed root is refused, an intermediate-only chain is not', async () => {
    const world = await keylessWorld();
    const rootDer = new X509Certificate(world.rootPem).raw;
    const withChain = (certs: Buffer[]) =>
      ({
        verificationMaterial: {
          content: {
            $case: 'x509CertificateChain',
            x509CertificateChain: { certificates: certs.map((rawBytes) => ({ rawBytes })) },
          },
          tlogEntries: [],
        },
      }) as unknown as Bundle;
    expect(chainHoldsRoot(withChain([rootDer]))).toMatch(/contains a root certificate/);
    expect(chainHoldsRoot(withChain([]))).toBeUndefined();
  });
});

describe('key verifiers fail closed on their own (src/verify/verify-signatures.ts)', () => {
  test('V08: without --insecure-ignore-tlog, a key-signed bundle with no log entry does not verify', () => {
    const key = generateKey('p256');
    const bundle = bundleFromJSON(
      JSON.parse(dsseBundle(key, statementFor(DIGEST, COSIGN_SIGN_V1)).toString('utf8')),
    );
    const strict = new KeyVerifiers({
      keys: [parsePublicKey(key.pem, 'k.pub')],
      trustRoot: embeddedPublicGoodRoot(),
      ignoreTlog: false,
      requireDockerReference: false,
    });
    expect('reasons' in strict.verifyBundle(bundle, undefined)).toBe(true);
    const lax = new KeyVerifiers({
      keys: [parsePublicKey(key.pem, 'k.pub')],
      trustRoot: embeddedPublicGoodRoot(),
      ignoreTlog: true,
      requireDockerReference: false,
    });
    expect(lax.verifyBundle(bundle, undefined)).toMatchObject({ signer: { key: expect.any(String) } });
  });
});

describe('policy exceptions (src/policy/evaluate.ts)', () => {
  const p = (() => {
    const r = compilePolicy(
      `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: test }
authorities:
  a:
    keys:
      - pem: |
          ${generateKey('p256').pem.trim().split('\n').join('\n          ')}
rules:
  - name: r
    images: ["ghcr.io/org/**"]
    signatures: { anyOf: [a] }
exceptions:
  - name: migration
    images: ["ghcr.io/org/app"]
    checks: [signatures]
    expiresAt: 2026-07-01T00:00:00Z
    reason: key rotation in progress
    ticket: SEC-42
`,
      'test.yaml',
    );
    if ('issues' in r) throw new Error(JSON.stringify(r.issues));
    return r.policy;
  })();
  const ev = {
    reference: `ghcr.io/org/app@${DIGEST}`,
    name: 'ghcr.io/org/app',
    registry: 'ghcr.io',
    givenBy: 'digest' as const,
    digest: DIGEST,
    signatures: [],
    attestations: [],
    rejections: {},
    signers: [],
  };
  test('P07: an exception no longer applies at the instant it expires', () => {
    expect(evaluatePolicy(p, ev, new Date('2026-06-30T23:59:59.999Z')).decision).toBe('allow');
    expect(evaluatePolicy(p, ev, new Date('2026-07-01T00:00:00.000Z')).decision).toBe('deny');
  });
});
