/**
 * Policy-directed discovery against a real registry: once what has been read passes every evidence
 * check, the rest is not read; anything short of that reads everything, so decisions and their
 * explanations are those of exhaustive discovery.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VerificationCache } from '../../src/discovery/cache.js';
import { discover, discoverAsNeeded } from '../../src/discovery/discover.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import type { PolicyDecision } from '../../src/policy/evaluate/index.js';
import { type Digest, digestTag } from '../../src/reference/digest.js';
import { evaluateImages, type PolicyRunOptions } from '../../src/run/evaluate.js';
import { pushAttached } from '../support/attach.js';
import { statementEmbedding } from '../support/attest-builder.js';
import { buildImage, buildIndex } from '../support/image-builder.js';
import { type KeylessWorld, keylessWorld } from '../support/keyless.js';
import { predicateSamples } from '../support/predicates.js';
import { pushIndex } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import { COSIGN_SIGN_V1, generateKey, statementFor } from '../support/signing.js';

const work = mkdtempSync(join(tmpdir(), 'tg-plan-'));
const key = generateKey('p256');
const signer = { privateKey: key.privateKey, pem: key.pem };
let reg: RunningRegistry;
let world: KeylessWorld;
const refs: Record<string, string> = {};
const NOW = new Date();

type Part = 'sig' | 'slsa' | 'cdx';
interface Spec {
  bundles?: Part[];
  legacy?: Part[];
  /** Bundle referrers whose manifest claims another predicateType than they carry. */
  lying?: Array<{ part: Part; claims: string }>;
}

const sample = (d: Digest, t: string) => predicateSamples(d).find((s) => s.type === t)!;
const types: Record<Exclude<Part, 'sig'>, string> = { slsa: 'slsaprovenance1', cdx: 'cyclonedx' };

async function pushSpec(client: RegistryClient, name: string, spec: Spec): Promise<void> {
  const repo = `plan/${name}`;
  const img = buildImage({ seed: `plan-${name}` });
  const digest = img.manifest.digest;
  const statement = (part: Part) => {
    if (part === 'sig') return statementFor(digest, COSIGN_SIGN_V1);
    const s = sample(digest, types[part]);
    return statementEmbedding(digest, s.predicateType, s.predicate);
  };
  const legacy = spec.legacy ?? [];
  await pushAttached(client, reg.host, repo, img, world, signer, {
    bundles: [
      ...(spec.bundles ?? []).map((part) => ({ statement: statement(part) })),
      ...(spec.lying ?? []).map(({ part, claims }) => ({
        statement: statement(part),
        annotations: {
          'dev.sigstore.bundle.content': 'dsse-envelope',
          'dev.sigstore.bundle.predicateType': claims,
        },
      })),
    ],
    sig: legacy.includes('sig'),
    atts: legacy
      .filter((p) => p !== 'sig')
      .map((part) => ({
        statement: statement(part),
        predicateType: sample(digest, types[part as 'slsa' | 'cdx']).predicateType,
      })),
  });
  refs[name] = `${reg.host}/${repo}@${digest}`;
}

function policyFile(extra = ''): string {
  const rootFile = join(work, 'trusted_root.json');
  writeFileSync(rootFile, world.trustedRootJson);
  const keyFile = join(work, 'team.pub');
  writeFileSync(keyFile, key.pem);
  const file = join(work, `policy-${extra.length}.yaml`);
  writeFileSync(
    file,
    [
      'apiVersion: trustgate.dev/v1',
      'kind: Policy',
      'metadata: {name: plan-test}',
      'noMatch: deny',
      'trustRoots:',
      `  test: {trustedRoot: ${JSON.stringify(rootFile)}}`,
      'authorities:',
      '  team:',
      `    keys: [{file: ${JSON.stringify(keyFile)}}]`,
      '    trustRoot: test',
      'rules:',
      '  - name: all',
      `    images: ["${reg.host}/plan/**"]`,
      '    signatures: {anyOf: [team]}',
      '    attestations:',
      '      - {name: provenance, type: slsaprovenance1, signedBy: [team], maxAge: 30d}',
      extra,
    ].join('\n'),
  );
  return file;
}

async function decide(
  ref: string,
  options: Partial<PolicyRunOptions> = {},
): Promise<{ decision: PolicyDecision; requests: number }> {
  const client = new RegistryClient();
  try {
    const run = await evaluateImages([ref], { policy: policyFile(), client, effectiveTime: NOW, ...options });
    return { decision: run.decisions[0]!, requests: client.transport.counters.requests };
  } finally {
    await client.close();
  }
}

/** The decision without the list of what was left unread: what must equal exhaustive discovery's. */
const verdict = ({ unread: _unread, ...d }: PolicyDecision) => d;

beforeAll(async () => {
  reg = await startRegistry();
  world = await keylessWorld();
  const client = new RegistryClient();
  await pushSpec(client, 'bundles', { bundles: ['sig', 'slsa', 'cdx'] });
  await pushSpec(client, 'legacy', { legacy: ['sig', 'slsa', 'cdx'] });
  await pushSpec(client, 'mixed', { bundles: ['sig'], legacy: ['slsa', 'cdx'] });
  await pushSpec(client, 'lying', {
    bundles: ['sig', 'cdx'],
    lying: [{ part: 'slsa', claims: 'https://cyclonedx.org/bom' }],
  });
  await pushSpec(client, 'no-provenance', { bundles: ['sig', 'cdx'], legacy: ['cdx'] });
  // Good bundles, and a `.sig` tag that is an index, not a cosign signature manifest.
  await pushSpec(client, 'broken-legacy', { bundles: ['sig', 'slsa'] });
  const broken = refs['broken-legacy']!;
  await pushIndex(
    client,
    reg.host,
    'plan/broken-legacy',
    buildIndex('plan-broken', [{ os: 'linux', architecture: 'amd64' }]),
    digestTag(broken.split('@')[1] as Digest, '.sig'),
  );
  await client.close();
}, 60_000);
afterAll(async () => {
  await reg?.stop();
});

describe('discovery directed by the policy', () => {
  test('bundles that pass: the legacy tags and the unneeded SBOM bundle are not read', async () => {
    const planned = await decide(refs.bundles!);
    const all = await decide(refs.bundles!, { exhaustive: true });
    expect(planned.decision.decision).toBe('allow');
    expect(verdict(planned.decision)).toEqual(verdict(all.decision));
    // After the client's one probe for the referrers API: the fallback index, 2 × (manifest + bundle),
    // and the SBOM referrer's manifest (its blob is not read).
    expect(planned.requests).toBe(1 + 6);
    expect(all.requests).toBe(1 + 9);
    expect(planned.decision.unread).toEqual([
      expect.stringMatching(/^legacy tags sha256-[0-9a-f]{64}\.sig and sha256-[0-9a-f]{64}\.att$/),
      expect.stringMatching(/^referrer sha256:[0-9a-f]{64} \(https:\/\/cyclonedx\.org\/bom\)$/),
    ]);
    expect(all.decision.unread).toBeUndefined();
  });

  test('legacy tags that pass: the unneeded SBOM layer of the .att manifest is not read', async () => {
    const planned = await decide(refs.legacy!);
    const all = await decide(refs.legacy!, { exhaustive: true });
    expect(planned.decision.decision).toBe('allow');
    expect(verdict(planned.decision)).toEqual(verdict(all.decision));
    // After the referrers-API probe: the missing fallback index, the .sig manifest (its payload is
    // the one cosign writes, known by its digest), the .att manifest + the SLSA layer.
    expect(planned.requests).toBe(1 + 4);
    expect(all.requests).toBe(1 + 5);
    expect(planned.decision.unread).toEqual([
      expect.stringMatching(/1 layer\(s\) of .*\.att \(https:\/\/cyclonedx\.org\/bom\)/),
    ]);
  });

  test('a signature bundle and legacy provenance: referrers alone do not settle it, the legacy tags do', async () => {
    const planned = await decide(refs.mixed!);
    expect(planned.decision.decision).toBe('allow');
    expect(verdict(planned.decision)).toEqual(
      verdict((await decide(refs.mixed!, { exhaustive: true })).decision),
    );
    expect(planned.decision.unread).toHaveLength(1);
  });

  test('an exception that would waive what the referrers lack does not stop discovery: the evidence is read', async () => {
    const policy = policyFile(
      [
        'exceptions:',
        '  - name: provenance-backfill',
        `    images: ["${reg.host}/plan/mixed"]`,
        '    checks: [attestations/provenance]',
        '    expiresAt: 2099-01-01T00:00:00Z',
        '    reason: provenance is being backfilled',
        '    ticket: SEC-1',
      ].join('\n'),
    );
    const planned = await decide(refs.mixed!, { policy });
    const all = await decide(refs.mixed!, { policy, exhaustive: true });
    const provenance = planned.decision.rules[0]!.checks.find((c) => c.id === 'attestations/provenance');
    expect(provenance?.status).toBe('pass');
    expect(provenance?.exception).toBeUndefined();
    expect(verdict(planned.decision)).toEqual(verdict(all.decision));
  });

  test('a referrer whose annotation lies about its type is still read when the decision needs it', async () => {
    const planned = await decide(refs.lying!);
    expect(planned.decision.decision).toBe('allow');
    expect(planned.decision.unread).toBeUndefined();
    expect(verdict(planned.decision)).toEqual(
      verdict((await decide(refs.lying!, { exhaustive: true })).decision),
    );
  });

  test('what is read last is put back in listing order, as exhaustive discovery has it', async () => {
    const client = new RegistryClient();
    const source = client.repository(reg.host, 'plan/lying');
    const digest = refs.lying!.split('@')[1] as Digest;
    // Put off the signature bundle, the first referrer listed, and never settle.
    const plan = { wants: (pt: string) => pt !== COSIGN_SIGN_V1, enough: () => false };
    const staged = await discoverAsNeeded(source, digest, plan);
    const all = await discover(source, digest, { attestations: true });
    await client.close();
    expect(staged.unread).toBeUndefined();
    expect(staged.bundles.map((b) => b.origin.manifest)).toEqual(all.bundles.map((b) => b.origin.manifest));
    expect(all.bundles).toHaveLength(3);
  });

  test('an attachment never read cannot fail the image; with --exhaustive the same broken tag denies it', async () => {
    const planned = await decide(refs['broken-legacy']!);
    const all = await decide(refs['broken-legacy']!, { exhaustive: true });
    expect(planned.decision.decision).toBe('allow');
    expect(planned.decision.unread?.[0]).toMatch(/^legacy tags /);
    expect(all.decision.decision).toBe('deny');
    expect(all.decision.checks.find((c) => c.id === 'verification')?.reason).toMatch(
      /is an index, not a cosign signature manifest/,
    );
  });

  test('a denial is made on everything, with the explanation exhaustive discovery gives', async () => {
    const planned = await decide(refs['no-provenance']!);
    const all = await decide(refs['no-provenance']!, { exhaustive: true });
    expect(planned.decision.decision).toBe('deny');
    expect(planned.decision).toEqual(all.decision);
    expect(planned.decision.unread).toBeUndefined();
    expect(planned.requests).toBe(all.requests);
  });

  test('a policy with a signer deny list reads everything: an unread attachment could be by a denied signer', async () => {
    const client = new RegistryClient();
    const run = await evaluateImages([refs.bundles!], {
      policy: policyFile(
        'deny:\n  identities:\n    - {subject: someone@example.com, issuer: https://issuer.example, reason: revoked}',
      ),
      client,
    });
    await client.close();
    expect(run.decisions[0]!.decision).toBe('allow');
    expect(run.decisions[0]!.unread).toBeUndefined();
    expect(client.transport.counters.requests).toBe(1 + 9);
  });

  test('a cached partial discovery is used only while it still settles the image', async () => {
    const cache = new VerificationCache(join(work, 'cache'), {
      ttlMs: 365 * 24 * 3600e3,
      secret: Buffer.from('k'),
    });
    const first = await decide(refs.bundles!, { cache });
    expect(first.decision.unread).toHaveLength(2);
    const warm = await decide(refs.bundles!, { cache });
    expect(warm.requests).toBe(0);
    expect(warm.decision).toEqual(first.decision);
    // 40 days on, the provenance is over maxAge 30d: the partial entry no longer settles the image,
    // so everything is read again and the denial is the one exhaustive discovery gives.
    const later = new Date(NOW.getTime() + 40 * 24 * 3600e3);
    const stale = await decide(refs.bundles!, { cache, effectiveTime: later });
    const all = await decide(refs.bundles!, { exhaustive: true, effectiveTime: later });
    expect(stale.decision.decision).toBe('deny');
    expect(stale.requests).toBe(all.requests);
    expect(stale.decision).toEqual(all.decision);
    // Reported as a stale entry that was fetched again, not as a hit.
    expect(cache.events.map((e) => e.kind)).toEqual(['miss', 'hit', 'stale']);
  });
});

describe('the CLI', () => {
  test('verify --policy says what it left unread (json, text, audit log); --exhaustive reads it all', () => {
    const policy = policyFile();
    const audit = join(work, 'audit.jsonl');
    const planned = runCli([
      'verify',
      '--policy',
      policy,
      '--audit-log',
      audit,
      '-o',
      'report',
      refs.bundles!,
    ]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(JSON.parse(planned.stdout).decisions[0].unread).toHaveLength(2);
    expect(JSON.parse(readFileSync(audit, 'utf8').trim()).unread).toHaveLength(2);
    const text = runCli(['verify', '--policy', policy, refs.bundles!], { env: { NO_COLOR: '1' } });
    expect(text.stdout).toMatch(
      /not read, as every check that depends on attachments had passed without it .*legacy tags sha256-/,
    );
    const all = runCli(['verify', '--policy', policy, '--exhaustive', '-o', 'report', refs.bundles!]);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout).decisions[0].unread).toBeUndefined();
    const misuse = runCli(['verify', '--key', join(work, 'team.pub'), '--exhaustive', refs.bundles!]);
    expect(misuse.stderr).toContain('--exhaustive needs --policy');
    expect(misuse.code).toBe(2);
  });
});
