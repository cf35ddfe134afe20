/** The SLSA VSA v1 schema, the judgement of one VSA, and the signed bundle's shape. */
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { judgeVsa } from '../../src/policy/vsa-judge.js';
import { meetsLevel, parseVsaStatement, VSA_PREDICATE_TYPE } from '../../src/policy/vsa-predicate.js';
import { preAuthEncoding } from '../../src/verify/dsse-pae.js';
import { signVsa } from '../../src/vsa/sign.js';
import { fromPrivateKey } from '../../src/vsa/signing-key.js';

const HEX = 'a'.repeat(64);
const NOW = new Date('2026-06-01T12:00:00Z');

function vsa(over: Record<string, unknown> = {}, predicate: Record<string, unknown> = {}) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'reg.example/app', digest: { sha256: HEX } }],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: 'https://ci.example/v' },
      timeVerified: '2026-06-01T11:00:00Z',
      resourceUri: `oci://reg.example/app@sha256:${HEX}`,
      policy: { uri: 'https://ci.example/p', digest: { sha256: 'b'.repeat(64) } },
      verificationResult: 'PASSED',
      verifiedLevels: ['SLSA_BUILD_LEVEL_2'],
      slsaVersion: '1.0',
      ...predicate,
    },
    ...over,
  };
}

describe('SLSA VSA v1 schema', () => {
  test('a complete VSA, and one with unknown (extension) fields, validate', () => {
    expect(parseVsaStatement(vsa()).ok).toBe(true);
    expect(
      parseVsaStatement(vsa({}, { 'https://ext.example/x': 1, dependencyLevels: { SLSA_BUILD_LEVEL_3: 2 } }))
        .ok,
    ).toBe(true);
  });

  test.each([
    ['verifier', { verifier: undefined }, 'predicate.verifier'],
    ['timeVerified', { timeVerified: undefined }, 'predicate.timeVerified'],
    ['resourceUri', { resourceUri: undefined }, 'predicate.resourceUri'],
    ['policy', { policy: undefined }, 'predicate.policy'],
    ['policy.uri', { policy: { digest: { sha256: HEX } } }, 'predicate.policy.uri'],
    ['verificationResult', { verificationResult: undefined }, 'predicate.verificationResult'],
    ['verifiedLevels', { verifiedLevels: undefined }, 'predicate.verifiedLevels'],
  ])('required field %s missing is refused', (_n, p, path) => {
    const r = parseVsaStatement(vsa({}, p));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(path);
  });

  test('enum values, RFC 3339 times, level names, digests and versions are checked', () => {
    const bad = (p: Record<string, unknown>) => parseVsaStatement(vsa({}, p)).ok;
    expect(bad({ verificationResult: 'OK' })).toBe(false);
    expect(bad({ verificationResult: 'passed' })).toBe(false);
    expect(bad({ timeVerified: '2026-06-01 11:00:00' })).toBe(false);
    expect(bad({ timeVerified: '2026-06-01T11:00:00' })).toBe(false); // no zone
    expect(bad({ timeVerified: '2026-06-01T11:00:00.52+02:00' })).toBe(true);
    expect(bad({ verifiedLevels: ['SLSA_BUILD_LEVEL_9'] })).toBe(false);
    expect(bad({ verifiedLevels: ['SLSA_WHATEVER'] })).toBe(false);
    expect(bad({ verifiedLevels: ['FAILED'] })).toBe(true);
    expect(bad({ verifiedLevels: ['ACME_INTERNAL_GOLD'] })).toBe(true);
    expect(bad({ policy: { uri: 'https://p', digest: { sha256: `sha256:${HEX}` } } })).toBe(false);
    expect(bad({ slsaVersion: '1' })).toBe(false);
    expect(bad({ dependencyLevels: { SLSA_BUILD_LEVEL_1: -1 } })).toBe(false);
    expect(bad({ resourceUri: 'no scheme' })).toBe(false);
    expect(parseVsaStatement(vsa({ predicateType: 'https://slsa.dev/provenance/v1' })).ok).toBe(false);
    expect(parseVsaStatement(vsa({ subject: [] })).ok).toBe(false);
  });

  test('a level implies the lower ones on its track only', () => {
    expect(meetsLevel(['SLSA_BUILD_LEVEL_3'], 'SLSA_BUILD_LEVEL_2')).toBe(true);
    expect(meetsLevel(['SLSA_BUILD_LEVEL_1'], 'SLSA_BUILD_LEVEL_2')).toBe(false);
    expect(meetsLevel(['SLSA_SOURCE_LEVEL_3'], 'SLSA_BUILD_LEVEL_2')).toBe(false);
    expect(meetsLevel(['FAILED'], 'SLSA_BUILD_LEVEL_0')).toBe(false);
  });
});

describe('judgeVsa', () => {
  const want = {
    digest: `sha256:${HEX}`,
    resourceUri: `oci://reg.example/app@sha256:${HEX}`,
    verifierId: 'https://ci.example/v',
    policyDigest: `sha256:${'b'.repeat(64)}`,
    levels: ['SLSA_BUILD_LEVEL_2'],
    maxAgeMs: 24 * 3600e3,
    now: NOW,
  };
  test('a matching VSA passes', () => expect(judgeVsa(vsa(), want).ok).toBe(true));
  test.each([
    ['another digest', vsa({ subject: [{ digest: { sha256: 'c'.repeat(64) } }] }), /another artifact/],
    ['FAILED', vsa({}, { verificationResult: 'FAILED', verifiedLevels: ['FAILED'] }), /FAILED verification/],
    [
      'another resource',
      vsa({}, { resourceUri: `oci://reg.example/other@sha256:${HEX}` }),
      /another resource/,
    ],
    ['another verifier', vsa({}, { verifier: { id: 'https://evil.example' } }), /names verifier/],
    [
      'another policy',
      vsa({}, { policy: { uri: 'https://p', digest: { sha256: 'd'.repeat(64) } } }),
      /another policy/,
    ],
    ['no policy digest', vsa({}, { policy: { uri: 'https://p' } }), /no sha256 digest/],
    ['a lower level', vsa({}, { verifiedLevels: ['SLSA_BUILD_LEVEL_1'] }), /below SLSA_BUILD_LEVEL_2/],
    ['expired', vsa({}, { timeVerified: '2026-05-31T11:00:00Z' }), /over maxAge/],
    ['from the future', vsa({}, { timeVerified: '2026-06-01T13:00:00Z' }), /in the future/],
    ['not a VSA', { hello: 1 }, /not a SLSA VSA v1/],
  ])('%s is refused', (_n, statement, reason) => {
    const j = judgeVsa(statement, want);
    expect(j.ok).toBe(false);
    expect(!j.ok && j.reason).toMatch(reason);
  });
  test('policyDigest any accepts whatever policy', () => {
    expect(judgeVsa(vsa({}, { policy: { uri: 'https://p' } }), { ...want, policyDigest: 'any' }).ok).toBe(
      true,
    );
  });
});

describe('signVsa', () => {
  test.each([
    'ed25519',
    'ec',
  ] as const)('%s: a DSSE v0.3 bundle with a key hint, verifiable with the public key', async (type) => {
    const { privateKey } =
      type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    const key = fromPrivateKey(privateKey);
    const statement = parseVsaStatement(vsa());
    if (!statement.ok) throw new Error(statement.reason);
    const signed = await signVsa(statement.vsa, key);
    const b = JSON.parse(signed.bundle);
    expect(b.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(b.verificationMaterial).toEqual({ publicKey: { hint: key.hint } });
    expect(b.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    const payload = Buffer.from(b.dsseEnvelope.payload, 'base64');
    expect(JSON.parse(payload.toString())).toEqual(statement.vsa);
    const sig = Buffer.from(b.dsseEnvelope.signatures[0].sig, 'base64');
    const pae = preAuthEncoding('application/vnd.in-toto+json', payload);
    expect(verify(type === 'ec' ? 'sha256' : null, pae, createPublicKey(privateKey), sig)).toBe(true);
    expect(signed.bundle).not.toContain(
      privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    );
  });
});
