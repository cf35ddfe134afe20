import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { runCli } from '../support/run-cli.js';

const root = resolve(import.meta.dirname, '..', '..');
const DEMO = 'sha256:33c94403be9e506bab4e6600e4251f05e8c61645a68db4373d5f8c06c8dc2f56';
const POLICY = 'fixtures/demo-policy.yaml';
const AS = ['--image-name', 'registry.example/trustgate/demo'];
let dir: string;

function run(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { env });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-policy-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verify --policy on the demo fixture (offline)', () => {
  test('allowed: exit 0, a tree with every check passing', () => {
    const r = run(['verify', '--policy', POLICY, ...AS, 'oci:fixtures/demo']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.stdout).toContain(`oci:fixtures/demo (${DEMO}): allowed`);
    expect(r.stdout).toContain('✓ pass rule demo-images [enforce, matched registry.example/trustgate/**]');
    expect(r.stdout).toContain('✓ pass attestations/sbom/conditions/lists-components');
    expect(r.stdout).not.toMatch(/FAIL|warn/);
  });

  test('no matching rule: denied (exit 1) with the reason; -o json carries the full tree', () => {
    const r = run(['verify', '--policy', POLICY, '-o', 'report', 'oci:fixtures/demo']);
    expect(r.code).toBe(ExitCode.FAILURE);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ schemaVersion: 1, exitCode: 1, policy: { name: 'demo' } });
    expect(j.decisions[0]).toMatchObject({
      decision: 'deny',
      digest: DEMO,
      checks: [{ id: 'noMatch', status: 'fail' }],
    });
  });

  test('--audit-log appends one fsynced JSON line per decision, with no secrets', () => {
    const log = join(dir, 'audit.jsonl');
    const env = {
      TRUSTGATE_REGISTRY_PASSWORD: 's3cr3t-never-logged',
      TRUSTGATE_REGISTRY_USERNAME: 'u',
      TRUSTGATE_REGISTRY_HOST: 'registry.example',
    };
    run(
      [
        'verify',
        '--policy',
        POLICY,
        ...AS,
        '--audit-log',
        log,
        'oci:fixtures/demo',
        'oci:fixtures/demo:multi',
      ],
      env,
    );
    run(['verify', '--policy', POLICY, ...AS, '--audit-log', log, 'oci:fixtures/demo'], env);
    const text = readFileSync(log, 'utf8');
    expect(text).not.toContain('s3cr3t');
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      event: 'decision',
      decision: 'allow',
      digest: DEMO,
      policy: { name: 'demo' },
      failed: [],
    });
    expect(lines[0].policy.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines[0].signers[0]).toMatch(/^sha256:/);
    expect(lines[1]).toMatchObject({ decision: 'deny', reference: 'oci:fixtures/demo:multi' });
    expect(lines[1].failed.length).toBeGreaterThan(0);
  });

  test('--effective-time must be an RFC 3339 time; policy flags need --policy; --policy excludes --key', () => {
    expect(
      run(['verify', '--policy', POLICY, '--effective-time', 'yesterday', 'oci:fixtures/demo']).code,
    ).toBe(ExitCode.USAGE);
    expect(
      run([
        'verify',
        '--key',
        'fixtures/trust/cosign.pub',
        '--audit-log',
        join(dir, 'x'),
        'oci:fixtures/demo',
      ]).code,
    ).toBe(ExitCode.USAGE);
    expect(
      run(['verify', '--policy', POLICY, '--key', 'fixtures/trust/cosign.pub', 'oci:fixtures/demo']).code,
    ).toBe(ExitCode.USAGE);
  });

  test('an invalid policy stops before any verification, with its line', () => {
    const bad = join(dir, 'typo.yaml');
    writeFileSync(bad, readFileSync(join(root, POLICY), 'utf8').replace('requireDigest:', 'requireDigset:'));
    const r = run(['verify', '--policy', bad, ...AS, 'oci:fixtures/demo']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toMatch(
      /typo\.yaml:\d+:5: rules\.0\.requireDigset: unknown key "requireDigset" \(fix: did you mean "requireDigest"\?\)/,
    );
  });
});

describe('trustgate policy', () => {
  test('validate: every example policy is valid; a broken one lists each problem and exits 1', () => {
    for (const f of ['vendor-key', 'github-slsa', 'platform-baseline', 'vuln-gate']) {
      const r = run(['policy', 'validate', `policies/${f}.yaml`]);
      expect(r.code, r.stdout + r.stderr).toBe(ExitCode.OK);
      expect(r.stdout).toContain(': valid: policy');
    }
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'apiVersion: trustgate.dev/v1\nkind: Policy\nmetadata: { name: b }\nrules:\n  - { name: r, images: ["**"], signatures: { anyOf: [ghost] } }\n',
    );
    const r = run(['policy', 'validate', bad]);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.stdout).toContain('bad.yaml:5:');
    expect(r.stdout).toContain('no authority named "ghost"');
  });

  test('validate: a bad inline key is reported once, at its policy path, without naming --key', () => {
    const bad = join(dir, 'bad-key.yaml');
    writeFileSync(
      bad,
      'apiVersion: trustgate.dev/v1\nkind: Policy\nmetadata: { name: b }\nauthorities:\n  a:\n    keys:\n      - pem: "not a key"\nrules:\n  - { name: r, images: ["**"], signatures: { anyOf: [a] } }\n',
    );
    const r = run(['policy', 'validate', bad]);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.stdout).toContain('authorities.a.keys.0: not a valid PEM public key');
    expect(r.stdout + r.stderr).not.toContain('--key');
    expect(r.stdout.split('authorities.a.keys.0').length - 1).toBe(1);
  });

  test('diff prints semantic changes and records a policy-change audit event', () => {
    cpSync(join(root, 'fixtures', 'trust'), join(dir, 'trust'), { recursive: true });
    const changed = join(dir, 'changed.yaml');
    writeFileSync(
      changed,
      readFileSync(join(root, POLICY), 'utf8')
        .replace('noMatch: deny', 'noMatch: allow')
        .replace(/^# .*\n/gm, ''),
    );
    const log = join(dir, 'changes.jsonl');
    const r = run(['policy', 'diff', POLICY, changed, '--audit-log', log]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.stdout.trim()).toBe('~ noMatch: "deny" → "allow"');
    const rec = JSON.parse(readFileSync(log, 'utf8'));
    expect(rec).toMatchObject({
      event: 'policy-change',
      changes: [expect.stringContaining('from sha256:'), '~ noMatch: "deny" → "allow"'],
    });
  });

  test('test: cases with expected decisions; a mismatch exits 1 and names the case', () => {
    const cases = join(dir, 'cases.yaml');
    writeFileSync(
      cases,
      `cases:
  - { name: demo allowed, image: "oci:${root}/fixtures/demo", imageName: registry.example/trustgate/demo, expect: allow }
  - { name: unnamed layout denied, image: "oci:${root}/fixtures/demo", expect: deny }
`,
    );
    const ok = run(['policy', 'test', POLICY, '--cases', cases]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(ExitCode.OK);
    expect(ok.stdout).toContain('PASS demo allowed: expected allow, got allow');
    writeFileSync(
      cases,
      `cases:\n  - { name: wrong expectation, image: "oci:${root}/fixtures/demo", expect: allow }\n`,
    );
    const bad = run(['policy', 'test', POLICY, '--cases', cases]);
    expect(bad.code).toBe(ExitCode.FAILURE);
    expect(bad.stdout).toContain('FAIL wrong expectation: expected allow, got deny (noMatch:');
  });

  test('schema prints the JSON Schema, identical to the shipped schema/policy.schema.json', () => {
    const r = run(['policy', 'schema']);
    expect(r.code).toBe(ExitCode.OK);
    expect(JSON.parse(r.stdout)).toEqual(
      JSON.parse(readFileSync(join(root, 'schema', 'policy.schema.json'), 'utf8')),
    );
  });
});
