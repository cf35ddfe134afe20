/**
 * `allowUnsigned: buildkit`, evaluated from recorded evidence: unsigned BuildKit attestations satisfy
 * only a requirement that opted in, with a warning; never one naming a signer (even if a compiled
 * policy were edited to have both); and never a maxAge, since nothing signed their time.
 */
import { describe, expect, test } from 'vitest';
import { evaluatePolicy } from '../../src/policy/evaluate/index.js';
import type { ImageEvidence, UnsignedEvidence } from '../../src/policy/evidence.js';
import { type CompiledPolicy, compilePolicy } from '../../src/policy/load.js';
import { generateKey } from '../support/signing.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const INDEX = `sha256:${'1'.repeat(64)}`;
const AMD = `sha256:${'a'.repeat(64)}`;
const SLSA = 'https://slsa.dev/provenance/v0.2';
const key = generateKey('p256');

function policy(requirement: string): CompiledPolicy {
  const pem = key.pem.trim().split('\n').join('\n          ');
  const r = compilePolicy(
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: test }
authorities:
  c:
    keys:
      - pem: |
          ${pem}
rules:
  - name: r
    images: ["ghcr.io/org/**"]
    attestations:
      - { name: provenance, type: slsaprovenance${requirement} }
`,
    'test.yaml',
  );
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.policy;
}

const unsigned: UnsignedEvidence = {
  children: [{ digest: AMD, platform: 'linux/amd64' }],
  attestations: [
    {
      source: 'buildkit',
      predicateType: SLSA,
      subject: AMD,
      platform: 'linux/amd64',
      via: `sha256:${'b'.repeat(64)}`,
      statement: {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'pkg:docker/app', digest: { sha256: 'a'.repeat(64) } }],
        predicateType: SLSA,
        predicate: { builder: { id: '' } },
      },
    },
  ],
  ignored: [],
};

const evidence = (over: Partial<ImageEvidence> = {}): ImageEvidence => ({
  reference: `ghcr.io/org/app@${INDEX}`,
  name: 'ghcr.io/org/app',
  registry: 'ghcr.io',
  givenBy: 'digest',
  digest: INDEX,
  signatures: [],
  attestations: [],
  rejections: {},
  signers: [],
  unsigned,
  ...over,
});

const checks = (p: CompiledPolicy, ev = evidence()) =>
  evaluatePolicy(p, ev, NOW).rules[0]!.checks.map((c) => [c.id, c.status]);

describe('allowUnsigned: buildkit', () => {
  test('off by default: BuildKit evidence is not looked at', () => {
    expect(checks(policy(''))).toEqual([['attestations/provenance', 'fail']]);
  });

  test('opted in: passes, and warns that the evidence was unsigned', () => {
    const d = evaluatePolicy(policy(', allowUnsigned: buildkit'), evidence(), NOW);
    expect(d.status).toBe('warn');
    expect(d.signers).toEqual([]);
    expect(d.rules[0]!.checks.map((c) => [c.id, c.status])).toEqual([
      ['attestations/provenance', 'pass'],
      ['attestations/provenance/unsigned', 'warn'],
    ]);
  });

  test('a requirement naming a signer is never satisfied, even if its compiled form also allowed unsigned', () => {
    const p = policy(', allowUnsigned: buildkit');
    const a = p.rules[0]!.attestations[0]!;
    a.raw = { ...a.raw, signedBy: ['c'] };
    expect(checks(p)).toEqual([['attestations/provenance', 'fail']]);
  });

  test('maxAge fails on them: nothing signed their time', () => {
    expect(checks(policy(', allowUnsigned: buildkit, maxAge: 30d'))).toEqual([
      ['attestations/provenance', 'fail'],
      ['attestations/provenance/unsigned', 'warn'],
    ]);
  });

  test('without BuildKit evidence the requirement fails as before', () => {
    const { unsigned: _none, ...bare } = evidence();
    expect(checks(policy(', allowUnsigned: buildkit'), bare)).toEqual([['attestations/provenance', 'fail']]);
  });
});
