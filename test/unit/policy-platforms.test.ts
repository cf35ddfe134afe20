/** `platforms:` scopes from recorded evidence: compile-time problems, and what fails closed. */
import { describe, expect, test } from 'vitest';
import { evaluatePolicy } from '../../src/policy/evaluate/index.js';
import type { ImageEvidence, PlatformEvidence } from '../../src/policy/evidence.js';
import { compilePolicy } from '../../src/policy/load.js';
import { platformsWanted } from '../../src/policy/platform-plan.js';
import { generateKey } from '../support/signing.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const key = generateKey('p256');
const pem = key.pem.trim().split('\n').join('\n          ');
const INDEX = `sha256:${'a'.repeat(64)}`;
const AMD = `sha256:${'b'.repeat(64)}`;
const ARM = `sha256:${'c'.repeat(64)}`;

function compile(rule: string) {
  return compilePolicy(
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: t }
authorities:
  a:
    keys:
      - pem: |
          ${pem}
rules:
  - name: r
    images: ["ghcr.io/org/*"]
${rule}`,
    't.yaml',
  );
}

function policy(rule: string) {
  const r = compile(rule);
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.policy;
}

const sig = { authority: 'a', format: 'simplesigning', via: 'tag', time: '2026-05-01T00:00:00Z' };
const child = (platform: string, digest: string, over: Partial<PlatformEvidence> = {}): PlatformEvidence => ({
  platform,
  digest,
  signatures: [],
  attestations: [],
  rejections: {},
  signers: [],
  ...over,
});
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
  ...over,
});
const platformsCheck = (d: ReturnType<typeof evaluatePolicy>) =>
  d.rules[0]!.checks.find((c) => c.id === 'platforms');

describe('compiling platforms:', () => {
  test('a scope on a rule with no signature or attestation requirement is a problem', () => {
    const r = compile('    platforms: each\n    requireDigest: true\n');
    expect('issues' in r && r.issues.map((i) => i.path)).toEqual(['rules.0.platforms']);
  });
  test('a platform listed twice, or one that is not os/arch, is a problem', () => {
    const twice = compile('    platforms: [linux/amd64, linux/amd64]\n    signatures: { anyOf: [a] }\n');
    expect('issues' in twice && twice.issues.map((i) => i.path)).toEqual(['rules.0.platforms.1']);
    expect('issues' in compile('    platforms: [amd64]\n    signatures: { anyOf: [a] }\n')).toBe(true);
    expect('issues' in compile('    platforms: every\n    signatures: { anyOf: [a] }\n')).toBe(true);
  });
  test('only rules with a scope other than index make platform images be gathered', () => {
    expect(platformsWanted(policy('    signatures: { anyOf: [a] }\n'), 'ghcr.io/org/app')).toBeUndefined();
    const list = platformsWanted(
      policy('    platforms: [linux/arm64]\n    signatures: { anyOf: [a] }\n'),
      'ghcr.io/org/app',
    )!;
    expect([list('linux/arm64'), list('linux/arm64/v8'), list('linux/amd64'), list('unknown')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('evaluating platforms:', () => {
  const each = policy('    platforms: each\n    signatures: { anyOf: [a] }\n');
  test('platform images that were never gathered fail the scope (fail closed)', () => {
    const d = evaluatePolicy(each, evidence({ signatures: [sig] }), NOW);
    expect(d.decision).toBe('deny');
    expect(platformsCheck(d)!.reason).toContain('they were not gathered');
  });
  test('an index whose platform images could not be listed is denied, saying why', () => {
    const d = evaluatePolicy(
      each,
      evidence({ signatures: [sig], platformsError: 'over the limit of 64' }),
      NOW,
    );
    expect(d.decision).toBe('deny');
    expect(platformsCheck(d)!.reason).toContain('over the limit of 64');
  });
  test('a platform image that could not be verified fails each, named with its digest', () => {
    const d = evaluatePolicy(
      each,
      evidence({
        signatures: [sig],
        platforms: [child('linux/amd64', AMD), child('linux/arm64', ARM, { error: 'registry said 500' })],
      }),
      NOW,
    );
    expect(d.decision).toBe('deny');
    expect(platformsCheck(d)!.reason).toContain(`linux/arm64 (${ARM}): verification: `);
    expect(d.rules[0]!.platforms!.map((p) => p.status)).toEqual(['pass', 'fail']);
  });
  test('an index with no platform images fails each and any', () => {
    const any = policy('    platforms: any\n    signatures: { anyOf: [a] }\n');
    for (const p of [each, any])
      expect(evaluatePolicy(p, evidence({ signatures: [sig], platforms: [] }), NOW).decision).toBe('deny');
  });
  test('without a signature on the index, each child needs its own', () => {
    const d = evaluatePolicy(
      each,
      evidence({ platforms: [child('linux/amd64', AMD, { signatures: [sig] }), child('linux/arm64', ARM)] }),
      NOW,
    );
    expect(d.decision).toBe('deny');
    expect(platformsCheck(d)!.reason).toContain(`linux/arm64 (${ARM})`);
    expect(platformsCheck(d)!.reason).toContain('none on the index either');
  });
  test('warn mode turns a failing scope into a warning', () => {
    const warn = policy('    mode: warn\n    platforms: each\n    signatures: { anyOf: [a] }\n');
    const d = evaluatePolicy(warn, evidence({ platforms: [child('linux/amd64', AMD)] }), NOW);
    expect([d.decision, d.status, platformsCheck(d)!.status]).toEqual(['allow', 'warn', 'warn']);
  });
});

describe('deny.digests and platform images', () => {
  const denying = (digest: string) =>
    policy(
      `    platforms: any\n    signatures: { anyOf: [a] }\ndeny:\n  digests: [{ digest: "${digest}", reason: bad base image, reference: INC-9 }]\n`,
    );
  const gathered = () =>
    evidence({ signatures: [sig], platforms: [child('linux/amd64', AMD), child('linux/arm64', ARM)] });
  test('a denied platform image denies the index it was gathered from, named with its platform', () => {
    const d = evaluatePolicy(denying(ARM), gathered(), NOW);
    expect(d.decision).toBe('deny');
    const denied = d.checks.find((c) => c.id === 'deny/digest')!;
    expect(denied.status).toBe('fail');
    expect(denied.reason).toBe(
      `digest ${ARM} (platform image linux/arm64 of ${INDEX}) is denied: bad base image (INC-9)`,
    );
  });
  test('no denied digest among the index and its platform images: the check passes and says so', () => {
    const d = evaluatePolicy(denying(`sha256:${'d'.repeat(64)}`), gathered(), NOW);
    expect(d.decision).toBe('allow');
    expect(d.checks.find((c) => c.id === 'deny/digest')).toMatchObject({
      status: 'pass',
      reason: 'neither the digest nor any of its 2 platform images is on the deny list',
    });
  });
  test('a single-platform image listed as its own platform is checked once', () => {
    const d = evaluatePolicy(
      denying(INDEX),
      evidence({ signatures: [sig], platforms: [child('linux/amd64', INDEX)] }),
      NOW,
    );
    expect(d.checks.filter((c) => c.id === 'deny/digest')).toHaveLength(1);
    expect(d.checks.find((c) => c.id === 'deny/digest')!.reason).toBe(
      `digest ${INDEX} is denied: bad base image (INC-9)`,
    );
  });
});
