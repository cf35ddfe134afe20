/**
 * Policy evaluation from recorded evidence: every capability with a passing and a failing case.
 * Evidence is plain data here; gathering it from real images is tested in integration.
 */
import { describe, expect, test } from 'vitest';
import { emptyDiscovery } from '../../src/discovery/discover.js';
import { ExitCode } from '../../src/exit-codes.js';
import { discoveryPlanFor } from '../../src/policy/discovery-plan.js';
import { type CheckResult, evaluatePolicy, type PolicyDecision } from '../../src/policy/evaluate/index.js';
import type { AttestationEvidence, ImageEvidence } from '../../src/policy/evidence.js';
import { type CompiledPolicy, compilePolicy } from '../../src/policy/load.js';
import type { Digest } from '../../src/reference/digest.js';
import { parsePublicKey } from '../../src/trust/keys.js';
import { PREDICATE_TYPES } from '../../src/verify/attestations.js';
import { generateKey } from '../support/signing.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const keys = [generateKey('p256'), generateKey('p256'), generateKey('p256')];
const fp = keys.map((k) => parsePublicKey(k.pem, 'k').fingerprint);
const indent = (pem: string, n: number) =>
  pem
    .trim()
    .split('\n')
    .join(`\n${' '.repeat(n)}`);

function policy(body: string, head = ''): CompiledPolicy {
  const text = `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: test }
${head}
authorities:
  a:
    keys:
      - pem: |
          ${indent(keys[0]!.pem, 10)}
        notBefore: 2026-01-01T00:00:00Z
        notAfter: 2026-03-01T00:00:00Z
  b:
    keys:
      - pem: |
          ${indent(keys[1]!.pem, 10)}
    revoked: [${fp[1]}]
  c:
    keys:
      - pem: |
          ${indent(keys[2]!.pem, 10)}
  ci:
    keyless:
      issuer: https://token.actions.githubusercontent.com
      subjectRegExp: https://github.com/org/repo/\\.github/workflows/.*
${body}`;
  const r = compilePolicy(text, 'test.yaml');
  if ('issues' in r) throw new Error(JSON.stringify(r.issues, null, 2));
  return r.policy;
}

function evidence(over: Partial<ImageEvidence> = {}): ImageEvidence {
  return {
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
  };
}

const sig = (authority: string, key: string, time = '2026-02-01T00:00:00.000Z') => ({
  authority,
  format: 'simplesigning',
  via: 'tag',
  key,
  time,
});

function att(type: string, predicate: unknown, over: Partial<AttestationEvidence> = {}): AttestationEvidence {
  return {
    authority: 'c',
    predicateType: PREDICATE_TYPES[type] ?? type,
    format: 'dsse-layer',
    via: 'tag',
    key: fp[2]!,
    time: '2026-05-30T00:00:00.000Z',
    statement: {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'app', digest: { sha256: 'a'.repeat(64) } }],
      predicateType: PREDICATE_TYPES[type] ?? type,
      predicate,
    },
    ...over,
  };
}

const rule = (extra: string, name = 'r') => `rules:
  - name: ${name}
    images: ["ghcr.io/org/**"]
${extra
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}`;

const check = (d: PolicyDecision, id: string): CheckResult | undefined =>
  [...d.checks, ...d.rules.flatMap((r) => r.checks)].find((c) => c.id === id);

describe('signatures', () => {
  test('anyOf passes with one valid signer, fails with none, naming why', () => {
    const p = policy(rule('signatures: { anyOf: [c] }'));
    expect(evaluatePolicy(p, evidence({ signatures: [sig('c', fp[2]!)] }), NOW)).toMatchObject({
      decision: 'allow',
      exitCode: 0,
    });
    const d = evaluatePolicy(
      p,
      evidence({ rejections: { c: ['the signature does not verify with key X'] } }),
      NOW,
    );
    expect(d).toMatchObject({ decision: 'deny', exitCode: ExitCode.FAILURE });
    expect(check(d, 'signatures')!.reason).toContain('c: the signature does not verify with key X');
  });

  test('a key signing outside its rotation window does not count; inside it does', () => {
    const p = policy(rule('signatures: { anyOf: [a] }'));
    expect(
      evaluatePolicy(p, evidence({ signatures: [sig('a', fp[0]!, '2026-02-01T00:00:00.000Z')] }), NOW)
        .decision,
    ).toBe('allow');
    const late = evaluatePolicy(
      p,
      evidence({ signatures: [sig('a', fp[0]!, '2026-04-01T00:00:00.000Z')] }),
      NOW,
    );
    expect(late.decision).toBe('deny');
    expect(check(late, 'signatures')!.reason).toMatch(/after key .* was retired \(2026-03-01/);
    const early = evaluatePolicy(
      p,
      evidence({ signatures: [sig('a', fp[0]!, '2025-12-01T00:00:00.000Z')] }),
      NOW,
    );
    expect(check(early, 'signatures')!.reason).toMatch(/before key .* became valid/);
    // No signed time: the effective time is the signing time.
    const { time: _, ...untimed } = sig('a', fp[0]!);
    expect(evaluatePolicy(p, evidence({ signatures: [untimed] }), NOW).decision).toBe('deny');
    expect(
      evaluatePolicy(p, evidence({ signatures: [untimed] }), new Date('2026-02-02T00:00:00Z')).decision,
    ).toBe('allow');
  });

  test('a revoked key never counts', () => {
    const d = evaluatePolicy(
      policy(rule('signatures: { anyOf: [b] }')),
      evidence({ signatures: [sig('b', fp[1]!)] }),
      NOW,
    );
    expect(d.decision).toBe('deny');
    expect(check(d, 'signatures')!.reason).toContain('is revoked');
  });

  test('threshold 2 of 3 with one valid signer fails; with two it passes; allOf needs all', () => {
    const p = policy(rule('signatures: { threshold: 2, of: [a, b, c] }'));
    const one = evaluatePolicy(p, evidence({ signatures: [sig('c', fp[2]!), sig('b', fp[1]!)] }), NOW);
    expect(one.decision).toBe('deny');
    expect(check(one, 'signatures')).toMatchObject({ actual: 'c', expected: '2 of a, b, c' });
    const two = evaluatePolicy(p, evidence({ signatures: [sig('c', fp[2]!), sig('a', fp[0]!)] }), NOW);
    expect(two.decision).toBe('allow');
    const all = policy(rule('signatures: { allOf: [a, c] }'));
    expect(evaluatePolicy(all, evidence({ signatures: [sig('c', fp[2]!)] }), NOW).decision).toBe('deny');
    expect(
      evaluatePolicy(all, evidence({ signatures: [sig('c', fp[2]!), sig('a', fp[0]!)] }), NOW).decision,
    ).toBe('allow');
  });
});

describe('image rules', () => {
  test('allowed registries and namespaces, at segment boundaries', () => {
    const p = policy(rule('allowedRegistries: [ghcr.io]\nallowedNamespaces: [ghcr.io/org/app]'));
    expect(evaluatePolicy(p, evidence(), NOW).decision).toBe('allow');
    const other = evaluatePolicy(p, evidence({ name: 'ghcr.io/org/app-evil', registry: 'ghcr.io' }), NOW);
    expect(check(other, 'namespace')).toMatchObject({ status: 'fail', actual: 'ghcr.io/org/app-evil' });
    const p2 = policy(`rules:\n  - name: r\n    images: ["**"]\n    allowedRegistries: [ghcr.io]`);
    expect(
      check(
        evaluatePolicy(p2, evidence({ name: 'docker.io/library/x', registry: 'docker.io' }), NOW),
        'registry',
      ),
    ).toMatchObject({ status: 'fail', actual: 'docker.io' });
  });

  test('requireDigest: a tag fails with the pin to use; resolve: true pins it', () => {
    const byTag = evidence({ reference: 'ghcr.io/org/app:v1', givenBy: 'tag', tag: 'v1' });
    const strict = evaluatePolicy(policy(rule('requireDigest: true')), byTag, NOW);
    expect(check(strict, 'digest')).toMatchObject({ status: 'fail' });
    expect(check(strict, 'digest')!.reason).toContain(`ghcr.io/org/app@${DIGEST}`);
    const resolving = evaluatePolicy(policy(rule('requireDigest: { resolve: true }')), byTag, NOW);
    expect(check(resolving, 'digest')).toMatchObject({ status: 'pass' });
    expect(evaluatePolicy(policy(rule('requireDigest: true')), evidence(), NOW).decision).toBe('allow');
  });

  test('noMatch: deny, warn or allow', () => {
    const other = evidence({ name: 'quay.io/x/y' });
    expect(evaluatePolicy(policy(rule('')), other, NOW).exitCode).toBe(ExitCode.FAILURE);
    expect(evaluatePolicy(policy(rule(''), 'noMatch: warn'), other, NOW).exitCode).toBe(ExitCode.WARNINGS);
    expect(evaluatePolicy(policy(rule(''), 'noMatch: allow'), other, NOW).exitCode).toBe(ExitCode.OK);
  });

  test('matching: all applies every matching rule; mostSpecific only the longest glob, excludes honoured', () => {
    const rules = `rules:
  - name: broad
    images: ["ghcr.io/**"]
    signatures: { anyOf: [a] }
  - name: narrow
    images: ["ghcr.io/org/app"]
  - name: excluded
    images: ["ghcr.io/org/*"]
    exclude: ["ghcr.io/org/app"]
    signatures: { anyOf: [b] }`;
    const all = evaluatePolicy(policy(rules), evidence(), NOW);
    expect(all.rules.map((r) => r.name)).toEqual(['broad', 'narrow']);
    expect(all.decision).toBe('deny');
    const specific = evaluatePolicy(policy(rules, 'matching: mostSpecific'), evidence(), NOW);
    expect(specific.rules.map((r) => r.name)).toEqual(['narrow']);
    expect(specific.decision).toBe('allow');
  });

  test('modes: warn turns failures into warnings (exit 3); audit records them without effect', () => {
    const warn = evaluatePolicy(policy(rule('mode: warn\nsignatures: { anyOf: [a] }')), evidence(), NOW);
    expect(warn).toMatchObject({ decision: 'allow', status: 'warn', exitCode: ExitCode.WARNINGS });
    const audit = evaluatePolicy(policy(rule('mode: audit\nsignatures: { anyOf: [a] }')), evidence(), NOW);
    expect(audit).toMatchObject({ decision: 'allow', status: 'pass' });
    expect(check(audit, 'signatures')).toMatchObject({ status: 'fail' });
    expect(check(audit, 'signatures')!.reason).toContain('audit mode');
  });
});

describe('deny lists', () => {
  const perfect = () => evidence({ signatures: [sig('c', fp[2]!)] });
  test('a denied digest fails an otherwise perfect image, and no exception waives it', () => {
    const p = policy(
      `${rule('signatures: { anyOf: [c] }')}
deny:
  digests: [{ digest: "${DIGEST}", reason: compromised build, reference: INC-7 }]
exceptions:
  - { name: all, images: ["**"], checks: ["**"], expiresAt: 2027-01-01T00:00:00Z, reason: r, ticket: T-1 }`,
    );
    const d = evaluatePolicy(p, perfect(), NOW);
    expect(d.decision).toBe('deny');
    expect(check(d, 'deny/digest')!.reason).toBe(`digest ${DIGEST} is denied: compromised build (INC-7)`);
  });

  test('denied signer identities and issuers', () => {
    const p = policy(
      `${rule('signatures: { anyOf: [c] }')}
deny:
  identities: [{ subjectRegExp: "https://github.com/evil/.*", reason: stolen token }]
  issuers: [{ issuer: https://evil.example, reason: untrusted IdP }]`,
    );
    expect(evaluatePolicy(p, perfect(), NOW).decision).toBe('allow');
    const byEvil = evaluatePolicy(
      p,
      { ...perfect(), signers: [{ subjectAlternativeName: 'https://github.com/evil/x', issuer: 'x' }] },
      NOW,
    );
    expect(check(byEvil, 'deny/identity')).toMatchObject({ status: 'fail' });
    // A signer an authority verified is matched too, even if the deny scan did not see it.
    const viaAuthority = evaluatePolicy(
      p,
      evidence({
        signatures: [
          {
            authority: 'ci',
            format: 'sigstore-bundle',
            via: 'referrers',
            identity: { subjectAlternativeName: 'https://github.com/evil/y', issuer: 'x' },
          },
        ],
      }),
      NOW,
    );
    expect(check(viaAuthority, 'deny/identity')).toMatchObject({ status: 'fail' });
    const viaEvil = evaluatePolicy(
      p,
      { ...perfect(), signers: [{ subjectAlternativeName: 'me', issuer: 'https://evil.example' }] },
      NOW,
    );
    expect(check(viaEvil, 'deny/issuer')).toMatchObject({ status: 'fail' });
  });
});

describe('exceptions', () => {
  const p = policy(
    `${rule('signatures: { anyOf: [a] }')}
exceptions:
  - name: migration
    images: ["ghcr.io/org/app"]
    checks: [signatures]
    expiresAt: 2026-07-01T00:00:00Z
    reason: key rotation in progress
    ticket: SEC-42`,
  );
  test('an unexpired exception waives the check and says so', () => {
    const d = evaluatePolicy(p, evidence(), NOW);
    expect(d.decision).toBe('allow');
    expect(check(d, 'signatures')).toMatchObject({
      status: 'pass',
      exception: { name: 'migration', expired: false },
    });
  });
  test('one expiring within 14 days warns (exit 3)', () => {
    const d = evaluatePolicy(p, evidence(), new Date('2026-06-25T00:00:00Z'));
    expect(d.exitCode).toBe(ExitCode.WARNINGS);
    expect(check(d, 'signatures')!.reason).toContain('in 6.0d');
  });
  test('an expired exception no longer applies, and the output says it expired', () => {
    const d = evaluatePolicy(p, evidence(), new Date('2026-07-02T00:00:00Z'));
    expect(d.decision).toBe('deny');
    expect(check(d, 'signatures')!.reason).toContain(
      'exception migration (SEC-42) expired at 2026-07-01T00:00:00Z',
    );
  });
});

describe('attestations', () => {
  const slsa1 = {
    buildDefinition: {
      externalParameters: {
        workflow: {
          repository: 'https://github.com/org/repo',
          ref: 'refs/tags/v1.2.0',
          path: '.github/workflows/release.yml',
        },
      },
    },
    runDetails: {
      builder: {
        id: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0',
      },
    },
    count: 2,
  };
  const req = (extra: string) =>
    policy(
      rule(`attestations:
  - name: provenance
    type: slsaprovenance1
    signedBy: [c]
${extra
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}`),
    );

  test('present and signed by the right authority; missing or signed by another fails', () => {
    const p = req('maxAge: 30d');
    expect(evaluatePolicy(p, evidence({ attestations: [att('slsaprovenance1', slsa1)] }), NOW).decision).toBe(
      'allow',
    );
    expect(check(evaluatePolicy(p, evidence(), NOW), 'attestations/provenance')).toMatchObject({
      status: 'fail',
      actual: 'none',
    });
    const other = evaluatePolicy(
      p,
      evidence({ attestations: [att('slsaprovenance1', slsa1, { authority: 'a', key: fp[0]! })] }),
      NOW,
    );
    expect(check(other, 'attestations/provenance')!.reason).toContain('signed by a, not by c');
  });

  test('maxAge exceeded fails, with the age', () => {
    const d = evaluatePolicy(
      req('maxAge: 1d'),
      evidence({ attestations: [att('slsaprovenance1', slsa1)] }),
      NOW,
    );
    expect(check(d, 'attestations/provenance')).toMatchObject({
      status: 'fail',
      actual: '2.0d',
      expected: '<= 1d',
    });
  });

  test('SLSA helpers: builder id (with or without @version), source and tag pattern', () => {
    const good = req(`slsa:
  builderId: https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml
  sourceUri: git+https://github.com/org/repo
  sourceRefRegExp: refs/tags/v.*
  entryPoint: .github/workflows/release.yml`);
    expect(
      evaluatePolicy(good, evidence({ attestations: [att('slsaprovenance1', slsa1)] }), NOW).decision,
    ).toBe('allow');
    const bad = req('slsa:\n  sourceRefRegExp: refs/heads/main\n  builderIdRegExp: https://example.com/.*');
    const d = evaluatePolicy(bad, evidence({ attestations: [att('slsaprovenance1', slsa1)] }), NOW);
    expect(check(d, 'attestations/provenance/slsa/sourceRef')).toMatchObject({
      status: 'fail',
      actual: 'refs/tags/v1.2.0',
    });
    expect(check(d, 'attestations/provenance/slsa/builderId')).toMatchObject({ status: 'fail' });
  });

  test('SLSA v0.2 fields are read from invocation.configSource', () => {
    const v02 = {
      builder: {
        id: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.9.0',
      },
      invocation: {
        configSource: {
          uri: 'git+https://github.com/org/repo@refs/tags/v1.0.0',
          entryPoint: '.github/workflows/release.yml',
        },
      },
    };
    const p = policy(
      rule(`attestations:
  - name: provenance
    type: slsaprovenance02
    slsa: { sourceUri: "https://github.com/org/repo", sourceRef: refs/tags/v1.0.0, entryPoint: .github/workflows/release.yml }`),
    );
    expect(evaluatePolicy(p, evidence({ attestations: [att('slsaprovenance02', v02)] }), NOW).decision).toBe(
      'allow',
    );
  });

  test('CEL conditions: int arithmetic on JSON numbers, claims, warn mode, and a missing field fails clearly', () => {
    const p = req(`conditions:
  - { name: count, expr: "predicate.count + 1 == 3", message: count is 2 }
  - { name: tag, expr: "predicate.buildDefinition.externalParameters.workflow.ref.startsWith('refs/tags/')", message: built from a tag }
  - { name: soft, expr: "predicate.count > 5", message: more than five, mode: warn }`);
    const d = evaluatePolicy(p, evidence({ attestations: [att('slsaprovenance1', slsa1)] }), NOW);
    expect(check(d, 'attestations/provenance/conditions/count')).toMatchObject({ status: 'pass' });
    expect(check(d, 'attestations/provenance/conditions/tag')).toMatchObject({ status: 'pass' });
    expect(check(d, 'attestations/provenance/conditions/soft')).toMatchObject({
      status: 'warn',
      reason: 'more than five',
    });
    expect(d.exitCode).toBe(ExitCode.WARNINGS);

    const missing = req('conditions:\n  - { expr: "predicate.nope.deeper == 1", message: has nope }');
    const m = evaluatePolicy(missing, evidence({ attestations: [att('slsaprovenance1', slsa1)] }), NOW);
    expect(check(m, 'attestations/provenance/conditions/0')).toMatchObject({ status: 'fail' });
    expect(check(m, 'attestations/provenance/conditions/0')!.reason).toMatch(/could not evaluate .*nope/);
  });
  test('a candidate that passes cleanly wins over a newer one that only warns, in whatever order they come', () => {
    const p = req(
      'conditions:\n  - { name: soft, expr: "predicate.count > 5", message: more than five, mode: warn }',
    );
    const older = att('slsaprovenance1', { count: 9 }, { time: '2026-05-01T00:00:00.000Z' });
    const newer = att('slsaprovenance1', { count: 1 }, { time: '2026-05-30T00:00:00.000Z' });
    for (const attestations of [
      [older, newer],
      [newer, older],
    ]) {
      const d = evaluatePolicy(p, evidence({ attestations }), NOW);
      expect(d.exitCode).toBe(ExitCode.OK);
      expect(check(d, 'attestations/provenance/conditions/soft')).toMatchObject({ status: 'pass' });
    }
    // With only the warning one, it warns.
    expect(evaluatePolicy(p, evidence({ attestations: [newer] }), NOW).exitCode).toBe(ExitCode.WARNINGS);
  });
});

describe('vulnerability and SBOM gates', () => {
  const report = (
    vulns: Array<{ id: string; sev: string; fixed?: string }>,
    finished = '2026-05-31T00:00:00Z',
  ) => ({
    scanner: {
      result: {
        Results: [
          {
            Vulnerabilities: vulns.map((v) => ({
              VulnerabilityID: v.id,
              PkgName: 'openssl',
              Severity: v.sev,
              ...(v.fixed ? { FixedVersion: v.fixed } : {}),
            })),
          },
        ],
      },
    },
    metadata: { scanFinishedOn: finished },
  });
  const gate = (extra: string) =>
    policy(
      rule(
        `vulnerabilities:\n  signedBy: [c]\n${extra
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}`,
      ),
    );

  test('the same CVE listed twice: a harmless listing does not hide the failing one', () => {
    const twice = evidence({
      attestations: [
        att(
          'vuln',
          report([
            { id: 'CVE-2026-0009', sev: 'LOW' },
            { id: 'CVE-2026-0009', sev: 'CRITICAL', fixed: '1.2' },
          ]),
        ),
      ],
    });
    expect(
      check(evaluatePolicy(gate('maxSeverity: HIGH'), twice, NOW), 'vulnerabilities/CVE-2026-0009'),
    ).toMatchObject({ status: 'fail' });
    const unfixedFirst = evidence({
      attestations: [
        att(
          'vuln',
          report([
            { id: 'CVE-2026-0010', sev: 'CRITICAL' },
            { id: 'CVE-2026-0010', sev: 'CRITICAL', fixed: '2.0' },
          ]),
        ),
      ],
    });
    expect(
      check(
        evaluatePolicy(gate('maxSeverity: HIGH\nignoreUnfixed: true'), unfixedFirst, NOW),
        'vulnerabilities/CVE-2026-0010',
      ),
    ).toMatchObject({ status: 'fail' });
    expect(
      check(
        evaluatePolicy(gate('denyCVEs: [cve-2026-0010]'), unfixedFirst, NOW),
        'vulnerabilities/CVE-2026-0010',
      ),
    ).toMatchObject({ status: 'fail' });
  });

  test('a .trivyignore entry past its exp: date no longer waives; an unreadable one never did', () => {
    const ev = (ignore: string) =>
      evidence({
        attestations: [
          att('vuln', report([{ id: 'CVE-2026-0001', sev: 'CRITICAL', fixed: '3.1' }])),
          att('triage', { trivyignore: ignore }),
        ],
      });
    const p = gate('maxSeverity: HIGH\nhonourTriage: true');
    expect(evaluatePolicy(p, ev('CVE-2026-0001 exp:2026-12-31\n'), NOW).decision).toBe('allow');
    expect(evaluatePolicy(p, ev('CVE-2026-0001 exp:2026-05-01\n'), NOW).decision).toBe('deny');
    expect(evaluatePolicy(p, ev('CVE-2026-0001 exp:soon\n'), NOW).decision).toBe('deny');
  });

  test('a CycloneDX SBOM nested 50,000 levels deep is read without overflowing the stack', () => {
    let deep: Record<string, unknown> = { name: 'leaf', purl: 'pkg:npm/left-pad@1.0.0' };
    for (let i = 0; i < 50_000; i++) deep = { name: `c${i}`, components: [deep] };
    const p = policy(rule('sbom:\n  deniedPackages: ["pkg:npm/left-pad"]'));
    const d = evaluatePolicy(
      p,
      evidence({ attestations: [att('cyclonedx', { bomFormat: 'CycloneDX', components: [deep] })] }),
      NOW,
    );
    expect(check(d, 'sbom/package/pkg:npm/left-pad@1.0.0')).toMatchObject({ status: 'fail' });
  });

  test('a CycloneDX component with 200,000 children, and a report with 130,000 findings, never overflow an argument list', () => {
    const wide = Array.from({ length: 200_000 }, (_, i) => ({ name: `p${i}`, purl: `pkg:npm/p${i}@1.0.0` }));
    const sbom = evaluatePolicy(
      policy(rule('sbom:\n  deniedPackages: ["pkg:npm/p199999"]')),
      evidence({
        attestations: [
          att('cyclonedx', { bomFormat: 'CycloneDX', components: [{ name: 'root', components: wide }] }),
        ],
      }),
      NOW,
    );
    expect(check(sbom, 'sbom/package/pkg:npm/p199999@1.0.0')).toMatchObject({ status: 'fail' });
    const many = Array.from({ length: 130_000 }, (_, i) => ({
      id: `CVE-2026-${i}`,
      sev: 'CRITICAL',
      fixed: '1',
    }));
    const vulns = evaluatePolicy(
      gate('maxSeverity: HIGH'),
      evidence({ attestations: [att('vuln', report(many))] }),
      NOW,
    );
    expect(vulns.decision).toBe('deny');
    expect(check(vulns, 'vulnerabilities/CVE-2026-129999')).toMatchObject({ status: 'fail' });
  }, 60_000);

  test('a CRITICAL above maxSeverity HIGH fails per CVE; a triaged one passes when triage is honoured', () => {
    const ev = evidence({
      attestations: [
        att(
          'vuln',
          report([
            { id: 'CVE-2026-0001', sev: 'CRITICAL', fixed: '3.1' },
            { id: 'CVE-2026-0002', sev: 'HIGH' },
          ]),
        ),
        att('triage', { trivyignore: '# unreachable\nCVE-2026-0001\n' }),
      ],
    });
    const strict = evaluatePolicy(gate('maxSeverity: HIGH'), ev, NOW);
    expect(check(strict, 'vulnerabilities/CVE-2026-0001')).toMatchObject({
      status: 'fail',
      actual: 'CRITICAL',
    });
    expect(check(strict, 'vulnerabilities/CVE-2026-0002')).toBeUndefined();
    const triaged = evaluatePolicy(gate('maxSeverity: HIGH\nhonourTriage: true'), ev, NOW);
    expect(triaged.decision).toBe('allow');
    expect(check(triaged, 'vulnerabilities/CVE-2026-0001')!.reason).toContain('triaged');
  });

  test('denyCVEs, ignoreUnfixed, maxAge of the scan, and a missing report', () => {
    const ev = evidence({
      attestations: [
        att(
          'vuln',
          report([
            { id: 'CVE-2026-0002', sev: 'LOW' },
            { id: 'CVE-2026-0003', sev: 'CRITICAL' },
          ]),
        ),
      ],
    });
    expect(
      check(evaluatePolicy(gate('denyCVEs: [CVE-2026-0002]'), ev, NOW), 'vulnerabilities/CVE-2026-0002'),
    ).toMatchObject({ status: 'fail' });
    expect(evaluatePolicy(gate('maxSeverity: HIGH\nignoreUnfixed: true'), ev, NOW).decision).toBe('allow');
    expect(check(evaluatePolicy(gate('maxAge: 12h'), ev, NOW), 'vulnerabilities')).toMatchObject({
      status: 'fail',
      expected: '<= 12h',
    });
    expect(
      check(evaluatePolicy(gate('maxSeverity: HIGH'), evidence(), NOW), 'vulnerabilities'),
    ).toMatchObject({ status: 'fail', actual: 'none' });
  });

  test('SBOM gate: denied purl prefixes at a boundary, denied licenses inside expressions', () => {
    const cdx = {
      bomFormat: 'CycloneDX',
      components: [
        { name: 'left-pad', purl: 'pkg:npm/left-pad@1.3.0', licenses: [{ license: { id: 'MIT' } }] },
        {
          name: 'left-padding',
          purl: 'pkg:npm/left-padding@1.0.0',
          licenses: [{ expression: 'GPL-3.0-only OR MIT' }],
        },
      ],
    };
    const p = policy(rule('sbom:\n  deniedPackages: ["pkg:npm/left-pad"]\n  deniedLicenses: [gpl-3.0-only]'));
    const d = evaluatePolicy(p, evidence({ attestations: [att('cyclonedx', cdx)] }), NOW);
    expect(check(d, 'sbom/package/pkg:npm/left-pad@1.3.0')).toMatchObject({ status: 'fail' });
    expect(check(d, 'sbom/package/pkg:npm/left-padding@1.0.0')).toBeUndefined();
    expect(check(d, 'sbom/license/left-padding')).toMatchObject({
      status: 'fail',
      actual: 'GPL-3.0-only OR MIT',
    });
    const spdx = {
      spdxVersion: 'SPDX-2.3',
      packages: [
        {
          name: 'zlib',
          licenseConcluded: 'Zlib',
          externalRefs: [{ referenceType: 'purl', referenceLocator: 'pkg:deb/debian/zlib@1.3' }],
        },
      ],
    };
    expect(evaluatePolicy(p, evidence({ attestations: [att('spdxjson', spdx)] }), NOW).decision).toBe(
      'allow',
    );
  });
});

test('a verification error fails closed with its reason', () => {
  const d = evaluatePolicy(policy(rule('')), evidence({ error: 'registry ghcr.io answered 500' }), NOW);
  expect(d).toMatchObject({ decision: 'deny', exitCode: ExitCode.FAILURE });
  expect(check(d, 'verification')!.reason).toContain('500');
});

describe('discovery plans: stopping early only where more evidence cannot hurt', () => {
  const verified = (over: Partial<ImageEvidence>) => () => ({
    signatures: [],
    attestations: [],
    rejections: {},
    signers: [],
    ...over,
  });
  const found = emptyDiscovery(DIGEST as Digest);
  const provenance = 'attestations:\n  - {name: prov, type: slsaprovenance1, signedBy: [c]}';

  test('signature and attestation requirements: a plan, wanting only what the matching rules name', () => {
    const p = policy(rule(`signatures: {anyOf: [c]}\n${provenance}`));
    const plan = discoveryPlanFor(p, evidence(), verified({}), NOW)!;
    expect(plan.wants(PREDICATE_TYPES.slsaprovenance1!)).toBe(true);
    expect(plan.wants('https://sigstore.dev/cosign/sign/v1')).toBe(true);
    expect(plan.wants(PREDICATE_TYPES.cyclonedx!)).toBe(false);
    expect(plan.enough(found)).toBe(false);
    const good = discoveryPlanFor(
      p,
      evidence(),
      verified({ signatures: [sig('c', fp[2]!)], attestations: [att('slsaprovenance1', {})] }),
      NOW,
    )!;
    expect(good.enough(found)).toBe(true);
  });

  test('a failing evidence-free check (a mutable tag) does not hold discovery back; a warning does', () => {
    const p = policy(rule(`requireDigest: true\nsignatures: {anyOf: [c]}`));
    const byTag = evidence({ givenBy: 'tag', tag: 'v1' });
    expect(discoveryPlanFor(p, byTag, verified({ signatures: [sig('c', fp[2]!)] }), NOW)!.enough(found)).toBe(
      true,
    );
    const warn = policy(rule(`mode: warn\nsignatures: {anyOf: [c]}\n${provenance}`));
    expect(
      discoveryPlanFor(warn, evidence(), verified({ signatures: [sig('c', fp[2]!)] }), NOW)!.enough(found),
    ).toBe(false);
  });

  test('no plan for deny lists of signers, vulnerability gates or SBOM gates', () => {
    const none = verified({});
    const denyIdentity = policy(
      rule('signatures: {anyOf: [c]}'),
      'deny:\n  identities:\n    - {subject: x@example.com, issuer: https://i.example, reason: r}',
    );
    const denyIssuer = policy(
      rule('signatures: {anyOf: [c]}'),
      'deny:\n  issuers:\n    - {issuer: https://i.example, reason: r}',
    );
    const vuln = policy(rule('vulnerabilities:\n  signedBy: [c]\n  maxSeverity: HIGH'));
    const sbom = policy(rule('sbom:\n  deniedPackages: ["pkg:npm/left-pad"]'));
    for (const p of [denyIdentity, denyIssuer, vuln, sbom])
      expect(discoveryPlanFor(p, evidence(), none, NOW)).toBeUndefined();
    // A gate in a rule that does not match this image does not stop its plan.
    expect(discoveryPlanFor(vuln, evidence({ name: 'docker.io/other/app' }), none, NOW)).toBeDefined();
  });
});
