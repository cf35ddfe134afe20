/** evaluateOrDeny and firstFailingCheck: shared answers about one policy decision. */
import { describe, expect, test } from 'vitest';
import { explainingCheck, firstFailingCheck, firstFailingOrWarningCheck } from '../../src/policy/checks.js';
import { evaluateOrDeny, evaluatePolicy, type PolicyDecision } from '../../src/policy/evaluate/index.js';
import type { ImageEvidence } from '../../src/policy/evidence.js';
import { type CompiledPolicy, compilePolicy } from '../../src/policy/load.js';
import { generateKey } from '../support/signing.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const key = generateKey('p256');

function policy(): CompiledPolicy {
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
    signatures: { anyOf: [c] }
`,
    'test.yaml',
  );
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.policy;
}

const evidence = (over: Partial<ImageEvidence> = {}): ImageEvidence => ({
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

describe('evaluateOrDeny', () => {
  test('is evaluatePolicy when evaluation completes', () => {
    const p = policy();
    const ev = evidence({ rejections: { c: ['does not verify'] } });
    expect(evaluateOrDeny(p, ev, NOW)).toEqual(evaluatePolicy(p, ev, NOW));
  });

  test('an evaluation that throws denies the image, saying why, instead of throwing', () => {
    const p = policy();
    // Malformed evidence: reading the rejected reasons throws inside the signatures check.
    const ev = evidence({ rejections: { c: { length: 1 } as unknown as string[] } });
    expect(() => evaluatePolicy(p, ev, NOW)).toThrow();
    const d = evaluateOrDeny(p, ev, NOW);
    expect(d).toMatchObject({ decision: 'deny', status: 'fail', exitCode: 1 });
    expect(firstFailingCheck(d)).toMatchObject({ id: 'verification' });
    expect(firstFailingCheck(d)!.reason).toMatch(
      /^verification could not complete: policy evaluation failed: /,
    );
  });
});

describe('firstFailingCheck', () => {
  const decision = (checks: PolicyDecision['checks'], ruleChecks: PolicyDecision['checks']): PolicyDecision =>
    ({
      checks,
      rules: [{ name: 'r', mode: 'enforce', matchedBy: '**', status: 'fail', checks: ruleChecks }],
    }) as unknown as PolicyDecision;

  test('policy-wide checks come before rule checks; warnings and passes are not failures', () => {
    const d = decision(
      [
        { id: 'noMatch', status: 'warn', reason: 'w' },
        { id: 'deny', status: 'fail', reason: 'denied digest' },
      ],
      [{ id: 'signatures', status: 'fail', reason: 'none' }],
    );
    expect(firstFailingCheck(d)?.id).toBe('deny');
    expect(firstFailingCheck(decision([], d.rules[0]!.checks))?.id).toBe('signatures');
  });

  test('none when nothing failed', () => {
    expect(firstFailingCheck(decision([{ id: 'noMatch', status: 'warn', reason: 'w' }], []))).toBeUndefined();
    expect(firstFailingCheck(evaluatePolicy(policy(), evidence({ signatures: [] }), NOW))?.id).toBe(
      'signatures',
    );
  });
});

describe('explainingCheck and firstFailingOrWarningCheck', () => {
  const decision = (checks: PolicyDecision['checks'], ruleChecks: PolicyDecision['checks']): PolicyDecision =>
    ({
      checks,
      rules: [{ name: 'r', mode: 'enforce', matchedBy: '**', status: 'fail', checks: ruleChecks }],
    }) as unknown as PolicyDecision;
  const warnThenFail = decision(
    [
      { id: 'ok', status: 'pass', reason: 'p' },
      { id: 'noMatch', status: 'warn', reason: 'w' },
    ],
    [
      { id: 'skipped', status: 'skip', reason: 's' },
      { id: 'signatures', status: 'fail', reason: 'none' },
    ],
  );

  test('a report explains a decision by its first failure even after a warning (rule checks included)', () => {
    expect(explainingCheck(warnThenFail)?.id).toBe('signatures');
  });

  test('policy test shows the first check that failed or warned, whichever came first', () => {
    expect(firstFailingOrWarningCheck(warnThenFail)?.id).toBe('noMatch');
    expect(firstFailingOrWarningCheck(decision([], warnThenFail.rules[0]!.checks))?.id).toBe('signatures');
  });

  test('a warning alone explains a decision; passes and skips never do', () => {
    const warnOnly = decision(
      [{ id: 'ok', status: 'pass', reason: 'p' }],
      [{ id: 'sbom', status: 'warn', reason: 'w' }],
    );
    expect(explainingCheck(warnOnly)?.id).toBe('sbom');
    expect(firstFailingOrWarningCheck(warnOnly)?.id).toBe('sbom');
    const clean = decision(
      [{ id: 'ok', status: 'pass', reason: 'p' }],
      [{ id: 's', status: 'skip', reason: 's' }],
    );
    expect(explainingCheck(clean)).toBeUndefined();
    expect(firstFailingOrWarningCheck(clean)).toBeUndefined();
  });
});
