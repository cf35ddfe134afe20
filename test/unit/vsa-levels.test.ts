/**
 * The level a signed VSA states is what the decision demonstrated, never more: warn-mode failures,
 * unsigned (BuildKit) provenance and a statement that merely claims an L3 builder earn nothing extra.
 */
import { expect, test } from 'vitest';
import type { PolicyDecision, RuleResult } from '../../src/policy/evaluate/types.js';
import type { AttestationEvidence, ImageEvidence } from '../../src/policy/evidence.js';
import { type CompiledPolicy, compilePolicy } from '../../src/policy/load.js';
import { vsaStatement } from '../../src/vsa/statement.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const L3 =
  'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0';
const GH = 'https://token.actions.githubusercontent.com';

function policy(extra = ''): CompiledPolicy {
  const r = compilePolicy(
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: t }
authorities:
  gen: { keyless: { issuer: "${GH}", subjectRegExp: "https://github.com/slsa-framework/.*" } }
rules:
  - name: prov
    images: ["ghcr.io/**"]
    attestations:
      - { name: provenance, type: slsaprovenance1, signedBy: [gen] }
${extra}`,
    'p.yaml',
  );
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.policy;
}

function decision(rule: Partial<RuleResult>, status: PolicyDecision['status'] = 'pass'): PolicyDecision {
  return {
    reference: `ghcr.io/o/app@${DIGEST}`,
    name: 'ghcr.io/o/app',
    digest: DIGEST,
    decision: status === 'fail' ? 'deny' : 'allow',
    status,
    exitCode: 0,
    policy: { name: 't', sha256: `sha256:${'b'.repeat(64)}`, matching: 'all' },
    effectiveTime: '2026-11-28T00:00:00Z',
    checks: [],
    rules: [
      {
        name: 'prov',
        mode: 'enforce',
        matchedBy: 'ghcr.io/**',
        status: 'pass',
        checks: [{ id: 'attestations/provenance', status: 'pass', reason: 'ok' }],
        ...rule,
      } as RuleResult,
    ],
    signers: [],
  };
}

function provenance(identity?: AttestationEvidence['identity']): AttestationEvidence {
  return {
    predicateType: 'https://slsa.dev/provenance/v1',
    via: 'bundle',
    ...(identity ? { identity } : {}),
    statement: {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'ghcr.io/o/app', digest: { sha256: 'a'.repeat(64) } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { runDetails: { builder: { id: L3 } }, buildDefinition: { buildType: 'x' } },
    },
  } as unknown as AttestationEvidence;
}

function evidence(attestations: AttestationEvidence[]): ImageEvidence {
  return {
    reference: `ghcr.io/o/app@${DIGEST}`,
    name: 'ghcr.io/o/app',
    digest: DIGEST,
    signatures: [],
    attestations,
  } as unknown as ImageEvidence;
}

const levelOf = (p: CompiledPolicy, d: PolicyDecision, ev: ImageEvidence) =>
  vsaStatement({
    decision: d,
    evidence: ev,
    policy: p,
    verifierId: 'https://v.example',
    timeVerified: new Date(),
  })?.predicate.verifiedLevels;

test('L3 needs the certificate to be the builder workflow the statement names; a claim alone is L2', () => {
  const p = policy();
  expect(
    levelOf(p, decision({}), evidence([provenance({ subjectAlternativeName: L3, issuer: GH })])),
  ).toEqual(['SLSA_BUILD_LEVEL_3']);
  expect(levelOf(p, decision({}), evidence([provenance()]))).toEqual(['SLSA_BUILD_LEVEL_2']);
  expect(
    levelOf(
      p,
      decision({}),
      evidence([provenance({ subjectAlternativeName: 'https://github.com/evil/x', issuer: GH })]),
    ),
  ).toEqual(['SLSA_BUILD_LEVEL_2']);
});

test('provenance accepted unsigned (allowUnsigned: buildkit) earns no level', () => {
  const d = decision({
    checks: [
      { id: 'attestations/provenance', status: 'pass', reason: 'ok' },
      { id: 'attestations/provenance/unsigned', status: 'warn', reason: 'unsigned BuildKit' },
    ],
  });
  expect(levelOf(policy(), d, evidence([provenance()]))).toEqual(['SLSA_BUILD_LEVEL_0']);
});

test('a warn-mode rule whose checks failed demonstrates nothing, its vsaLevel included', () => {
  const p = policy('    vsaLevel: SLSA_BUILD_LEVEL_3\n    mode: warn\n');
  const d = decision(
    {
      mode: 'warn',
      status: 'warn',
      checks: [{ id: 'attestations/provenance', status: 'warn', reason: 'missing' }],
    },
    'warn',
  );
  expect(levelOf(p, d, evidence([]))).toEqual(['SLSA_BUILD_LEVEL_0']);
  expect(levelOf(p, decision({}), evidence([]))).toEqual(['SLSA_BUILD_LEVEL_3']);
});

test("the policy's uri is its file name, not the local path", () => {
  const s = vsaStatement({
    decision: decision({}),
    evidence: evidence([]),
    policy: policy(),
    verifierId: 'https://v.example',
    timeVerified: new Date(),
  });
  expect(s?.predicate.policy.uri).toBe('file:p.yaml');
});
