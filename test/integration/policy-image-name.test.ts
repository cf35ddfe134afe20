/**
 * `--image-name` (and a policy case's `imageName`) is normalised as every registry reference is: a
 * different case in the host, an explicit :443 or Docker Hub's short forms name the same image, so
 * the rule that would match the pulled image matches the layout. A name that is no valid
 * registry/repository is a usage error (exit 2), never a silent noMatch.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { repoRoot } from '../support/repo-root.js';
import { runCli } from '../support/run-cli.js';

const POLICY = 'fixtures/demo-policy.yaml';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-image-name-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verify = (name: string) =>
  runCli(['verify', '--policy', POLICY, '-o', 'report', '--image-name', name, 'oci:fixtures/demo']);

describe('verify --policy --image-name', () => {
  test.each([
    'registry.example/trustgate/demo',
    'REGISTRY.Example/trustgate/demo',
    'registry.example:443/trustgate/demo',
    'Registry.Example:443/trustgate/demo',
  ])('%s matches the rule for registry.example/trustgate/**', (name) => {
    const r = verify(name);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    const d = JSON.parse(r.stdout).decisions[0];
    expect(d).toMatchObject({ decision: 'allow', name: 'registry.example/trustgate/demo' });
    expect(d.rules[0]).toMatchObject({ name: 'demo-images', status: 'pass' });
  });

  test('another port is another registry: no rule matches, denied', () => {
    const r = verify('registry.example:8443/trustgate/demo');
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(JSON.parse(r.stdout).decisions[0].checks[0]).toMatchObject({ id: 'noMatch', status: 'fail' });
  });

  test.each([
    ['registry.example/Trustgate/demo', 'must be lowercase'],
    ['registry.example/trustgate/demo:v1', 'names a tag'],
    ['registry.example/trustgate//demo', 'empty path component'],
    ['oci:fixtures/demo', 'is a layout, not a registry name'],
  ])('%s is a usage error (exit 2) saying why', (name, why) => {
    const r = verify(name);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain(`--image-name "${name}"`);
    expect(r.stderr).toContain(why);
    expect(r.stdout).toBe('');
  });
});

describe('export --policy --image-name', () => {
  test('an explicit :443 and upper-case host record the same allow as the plain name', () => {
    const out = join(dir, 'export');
    const r = runCli([
      'export',
      '--key',
      'fixtures/trust/cosign.pub',
      '--trusted-root',
      'fixtures/trust/trusted_root.json',
      '--policy',
      POLICY,
      '--image-name',
      'Registry.Example:443/trustgate/demo',
      '--dir',
      out,
      'oci:fixtures/demo',
    ]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.policy).toMatchObject({ decision: 'allow', name: 'registry.example/trustgate/demo' });
  });

  test('an invalid name is a usage error', () => {
    const r = runCli([
      'export',
      '--key',
      'fixtures/trust/cosign.pub',
      '--trusted-root',
      'fixtures/trust/trusted_root.json',
      '--policy',
      POLICY,
      '--image-name',
      `registry.example/trustgate/demo@sha256:${'a'.repeat(64)}`,
      '--dir',
      join(dir, 'export-bad'),
      'oci:fixtures/demo',
    ]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain('names a digest');
  });
});

describe('policy test: a case imageName', () => {
  test('is normalised like --image-name', () => {
    const cases = join(dir, 'cases.yaml');
    writeFileSync(
      cases,
      `cases:
  - { name: upper-case host and :443, image: "oci:${repoRoot()}/fixtures/demo", imageName: "REGISTRY.EXAMPLE:443/trustgate/demo", expect: allow }
`,
    );
    const r = runCli(['policy', 'test', POLICY, '--cases', cases]);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.OK);
    expect(r.stdout).toContain('PASS upper-case host and :443: expected allow, got allow');
  });

  test('an invalid one is a usage error naming the case, before any case runs', () => {
    const cases = join(dir, 'cases-bad.yaml');
    writeFileSync(
      cases,
      `cases:
  - { name: fine, image: "oci:${repoRoot()}/fixtures/demo", imageName: registry.example/trustgate/demo, expect: allow }
  - { name: tagged, image: "oci:${repoRoot()}/fixtures/demo", imageName: "registry.example/trustgate/demo:v1", expect: allow }
`,
    );
    const r = runCli(['policy', 'test', POLICY, '--cases', cases]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain(
      `--cases ${cases}: cases.1.imageName "registry.example/trustgate/demo:v1" names a tag`,
    );
    expect(r.stdout).not.toContain('PASS fine');
  });
});
