/**
 * `platforms:` scopes end to end through the CLI, on a multi-arch index signed at the index with SLSA
 * provenance on linux/amd64 only (and a BuildKit attestation manifest that is no platform), in a real
 * registry and in an OCI layout: `each` fails naming arm64 and its digest, `any` passes, a list
 * passes or fails by the platforms it names, and `index` (the default) behaves as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import {
  type MultiArch,
  pushMultiArch,
  signedMultiArch,
  writeMultiArchLayout,
} from '../support/multiarch.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import { ed25519FromLabel, fakeLog, generateKey, trustedRootFor } from '../support/signing.js';

const log = fakeLog(ed25519FromLabel('platforms log'));
const key = generateKey('p256');
const NAME = 'registry.example/multi/app';
let dir: string;
let reg: RunningRegistry;
let layout: string;
let pushed: string;
let m: MultiArch;

function policyFile(scope: string | undefined): string {
  const file = join(dir, `policy-${(scope ?? 'default').replace(/[^a-z0-9]+/gi, '_')}.yaml`);
  writeFileSync(
    file,
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: platforms }
trustRoots:
  log: { trustedRoot: root.json }
authorities:
  build: { keys: [{ file: k.pub }], trustRoot: log }
rules:
  - name: multi
    images: ["${NAME}", "127.0.0.1:*/multi/app"]
${scope !== undefined ? `    platforms: ${scope}\n` : ''}    signatures: { anyOf: [build] }
    attestations:
      - { name: provenance, type: slsaprovenance1, signedBy: [build] }
`,
  );
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-platforms-'));
  writeFileSync(join(dir, 'root.json'), trustedRootFor(log));
  writeFileSync(join(dir, 'k.pub'), key.pem);
  m = signedMultiArch({ seed: 'platforms', key, log, dockerReference: NAME });
  layout = `oci:${writeMultiArchLayout(dir, 'layout', m)}:v1`;
  reg = await startRegistry();
  const client = new RegistryClient(reg.clientOptions());
  await pushMultiArch(client, reg.host, 'multi/app', m);
  pushed = `${reg.host}/multi/app:v1`;
}, 60_000);
afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Rule {
  status: string;
  checks: Array<{ id: string; status: string; reason: string }>;
  platforms?: Array<{ platform: string; digest: string; status: string }>;
}

function evaluate(where: 'registry' | 'layout', scope: string | undefined, output = 'report') {
  const args = ['verify', '--policy', policyFile(scope), '-o', output];
  if (where === 'layout') args.push('--image-name', NAME, layout);
  else args.push(pushed);
  const r = runCli(args);
  const rule: Rule | undefined =
    output === 'report' && r.stdout ? JSON.parse(r.stdout).decisions[0].rules[0] : undefined;
  const check = (id: string) => rule?.checks.find((c) => c.id === id);
  return { ...r, rule, check };
}

describe.each(['registry', 'layout'] as const)('platforms: scopes on a %s', (where) => {
  test('each: denied, naming linux/arm64 and its digest; the attestation manifest is no platform', () => {
    const r = evaluate(where, 'each');
    expect(r.code, r.stderr).toBe(ExitCode.FAILURE);
    expect(r.check('platforms')).toMatchObject({ status: 'fail' });
    expect(r.check('platforms')!.reason).toContain(`linux/arm64 (${m.arm64})`);
    expect(r.check('platforms')!.reason).not.toContain('linux/amd64 (');
    expect(r.rule!.platforms!.map((p) => [p.platform, p.digest, p.status])).toEqual([
      ['linux/amd64', m.amd64, 'pass'],
      ['linux/arm64', m.arm64, 'fail'],
    ]);
    expect(r.stdout).not.toContain(m.buildkit.digest);
  });

  test('any: allowed by linux/amd64, its signature inherited from the index', () => {
    const r = evaluate(where, 'any');
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    expect(r.check('platforms')).toMatchObject({ status: 'pass', actual: 'linux/amd64' });
    expect(r.check('platforms')!.reason).toContain(`linux/amd64 (${m.amd64})`);
    expect(r.stdout).toContain('met by evidence on the index');
  });

  test('[linux/amd64]: allowed; [linux/arm64]: denied, naming its digest', () => {
    const amd = evaluate(where, '[linux/amd64]');
    expect(amd.code, amd.stderr).toBe(ExitCode.OK);
    expect(amd.rule!.platforms!.map((p) => p.platform)).toEqual(['linux/amd64']);
    const arm = evaluate(where, '[linux/arm64]');
    expect(arm.code, arm.stderr).toBe(ExitCode.FAILURE);
    expect(arm.check('platforms')!.reason).toContain(`linux/arm64 (${m.arm64})`);
    expect(arm.check('platforms')!.reason).toContain('attestations/provenance');
  });

  test('a listed platform the index does not have fails, naming what it has', () => {
    const r = evaluate(where, '[linux/amd64, linux/s390x]');
    expect(r.code, r.stderr).toBe(ExitCode.FAILURE);
    expect(r.check('platforms')!.reason).toContain(
      'linux/s390x: not in the index (it has linux/amd64, linux/arm64)',
    );
  });

  test('index (and no platforms: at all) checks the index digest only, as before: no provenance there', () => {
    for (const scope of ['index', undefined]) {
      const r = evaluate(where, scope);
      expect(r.code, r.stderr).toBe(ExitCode.FAILURE);
      expect(r.check('signatures')).toMatchObject({ status: 'pass' });
      expect(r.check('attestations/provenance')).toMatchObject({ status: 'fail' });
      expect(r.check('platforms')).toBeUndefined();
      expect(r.rule!.platforms).toBeUndefined();
    }
  });

  test('-o tree shows each platform image under the rule, failing ones named with their digest', () => {
    const r = evaluate(where, 'each', 'tree');
    expect(r.code, r.stderr).toBe(ExitCode.FAILURE);
    expect(r.stdout).toMatch(new RegExp(`✗ FAIL platform linux/arm64 \\(${m.arm64}\\)`));
    expect(r.stdout).toMatch(new RegExp(`✓ pass platform linux/amd64 \\(${m.amd64}\\)`));
  });
});

test('batch formats name the failing platform and its digest (SARIF, JUnit, markdown)', () => {
  for (const format of ['sarif', 'junit', 'markdown']) {
    const r = runCli(['verify', '--policy', policyFile('each'), '-o', format, pushed]);
    expect(r.code, `${format}: ${r.stderr}`).toBe(ExitCode.FAILURE);
    // markdown escapes the parentheses
    expect(r.stdout, format).toMatch(new RegExp(`linux/arm64 \\\\?\\(${m.arm64}`));
  }
});

test('pin --policy pins the index digest and notes which platforms passed', () => {
  const compose = join(dir, 'compose.yaml');
  writeFileSync(compose, `services:\n  app:\n    image: ${pushed}\n`);
  const r = runCli(['pin', '--policy', policyFile('any'), compose]);
  expect(r.code, r.stderr).toBe(ExitCode.OK);
  expect(r.stdout).toContain(`${pushed}@${m.index.digest}`);
  expect(r.stderr).toContain(`platforms passed: linux/amd64 (${m.amd64}); failed: linux/arm64 (${m.arm64})`);
  const denied = runCli(['pin', '--policy', policyFile('each'), compose]);
  expect(denied.code).not.toBe(ExitCode.OK);
  expect(denied.stderr).toContain(`linux/arm64 (${m.arm64})`);
});
