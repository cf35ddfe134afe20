/**
 * Tests added by the mutation pass (npm run mutation, test/mutation/mutants.json): each one kills a
 * catalogued fault that survived every other test. The mutant id is in each test's name.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { dsse } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { describe, expect, test } from 'vitest';
import { VerificationCache } from '../../src/discovery/cache.js';
import { emptyDiscovery } from '../../src/discovery/discover.js';
import { isLoopbackHost } from '../../src/oci/registry/client.js';
import { discoveryPlanFor } from '../../src/policy/discovery-plan.js';
import { evaluatePolicy } from '../../src/policy/evaluate/index.js';
import type { AttestationEvidence, ImageEvidence } from '../../src/policy/evidence.js';
import { type CompiledPolicy, compilePolicy } from '../../src/policy/load.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { identityPolicy } from '../../src/trust/identity.js';
import { loadKey, parsePublicKey } from '../../src/trust/keys.js';
import { embeddedPublicGoodRoot, trustedRootFromJson } from '../../src/trust/roots.js';
import { PREDICATE_TYPES, verifyAttestations } from '../../src/verify/attestations.js';
import { chainHoldsRoot } from '../../src/verify/bundle-checks.js';
import { allocatePayloadAfterHeader, preAuthEncoding } from '../../src/verify/dsse-pae.js';
import { parseRekorBundle, tlogEntryFromRekorBundle } from '../../src/verify/legacy-bundle.js';
import { checkSimpleSigning } from '../../src/verify/simple-signing.js';
import { statementNamesDigest } from '../../src/verify/statement.js';
import { KeylessVerifiers, KeyVerifiers } from '../../src/verify/verify-signatures.js';
import { dsseEnvelope } from '../support/cosign-att.js';
import { keylessWorld } from '../support/keyless.js';
import {
  COSIGN_SIGN_V1,
  dsseBundle,
  fakeLog,
  generateKey,
  intotoV001RekorBundle,
  statementFor,
  trustedRootFor,
} from '../support/signing.js';

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

test('V16: a keyless verifier names a key-signed bundle for what it is', () => {
  const key = generateKey('p256');
  const bundle = bundleFromJSON(
    JSON.parse(dsseBundle(key, statementFor(DIGEST, COSIGN_SIGN_V1)).toString('utf8')),
  );
  const keyless = new KeylessVerifiers({
    identity: identityPolicy({ identity: RELEASE, issuer: GH }),
    trustRoot: embeddedPublicGoodRoot(),
    ignoreTlog: true,
    ignoreSct: true,
    requireDockerReference: false,
  });
  expect(keyless.verifyBundle(bundle, undefined)).toEqual({
    reasons: ['signed with a key, not a certificate: verify it with --key'],
  });
});

test('V17: a keyless bundle whose chain carries the root is refused before sigstore-js sees it', async () => {
  const world = await keylessWorld();
  const signed = JSON.parse(
    (await world.signBundle(statementFor(DIGEST, COSIGN_SIGN_V1), { san: RELEASE, issuer: GH })).toString(
      'utf8',
    ),
  ) as { mediaType: string; verificationMaterial: Record<string, unknown> };
  const { certificate, ...rest } = signed.verificationMaterial as { certificate: { rawBytes: string } };
  const rootDer = new X509Certificate(world.rootPem).raw.toString('base64');
  const withRoot = bundleFromJSON({
    ...signed,
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2',
    verificationMaterial: {
      ...rest,
      x509CertificateChain: { certificates: [certificate, { rawBytes: rootDer }] },
    },
  });
  const keyless = new KeylessVerifiers({
    identity: identityPolicy({ identity: RELEASE, issuer: GH }),
    trustRoot: trustedRootFromJson(world.trustedRootJson, 'world'),
    ignoreTlog: false,
    ignoreSct: false,
    requireDockerReference: false,
  });
  const r = keyless.verifyBundle(withRoot, undefined);
  expect('reasons' in r ? r.reasons.join('; ') : 'verified').toMatch(/contains a root certificate/);
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

const POLICY_KEY = generateKey('p256');
function compiled(rules: string, tail = ''): CompiledPolicy {
  const r = compilePolicy(
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: test }
authorities:
  a:
    keys:
      - pem: |
          ${POLICY_KEY.pem.trim().split('\n').join('\n          ')}
rules:
  - name: r
    images: ["ghcr.io/org/**"]
${rules
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
${tail}`,
    'test.yaml',
  );
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.policy;
}
const image = (over: Partial<ImageEvidence> = {}): ImageEvidence => ({
  reference: `ghcr.io/org/app@${DIGEST}`,
  name: 'ghcr.io/org/app',
  registry: 'ghcr.io',
  givenBy: 'digest',
  digest: DIGEST,
  signatures: [],
  attestations: [],
  rejections: {},
  signers: [],
  ...over,
});
const SLSA02 = 'https://slsa.dev/provenance/v0.2';
const provenance = (builder: string, uri: string) => ({
  authority: 'a',
  predicateType: SLSA02,
  format: 'dsse-layer',
  via: 'tag',
  time: '2026-05-30T00:00:00.000Z',
  statement: {
    _type: 'https://in-toto.io/Statement/v0.1',
    subject: [{ name: 'app', digest: { sha256: DIGEST.slice(7) } }],
    predicateType: SLSA02,
    predicate: { builder: { id: builder }, invocation: { configSource: { uri } } },
  },
});

describe('policy exceptions (src/policy/evaluate.ts)', () => {
  const p = compiled(
    'signatures: { anyOf: [a] }',
    `exceptions:
  - name: migration
    images: ["ghcr.io/org/app"]
    checks: [signatures]
    expiresAt: 2026-07-01T00:00:00Z
    reason: key rotation in progress
    ticket: SEC-42`,
  );
  test('P07: an exception no longer applies at the instant it expires', () => {
    expect(evaluatePolicy(p, image(), new Date('2026-06-30T23:59:59.999Z')).decision).toBe('allow');
    expect(evaluatePolicy(p, image(), new Date('2026-07-01T00:00:00.000Z')).decision).toBe('deny');
  });
});

test('P08: an exception scoped to one rule does not waive the same check in another rule', () => {
  const p = compiled(
    'signatures: { anyOf: [a] }',
    `  - name: r2
    images: ["ghcr.io/**"]
    signatures: { anyOf: [a] }
exceptions:
  - name: only-r
    images: ["ghcr.io/org/app"]
    rules: [r]
    checks: [signatures]
    expiresAt: 2026-07-01T00:00:00Z
    reason: key rotation in progress
    ticket: SEC-43`,
  );
  const d = evaluatePolicy(p, image(), new Date('2026-06-01T00:00:00Z'));
  expect(d.rules.map((r) => [r.name, r.status])).toEqual([
    ['r', 'pass'],
    ['r2', 'fail'],
  ]);
  expect(d.decision).toBe('deny');
});

test('P09: an exception waives only the checks it lists', () => {
  const p = compiled(
    'requireDigest: true\nsignatures: { anyOf: [a] }',
    `exceptions:
  - name: sigs-only
    images: ["ghcr.io/org/app"]
    checks: [signatures]
    expiresAt: 2026-07-01T00:00:00Z
    reason: key rotation in progress
    ticket: SEC-44`,
  );
  const d = evaluatePolicy(p, image({ givenBy: 'tag', tag: 'v1' }), new Date('2026-06-01T00:00:00Z'));
  const checks = d.rules.flatMap((r) => r.checks);
  expect(checks.find((c) => c.id === 'signatures')).toMatchObject({ status: 'pass' });
  expect(checks.find((c) => c.id === 'digest')).toMatchObject({ status: 'fail' });
  expect(d.decision).toBe('deny');
});

test('P14: a denied identity that signed only an attestation still denies the image', () => {
  const p = compiled(
    'attestations:\n  - { name: prov, type: slsaprovenance02 }',
    `deny:
  identities: [{ subject: "https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main", reason: stolen token }]`,
  );
  const prov = provenance('https://builder.example', 'git+https://github.com/org/repo');
  const NOW = new Date('2026-06-01T00:00:00Z');
  expect(evaluatePolicy(p, image({ attestations: [prov] }), NOW).decision).toBe('allow');
  const evil = {
    ...prov,
    identity: {
      subjectAlternativeName: 'https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main',
      issuer: 'https://token.actions.githubusercontent.com',
    },
  };
  const d = evaluatePolicy(p, image({ attestations: [evil] }), NOW);
  expect(d.decision).toBe('deny');
  expect(d.checks.find((c) => c.id === 'deny/identity')).toMatchObject({ status: 'fail' });
});

test('P19: an allowed registry is the whole host, not a suffix of it', () => {
  const r = compilePolicy(
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: test }
rules:
  - name: r
    images: ["**"]
    allowedRegistries: [ghcr.io]
`,
    'test.yaml',
  );
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  const NOW = new Date('2026-06-01T00:00:00Z');
  expect(evaluatePolicy(r.policy, image(), NOW).decision).toBe('allow');
  const evil = image({
    reference: `evilghcr.io/org/app@${DIGEST}`,
    name: 'evilghcr.io/org/app',
    registry: 'evilghcr.io',
  });
  expect(evaluatePolicy(r.policy, evil, NOW).decision).toBe('deny');
});

describe('ages of evidence (src/policy/evaluate.ts)', () => {
  const NOW = new Date('2026-06-01T00:00:00Z');
  const VULN = PREDICATE_TYPES.vuln!;
  const scan = (
    severity: string,
    finished: string | undefined,
    time: string | undefined,
  ): AttestationEvidence => ({
    authority: 'a',
    predicateType: VULN,
    format: 'dsse-layer',
    via: 'tag',
    ...(time ? { time } : {}),
    statement: {
      _type: 'https://in-toto.io/Statement/v0.1',
      subject: [{ name: 'app', digest: { sha256: DIGEST.slice(7) } }],
      predicateType: VULN,
      predicate: {
        scanner: {
          result: {
            Results: [
              {
                Vulnerabilities: [
                  { VulnerabilityID: 'CVE-2026-0001', PkgName: 'openssl', Severity: severity },
                ],
              },
            ],
          },
        },
        ...(finished ? { metadata: { scanFinishedOn: finished } } : {}),
      },
    },
  });
  const vulnGate = compiled('vulnerabilities:\n  maxSeverity: HIGH\n  maxAge: 7d');

  test('P23: an attestation maxAge fails an attestation with no signed time', () => {
    const p = compiled('attestations:\n  - { name: prov, type: slsaprovenance02, maxAge: 7d }');
    const timed = provenance('https://builder.example', 'git+https://github.com/org/repo');
    expect(evaluatePolicy(p, image({ attestations: [timed] }), NOW).decision).toBe('allow');
    const { time: _t, ...untimed } = timed;
    expect(evaluatePolicy(p, image({ attestations: [untimed] }), NOW).decision).toBe('deny');
  });

  test('P25: a vulnerability maxAge fails a scan with no time at all', () => {
    expect(
      evaluatePolicy(
        vulnGate,
        image({ attestations: [scan('LOW', '2026-05-31T00:00:00Z', '2026-05-31T00:00:00Z')] }),
        NOW,
      ).decision,
    ).toBe('allow');
    expect(
      evaluatePolicy(vulnGate, image({ attestations: [scan('LOW', undefined, undefined)] }), NOW).decision,
    ).toBe('deny');
  });

  test('P26: the newest scan is the one judged', () => {
    const fresh = scan('LOW', '2026-05-31T00:00:00Z', '2026-05-31T00:00:00.000Z');
    const old = scan('CRITICAL', '2026-05-28T00:00:00Z', '2026-05-28T00:00:00.000Z');
    expect(evaluatePolicy(vulnGate, image({ attestations: [old, fresh] }), NOW).decision).toBe('allow');
    expect(evaluatePolicy(vulnGate, image({ attestations: [fresh, old] }), NOW).decision).toBe('allow');
  });
});

describe('SLSA provenance gates (src/policy/gates.ts)', () => {
  const NOW = new Date('2026-06-01T00:00:00Z');
  const BUILDER = 'https://github.com/org/builder/.github/workflows/build.yml';
  const req = (slsa: string) =>
    compiled(`attestations:\n  - { name: prov, type: slsaprovenance02, slsa: ${slsa} }`);
  const status = (p: CompiledPolicy, a: AttestationEvidence, id: string) =>
    evaluatePolicy(p, image({ attestations: [a] }), NOW)
      .rules.flatMap((r) => r.checks)
      .find((c) => c.id === id)?.status;

  test('G03: a builderId is the same id (with or without @version), never a longer one', () => {
    const p = req(`{ builderId: "${BUILDER}" }`);
    const uri = 'git+https://github.com/org/repo@refs/tags/v1.0.0';
    expect(
      status(p, provenance(`${BUILDER}@refs/tags/v1.9.0`, uri), 'attestations/prov/slsa/builderId'),
    ).toBe('pass');
    expect(
      status(p, provenance(`${BUILDER}-evil@refs/tags/v1.9.0`, uri), 'attestations/prov/slsa/builderId'),
    ).toBe('fail');
  });

  test('G05: a required sourceRef that the provenance does not record fails', () => {
    const p = req('{ sourceRef: refs/tags/v1.0.0 }');
    expect(
      status(
        p,
        provenance(BUILDER, 'git+https://github.com/org/repo@refs/tags/v1.0.0'),
        'attestations/prov/slsa/sourceRef',
      ),
    ).toBe('pass');
    expect(
      status(p, provenance(BUILDER, 'git+https://github.com/org/repo'), 'attestations/prov/slsa/sourceRef'),
    ).toBe('fail');
  });
});

describe('discovery plans (src/policy/discovery-plan.ts)', () => {
  test('E05: an unmet signature requirement holds discovery back', () => {
    const p = compiled('signatures: { anyOf: [a] }');
    const none = () => ({ signatures: [], attestations: [], rejections: {}, signers: [] });
    expect(discoveryPlanFor(p, image(), none, new Date())!.enough(emptyDiscovery(DIGEST))).toBe(false);
  });
});

describe('simple-signing and statement subjects (src/verify/simple-signing.ts, statement.ts)', () => {
  const payload = (ref: string, digest: string) =>
    Buffer.from(
      JSON.stringify({
        critical: {
          identity: { 'docker-reference': ref },
          image: { 'docker-manifest-digest': digest },
          type: 'cosign container image signature',
        },
        optional: null,
      }),
    );
  test('S04: a docker-reference that is a prefix of the expected repository names another repository', () => {
    const strict = { digest: DIGEST, repository: 'registry.example/team/app2', requireDockerReference: true };
    const r = checkSimpleSigning(payload('registry.example/team/app', DIGEST), strict);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain('names another repository');
    expect(checkSimpleSigning(payload('registry.example/team/app2', DIGEST), strict).ok).toBe(true);
  });

  test('T02: a statement names the image when any one of its subjects does', () => {
    const other = sha256Digest('another image') as Digest;
    const s = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        { name: 'other', digest: { sha256: other.slice(7) } },
        { name: 'this', digest: { sha256: DIGEST.slice(7) } },
      ],
      predicateType: COSIGN_SIGN_V1,
    };
    expect(statementNamesDigest(s, DIGEST)).toBe(true);
    expect(statementNamesDigest({ ...s, subject: [s.subject[0]!] }, DIGEST)).toBe(false);
  });
});

describe('keys and trust roots (src/verify/keys.ts, trust-root.ts)', () => {
  test('K04: a --key file larger than any public key is refused before parsing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-key-'));
    try {
      const key = generateKey('p256');
      const file = join(dir, 'big.pub');
      writeFileSync(file, `${key.pem}\n${'#'.repeat(70 * 1024)}\n`);
      await expect(loadKey(file)).rejects.toThrow(/larger than a public key can be/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('K02: an RSA key under 2048 bits is refused', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => parsePublicKey(small.toString(), 'small.pub')).toThrow(/1024 bits is too small/);
  });

  test('R02: a certificate authority without validFor.start makes the trusted root invalid', () => {
    const root = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      ctlogs: [],
      timestampAuthorities: [],
      certificateAuthorities: [
        {
          subject: { commonName: 'ca' },
          uri: 'https://ca.example',
          certChain: { certificates: [] },
          validFor: {},
        },
      ],
    };
    expect(() => trustedRootFromJson(JSON.stringify(root), 'root.json')).toThrow(
      /certificate authority https:\/\/ca.example has no validFor.start/,
    );
  });
});

describe('verification cache (src/batch/cache.ts)', () => {
  const SECRET = Buffer.from('mutation-kills cache key');
  const key = {
    image: `registry.example/team/app@${DIGEST}`,
    context: 'policy',
    trustRoots: 'roots',
    tool: 't',
  };
  const T0 = new Date('2026-06-01T00:00:00Z');
  const at = (d: Date) => () => d;
  const withCache = (f: (dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-cache-'));
    try {
      f(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const entryFile = (dir: string) => join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!);

  test('C03: an entry dated more than a minute in the future is expired, not a hit', () => {
    withCache((dir) => {
      new VerificationCache(dir, {
        ttlMs: 3600e3,
        now: at(new Date(T0.getTime() + 2 * 60e3)),
        secret: SECRET,
      }).put(key, emptyDiscovery(DIGEST), 1);
      const reader = new VerificationCache(dir, { ttlMs: 3600e3, now: at(T0), secret: SECRET });
      expect(reader.get(key)).toBeUndefined();
      expect(reader.events).toMatchObject([{ kind: 'expired' }]);
    });
  });

  test('C08: the verified count is covered by the HMAC', () => {
    withCache((dir) => {
      const cache = new VerificationCache(dir, { ttlMs: 3600e3, now: at(T0), secret: SECRET });
      cache.put(key, emptyDiscovery(DIGEST), 1);
      expect(cache.get(key)).toMatchObject({ verified: 1 });
      cache.put(key, emptyDiscovery(DIGEST), 1);
      const file = entryFile(dir);
      const e = JSON.parse(readFileSync(file, 'utf8')) as { verified: number };
      writeFileSync(file, JSON.stringify({ ...e, verified: 5 }));
      const reader = new VerificationCache(dir, { ttlMs: 3600e3, now: at(T0), secret: SECRET });
      expect(reader.get(key)).toBeUndefined();
      expect(reader.events).toMatchObject([{ kind: 'tampered' }]);
    });
  });

  test('C01: an entry moved under another key (same image, other policy) is reported as foreign', () => {
    withCache((dir) => {
      const cache = new VerificationCache(dir, { ttlMs: 3600e3, now: at(T0), secret: SECRET });
      cache.put(key, emptyDiscovery(DIGEST), 1);
      const written = entryFile(dir);
      const other = { ...key, context: 'another policy' };
      cache.put(other, emptyDiscovery(DIGEST), 1);
      const otherFile = readdirSync(dir)
        .map((f) => join(dir, f))
        .find((f) => f !== written)!;
      writeFileSync(otherFile, readFileSync(written));
      const reader = new VerificationCache(dir, { ttlMs: 3600e3, now: at(T0), secret: SECRET });
      expect(reader.get(other)).toBeUndefined();
      expect(reader.events).toMatchObject([{ kind: 'foreign' }]);
    });
  });
});

describe('digests and DSSE bytes (src/verify/simple-signing.ts, dsse-pae.ts)', () => {
  test('S02: a signature for a digest that differs only in its last hex digit is for another image', () => {
    const near = `${DIGEST.slice(0, -1)}${DIGEST.endsWith('0') ? '1' : '0'}`;
    const payload = Buffer.from(
      JSON.stringify({
        critical: {
          identity: { 'docker-reference': 'registry.example/team/app' },
          image: { 'docker-manifest-digest': near },
          type: 'cosign container image signature',
        },
      }),
    );
    const r = checkSimpleSigning(payload, {
      digest: DIGEST,
      repository: 'registry.example/team/app',
      requireDockerReference: false,
    });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain(`the signature is for ${near}`);
  });

  test('D02: a PAE header for another payloadType of the same length is not reused', () => {
    const body = Buffer.from('{"x":1}');
    const payload = allocatePayloadAfterHeader('application/x-aaaa', body.length);
    body.copy(payload);
    const pae = preAuthEncoding('application/x-bbbb', payload);
    expect(pae.equals(dsse.preAuthEncoding('application/x-bbbb', body))).toBe(true);
  });
});

describe('attestations (src/verify/attestations.ts)', () => {
  test('A01: an attestation bundle with no log entry says that --insecure-ignore-tlog is needed', () => {
    const key = generateKey('p256');
    const bytes = dsseBundle(key, statementFor(DIGEST, 'https://slsa.dev/provenance/v1'));
    const d = {
      ...emptyDiscovery(DIGEST),
      bundles: [
        {
          format: 'sigstore-bundle' as const,
          origin: { via: 'referrers', manifest: DIGEST, layer: sha256Digest(bytes) as Digest },
          bytes,
        },
      ],
    };
    const strict = new KeyVerifiers({
      keys: [parsePublicKey(key.pem, 'k.pub')],
      trustRoot: embeddedPublicGoodRoot(),
      ignoreTlog: false,
      requireDockerReference: false,
    });
    const [v] = verifyAttestations(d, strict);
    expect(v).toMatchObject({ verified: false });
    expect(v!.reason).toContain('requires --insecure-ignore-tlog');
  });
});

describe('Rekor intoto 0.0.1 entries in a Sigstore bundle (src/verify/intoto-v001.ts)', () => {
  test('I02: an intoto 0.0.1 entry in a bundle has no envelope bytes to bind, and is refused', () => {
    const log = fakeLog(generateKey('p256'));
    const root = { root: TrustedRoot.fromJSON(JSON.parse(trustedRootFor(log))), description: 'fake log' };
    const key = generateKey('p256');
    const stmt = statementFor(DIGEST, 'https://slsa.dev/provenance/v0.2');
    const envelope = dsseEnvelope(key, stmt);
    const rekor = intotoV001RekorBundle(log, {
      envelope,
      payload: stmt,
      signer: key,
      logIndex: 7,
      integratedTime: Math.floor(Date.now() / 1000),
    });
    const bytes = Buffer.from(
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
        verificationMaterial: {
          publicKey: { hint: '' },
          tlogEntries: [tlogEntryFromRekorBundle(parseRekorBundle(rekor))],
          timestampVerificationData: { rfc3161Timestamps: [] },
        },
        dsseEnvelope: JSON.parse(envelope.toString('utf8')),
      }),
    );
    const d = {
      ...emptyDiscovery(DIGEST),
      bundles: [
        {
          format: 'sigstore-bundle' as const,
          origin: { via: 'referrers', manifest: DIGEST, layer: sha256Digest(bytes) as Digest },
          bytes,
        },
      ],
    };
    const strict = new KeyVerifiers({
      keys: [parsePublicKey(key.pem, 'k.pub')],
      trustRoot: root,
      ignoreTlog: false,
      requireDockerReference: false,
    });
    const [v] = verifyAttestations(d, strict);
    expect(v).toMatchObject({ verified: false });
    expect(v!.reason).toContain('records another envelope');
  });
});

describe('cache entries name their own digest (src/batch/cache.ts)', () => {
  test('C06: an entry whose discovery is for another digest is foreign, even when written with the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-cache-'));
    try {
      const now = () => new Date('2026-06-01T00:00:00Z');
      const cache = new VerificationCache(dir, { ttlMs: 3600e3, now, secret: Buffer.from('k') });
      const key = { image: `registry.example/team/app@${DIGEST}`, context: 'c', trustRoots: 'r', tool: 't' };
      cache.put(key, emptyDiscovery(sha256Digest('another image') as Digest), 1);
      expect(cache.get(key)).toBeUndefined();
      expect(cache.events).toMatchObject([{ kind: 'foreign' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('C07: a cached blob that does not match its layer digest is tampered, even when written with the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-cache-'));
  try {
    const now = () => new Date('2026-06-01T00:00:00Z');
    const cache = new VerificationCache(dir, { ttlMs: 3600e3, now, secret: Buffer.from('k') });
    const key = { image: `registry.example/team/app@${DIGEST}`, context: 'c', trustRoots: 'r', tool: 't' };
    const payload = Buffer.from('{"critical":{}}');
    const sig = (layer: Digest) => ({
      format: 'simplesigning' as const,
      origin: { via: 'tag', manifest: DIGEST, layer },
      payload,
      signature: 'c2ln',
    });
    cache.put(key, { ...emptyDiscovery(DIGEST), simpleSigning: [sig(sha256Digest(payload) as Digest)] }, 1);
    expect(cache.get(key)).toMatchObject({ verified: 1 });
    cache.put(key, { ...emptyDiscovery(DIGEST), simpleSigning: [sig(sha256Digest('other') as Digest)] }, 1);
    expect(cache.get(key)).toBeUndefined();
    expect(cache.events.at(-1)).toMatchObject({ kind: 'tampered' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('loopback hosts (src/oci/registry/client.ts)', () => {
  test('O07: only the whole host is loopback, not a name that starts like one', () => {
    for (const h of ['localhost', 'localhost:5000', '127.0.0.1', '127.0.0.1:5000', '[::1]:5000'])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of [
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      '127.0.0.1:5000.evil.example',
      'localhostx',
    ])
      expect(isLoopbackHost(h)).toBe(false);
  });
});
