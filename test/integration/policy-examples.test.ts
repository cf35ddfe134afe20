/**
 * The example policies in policies/, each against fixture images built here (OCI layouts, signed
 * and attested for real, logged in throwaway logs) and evaluated by name as if pulled from the
 * registry the policy names. The throwaway logs stand in for public-good through `trustRoots`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { examplePolicyKeys } from '../../scripts/build-fixtures.js';
import { ExitCode } from '../../src/exit-codes.js';
import type { CheckResult, PolicyDecision } from '../../src/policy/evaluate/index.js';
import type { Digest } from '../../src/reference/digest.js';
import { evaluateImages } from '../../src/run/evaluate.js';
import { type LoadedTrustRoot, trustedRootFromJson } from '../../src/trust/roots.js';
import { type KeylessIdentity, type KeylessWorld, keylessWorld } from '../support/keyless.js';
import { type PolicyImageSpec, type Signer, writePolicyImage } from '../support/policy-images.js';
import { predicateSamples } from '../support/predicates.js';
import { repoRoot } from '../support/repo-root.js';
import { ed25519FromLabel, fakeLog, trustedRootFor } from '../support/signing.js';

const keys = examplePolicyKeys();
const log = fakeLog(ed25519FromLabel('policy examples log'));
const policyFile = (name: string) => join(repoRoot(), 'policies', name);
let dir: string;
let logRoot: LoadedTrustRoot;

const by = (key: keyof typeof keys, time?: number): Signer => ({
  kind: 'key',
  key: keys[key],
  log,
  ...(time ? { time } : {}),
});
const sample = (type: string) =>
  JSON.parse(
    predicateSamples(`sha256:${'0'.repeat(64)}` as Digest)
      .find((s) => s.type === type)!
      .predicate.toString(),
  );

async function decide(
  policy: string,
  spec: PolicyImageSpec,
  name: string,
  opts: { root?: LoadedTrustRoot; at?: string; reference?: (ref: string, digest: string) => string } = {},
): Promise<PolicyDecision> {
  const img = await writePolicyImage(dir, spec);
  const ref = opts.reference ? opts.reference(img.ref, img.digest) : img.ref;
  const run = await evaluateImages([ref], {
    policy: policyFile(policy),
    imageName: name,
    trustRoots: { 'public-good': opts.root ?? logRoot },
    ...(opts.at ? { effectiveTime: new Date(opts.at) } : {}),
  });
  return run.decisions[0]!;
}

const find = (d: PolicyDecision, id: string, rule?: string): CheckResult | undefined =>
  [...d.checks, ...d.rules.filter((r) => !rule || r.name === rule).flatMap((r) => r.checks)].find(
    (c) => c.id === id,
  );

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-policy-examples-'));
  logRoot = trustedRootFromJson(trustedRootFor(log), 'policy examples log');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vendor-key.yaml', () => {
  const NAME = 'registry.vendor.example/product/api';
  test('the vendor signature and its SPDX SBOM: allowed', async () => {
    const d = await decide(
      'vendor-key.yaml',
      {
        seed: 'vendor-ok',
        signatures: [by('vendor')],
        attestations: [{ type: 'spdxjson', predicate: sample('spdxjson'), by: by('vendor') }],
      },
      NAME,
    );
    expect(d).toMatchObject({ decision: 'allow', exitCode: ExitCode.OK });
  });
  test('no SPDX SBOM, or signed by another key: denied, saying which', async () => {
    const noSbom = await decide(
      'vendor-key.yaml',
      { seed: 'vendor-nosbom', signatures: [by('vendor')] },
      NAME,
    );
    expect(find(noSbom, 'attestations/sbom')).toMatchObject({ status: 'fail', actual: 'none' });
    const wrongKey = await decide(
      'vendor-key.yaml',
      {
        seed: 'vendor-wrongkey',
        signatures: [by('scanner')],
        attestations: [{ type: 'spdxjson', predicate: sample('spdxjson'), by: by('scanner') }],
      },
      NAME,
    );
    expect(wrongKey.decision).toBe('deny');
    expect(find(wrongKey, 'signatures')!.reason).toContain('vendor:');
  });
});

describe('github-slsa.yaml (keyless)', () => {
  const NAME = 'ghcr.io/example/app';
  const ISSUER = 'https://token.actions.githubusercontent.com';
  const REPO_CLAIM = { '1.3.6.1.4.1.57264.1.12': 'https://github.com/example/app' };
  const release = (ref = 'refs/tags/v1.2.3', repo = 'example/app'): KeylessIdentity => ({
    san: `https://github.com/${repo}/.github/workflows/release.yml@${ref}`,
    issuer: ISSUER,
    claims: REPO_CLAIM,
  });
  const generator: KeylessIdentity = {
    san: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.9.0',
    issuer: ISSUER,
  };
  let world: KeylessWorld;
  let root: LoadedTrustRoot;
  const keyless = (who: KeylessIdentity): Signer => ({ kind: 'keyless', world, who });
  const provenance = (ref = 'refs/tags/v1.2.3') => {
    const p = sample('slsaprovenance02');
    p.invocation.configSource.uri = `git+https://github.com/example/app@${ref}`;
    return p;
  };
  const spec = (
    seed: string,
    over: { signer?: KeylessIdentity; provRef?: string } = {},
  ): PolicyImageSpec => ({
    seed,
    signatures: [keyless(over.signer ?? release())],
    attestations: [
      { type: 'slsaprovenance02', predicate: provenance(over.provRef), by: keyless(generator) },
      { type: 'cyclonedx', predicate: sample('cyclonedx'), by: keyless(release()) },
    ],
  });
  beforeAll(async () => {
    world = await keylessWorld();
    root = trustedRootFromJson(world.trustedRootJson, 'keyless world');
  });

  test('a tagged release with generator provenance and an SBOM: allowed; the tag is pinned', async () => {
    const d = await decide('github-slsa.yaml', spec('gh-ok'), NAME, { root });
    expect(d.decision).toBe('allow');
    expect(find(d, 'digest')!.reason).toContain('resolved and pinned');
    expect(find(d, 'attestations/provenance/slsa/sourceRef')).toMatchObject({
      status: 'pass',
      actual: 'refs/tags/v1.2.3',
    });
    expect(d.signers.some((s) => s.startsWith(generator.san))).toBe(true);
  });

  test('signed from a branch, not a tag: denied', async () => {
    const d = await decide(
      'github-slsa.yaml',
      spec('gh-branch', { signer: release('refs/heads/main') }),
      NAME,
      { root },
    );
    expect(d.decision).toBe('deny');
    expect(find(d, 'signatures')!.reason).toContain('refs/heads/main');
  });

  test('the unanchored-regexp trap: a look-alike repository does not pass', async () => {
    const d = await decide(
      'github-slsa.yaml',
      spec('gh-lookalike', { signer: release('refs/tags/v1.2.3', 'example/app-evil') }),
      NAME,
      { root },
    );
    expect(d.decision).toBe('deny');
  });

  test('provenance from a branch build fails the tag rule, naming expected and actual', async () => {
    const d = await decide('github-slsa.yaml', spec('gh-prov-branch', { provRef: 'refs/heads/main' }), NAME, {
      root,
    });
    expect(find(d, 'attestations/provenance/slsa/sourceRef')).toMatchObject({
      status: 'fail',
      actual: 'refs/heads/main',
    });
  });
});

describe('platform-baseline.yaml', () => {
  const good = (seed: string): PolicyImageSpec => ({
    seed,
    signatures: [by('platform')],
    attestations: [{ type: 'slsaprovenance1', predicate: sample('slsaprovenance1'), by: by('platform') }],
  });
  const byDigest = (_ref: string, digest: string) => `${_ref}@${digest}`;
  const AT = '2026-06-01T00:00:00Z';

  test('prod by digest, signed, with provenance: allowed; by tag: denied with the pin to use', async () => {
    const ok = await decide('platform-baseline.yaml', good('prod/api'), 'registry.example.com/prod/api', {
      reference: byDigest,
      at: AT,
    });
    expect(ok).toMatchObject({ decision: 'allow' });
    expect(ok.rules.map((r) => r.name)).toEqual(['registries', 'prod']);
    const tagged = await decide(
      'platform-baseline.yaml',
      good('prod/api-tag'),
      'registry.example.com/prod/api',
      { at: AT },
    );
    expect(find(tagged, 'digest')).toMatchObject({ status: 'fail' });
  });

  test('another registry is denied; unsigned outside prod only warns (exit 3)', async () => {
    const hub = await decide('platform-baseline.yaml', good('hub'), 'docker.io/library/nginx', {
      reference: byDigest,
      at: AT,
    });
    expect(find(hub, 'registry')).toMatchObject({ status: 'fail', actual: 'docker.io' });
    const dev = await decide(
      'platform-baseline.yaml',
      { seed: 'dev/tool' },
      'registry.example.com/dev/tool',
      { at: AT },
    );
    expect(dev).toMatchObject({ decision: 'allow', status: 'warn', exitCode: ExitCode.WARNINGS });
  });

  test('the denied digest fails although everything else passes', async () => {
    const d = await decide(
      'platform-baseline.yaml',
      good('prod/compromised-api'),
      'registry.example.com/prod/compromised-api',
      { reference: byDigest, at: AT },
    );
    expect(d.decision).toBe('deny');
    expect(d.rules.every((r) => r.status === 'pass')).toBe(true);
    expect(find(d, 'deny/digest')!.reason).toContain('INC-2026-014');
  });

  test('the exception waives the unsigned legacy image until it expires, then says it expired', async () => {
    const name = 'registry.example.com/prod/legacy-batch';
    const before = await decide('platform-baseline.yaml', { seed: 'prod/legacy-batch' }, name, {
      reference: byDigest,
      at: AT,
    });
    expect(before.decision).toBe('allow');
    expect(find(before, 'signatures')!.exception).toMatchObject({
      name: 'legacy-batch',
      ticket: 'PLAT-1234',
    });
    const after = await decide('platform-baseline.yaml', { seed: 'prod/legacy-batch' }, name, {
      reference: byDigest,
      at: '2027-04-01T00:00:00Z',
    });
    expect(after.decision).toBe('deny');
    expect(find(after, 'signatures')!.reason).toContain('expired at 2027-03-31');
  });

  test('a signature older than the key’s notBefore does not count; stale provenance fails maxAge', async () => {
    const old = await decide(
      'platform-baseline.yaml',
      { ...good('prod/old'), signatures: [by('platform', 1735689600)] },
      'registry.example.com/prod/old',
      { reference: byDigest, at: AT },
    );
    expect(find(old, 'signatures')!.reason).toContain('before key');
    const stale = await decide(
      'platform-baseline.yaml',
      good('prod/stale'),
      'registry.example.com/prod/stale',
      { reference: byDigest, at: '2026-12-01T00:00:00Z' },
    );
    expect(find(stale, 'attestations/provenance', 'prod')).toMatchObject({
      status: 'fail',
      expected: '<= 90d',
    });
  });
});

describe('vuln-gate.yaml', () => {
  const NAME = 'registry.example.com/ml/inference';
  const AT = '2026-05-31T00:00:00Z';
  const vuln = (finished: string) => {
    const v = sample('vuln');
    v.metadata.scanFinishedOn = finished;
    return v;
  };
  const spec = (seed: string, triage: boolean, finished = '2026-05-30T00:00:00Z'): PolicyImageSpec => ({
    seed,
    attestations: [
      { type: 'cyclonedx', predicate: sample('cyclonedx'), by: by('scanner') },
      { type: 'vuln', predicate: vuln(finished), by: by('scanner') },
      ...(triage
        ? [
            {
              type: 'triage',
              predicate: { trivyignore: '# unreachable in this image\nCVE-2024-0001\n' },
              by: by('scanner'),
            },
          ]
        : []),
    ],
  });

  test('an unfixed CRITICAL that is not triaged fails, naming the CVE', async () => {
    const d = await decide('vuln-gate.yaml', spec('vuln-untriaged', false), NAME, { at: AT });
    expect(d.decision).toBe('deny');
    expect(find(d, 'vulnerabilities/CVE-2024-0001')).toMatchObject({ status: 'fail', actual: 'CRITICAL' });
  });

  test('the same CRITICAL waived by the signed triage: allowed', async () => {
    const d = await decide('vuln-gate.yaml', spec('vuln-triaged', true), NAME, { at: AT });
    expect(d.decision).toBe('allow');
  });

  test('a scan older than 7 days fails', async () => {
    const d = await decide('vuln-gate.yaml', spec('vuln-old', true, '2026-05-01T00:00:00Z'), NAME, {
      at: AT,
    });
    expect(find(d, 'vulnerabilities')).toMatchObject({ status: 'fail', expected: '<= 7d' });
  });
});
