/**
 * The verification cache against the real registry: a second run makes only the resolve requests and
 * re-verifies what it read; tampered, expired and foreign-policy entries are discarded, reported, and
 * fetched again, and never change a decision.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VerificationCache } from '../../src/batch/cache.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { evaluateImages } from '../../src/policy/run.js';
import { simpleSigningPayload } from '../support/cosign-sig.js';
import { buildImage } from '../support/image-builder.js';
import { pushImage, pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { generateKey, signBytes, simpleSigningAnnotations } from '../support/signing.js';

const key = generateKey('p256');
const SECRET = Buffer.from('cache test key: kept outside the cache folder');
const macOf = (e: {
  key: { image: string; context: string; trustRoots: string; tool: string };
  createdAt: string;
  verified: number;
  contentSha256: string;
}) =>
  createHmac('sha256', SECRET)
    .update(
      JSON.stringify([
        JSON.stringify([e.key.image, e.key.context, e.key.trustRoots, e.key.tool]),
        e.createdAt,
        e.verified,
        e.contentSha256,
      ]),
    )
    .digest('hex');
const work = mkdtempSync(join(tmpdir(), 'tg-cache-'));
let reg: RunningRegistry;
const refs: string[] = [];
const policyFile = join(work, 'policy.yaml');
const otherPolicy = join(work, 'other.yaml');

const policyText = (host: string, note: string) => `# ${note}
apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: cache-test }
authorities:
  team:
    keys: [{ file: key.pub }]
    ignoreTlog: true
rules:
  - name: all
    images: ["${host}/cache/**"]
    signatures: { anyOf: [team] }
`;

async function run(cacheDir: string, opts: { policy?: string; now?: Date; ttlMs?: number } = {}) {
  const cache = new VerificationCache(cacheDir, {
    ttlMs: opts.ttlMs ?? 3600e3,
    secret: SECRET,
    ...(opts.now ? { now: () => opts.now! } : {}),
  });
  const client = new RegistryClient();
  const r = await evaluateImages(refs, { policy: opts.policy ?? policyFile, client, cache });
  const counters = { ...client.transport.counters.byMethod };
  await client.close();
  return { r, cache, counters };
}

beforeAll(async () => {
  reg = await startRegistry();
  writeFileSync(join(work, 'key.pub'), key.pem);
  writeFileSync(policyFile, policyText(reg.host, 'policy A'));
  writeFileSync(otherPolicy, policyText(reg.host, 'policy B'));
  const client = new RegistryClient();
  for (let i = 0; i < 3; i++) {
    const img = buildImage({ seed: `cache-${i}` });
    await pushImage(client, reg.host, `cache/app${i}`, img, 'v1');
    const payload = simpleSigningPayload(img.manifest.digest, `${reg.host}/cache/app${i}`);
    await pushSig(client, reg.host, `cache/app${i}`, img.manifest.digest, [
      { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) },
    ]);
    refs.push(`${reg.host}/cache/app${i}:v1`);
  }
  await client.close();
}, 30_000);
afterAll(async () => reg?.stop());

describe('verification cache', () => {
  test('a second run makes only the resolve requests, and decides the same', async () => {
    const dir = mkdtempSync(join(work, 'c-'));
    const first = await run(dir);
    expect(first.r.decisions.map((d) => d.decision)).toEqual(['allow', 'allow', 'allow']);
    expect(first.counters.GET).toBeGreaterThan(0);
    const second = await run(dir);
    expect(second.r.decisions.map((d) => d.decision)).toEqual(['allow', 'allow', 'allow']);
    expect(second.counters).toEqual({ HEAD: refs.length });
    expect(second.cache.events.filter((e) => e.kind === 'hit')).toHaveLength(3);
  });

  test('a tampered entry is detected, discarded, reported, and the image fetched again', async () => {
    const dir = mkdtempSync(join(work, 'c-'));
    await run(dir);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    // 1: bytes changed without fixing the hash.
    const a = join(dir, files[0]!);
    writeFileSync(a, readFileSync(a, 'utf8').replace('"signature":"', '"signature":"AAAA'));
    // 2: a careful forger without the cache key: signature replaced, content hash recomputed.
    const b = join(dir, files[1]!);
    const e = JSON.parse(readFileSync(b, 'utf8'));
    e.discovery.simpleSigning[0].signature = signBytes(
      generateKey('p256'),
      Buffer.from(e.discovery.simpleSigning[0].payload, 'base64'),
    );
    e.contentSha256 = createHash('sha256').update(JSON.stringify(e.discovery)).digest('hex');
    writeFileSync(b, JSON.stringify(e));
    // 3: the same forgery by someone holding the key: only re-verification can tell.
    const c = join(dir, files[2]!);
    const f = JSON.parse(readFileSync(c, 'utf8'));
    f.discovery.simpleSigning[0].signature = signBytes(
      generateKey('p256'),
      Buffer.from(f.discovery.simpleSigning[0].payload, 'base64'),
    );
    f.contentSha256 = createHash('sha256').update(JSON.stringify(f.discovery)).digest('hex');
    f.mac = macOf(f);
    writeFileSync(c, JSON.stringify(f));
    const again = await run(dir);
    expect(again.r.decisions.map((d) => d.decision)).toEqual(['allow', 'allow', 'allow']);
    const bad = again.cache.events.filter((x) => x.kind === 'tampered');
    expect(bad).toHaveLength(3);
    expect(bad.map((x) => ('reason' in x ? x.reason : '')).sort()).toEqual([
      'it was not written with this cache key (TRUSTGATE_CACHE_KEY)',
      'its content does not match its hash',
      're-verification found 0 verified item(s) where 1 were recorded',
    ]);
    expect(again.counters.GET).toBeGreaterThan(0);
  });

  test('an entry that leaves attachments out cannot be planted without the cache key', async () => {
    const dir = mkdtempSync(join(work, 'c-'));
    await run(dir);
    for (const file of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const e = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      e.discovery.simpleSigning = [];
      e.verified = 0;
      e.contentSha256 = createHash('sha256').update(JSON.stringify(e.discovery)).digest('hex');
      writeFileSync(join(dir, file), JSON.stringify(e));
    }
    const again = await run(dir);
    expect(again.cache.events.filter((x) => x.kind === 'tampered')).toHaveLength(3);
    expect(again.cache.events.filter((x) => x.kind === 'hit')).toHaveLength(0);
    expect(again.r.decisions.map((d) => d.decision)).toEqual(['allow', 'allow', 'allow']);
  });

  test('expired entries and entries for another policy are not used', async () => {
    const dir = mkdtempSync(join(work, 'c-'));
    await run(dir);
    const later = await run(dir, { now: new Date(Date.now() + 2 * 3600e3) });
    expect(later.cache.events.filter((e) => e.kind === 'expired')).toHaveLength(3);
    expect(later.counters.GET).toBeGreaterThan(0);

    const fresh = mkdtempSync(join(work, 'c-'));
    await run(fresh);
    const mine = readdirSync(fresh).filter((f) => f.endsWith('.json'));
    expect(mine).toHaveLength(3);
    // Another policy has other keys: nothing is shared...
    const other = await run(fresh, { policy: otherPolicy });
    expect(other.cache.events.filter((e) => e.kind === 'hit')).toHaveLength(0);
    // ...and an entry of policy A copied under policy B's name is refused as foreign.
    const dirB = mkdtempSync(join(work, 'c-'));
    await run(dirB, { policy: otherPolicy });
    const theirs = readdirSync(dirB).filter((f) => f.endsWith('.json'));
    for (const [i, f] of theirs.entries()) writeFileSync(join(dirB, f), readFileSync(join(fresh, mine[i]!)));
    const forged = await run(dirB, { policy: otherPolicy });
    expect(forged.cache.events.filter((e) => e.kind === 'foreign')).toHaveLength(3);
    expect(forged.r.decisions.map((d) => d.decision)).toEqual(['allow', 'allow', 'allow']);
  });
});

describe('policy batches', () => {
  test('--fail-fast: after the first denial no image starts; the rest are denied as not verified', async () => {
    const missing = `${reg.host}/cache/missing:v1`;
    const run = await evaluateImages([missing, ...refs], {
      policy: policyFile,
      failFast: true,
      imageConcurrency: 1,
    });
    expect(run.decisions.map((d) => d.decision)).toEqual(['deny', 'deny', 'deny', 'deny']);
    for (const d of run.decisions.slice(1))
      expect(d.checks[0]).toMatchObject({
        id: 'verification',
        reason: expect.stringContaining('--fail-fast stopped the run'),
      });
    const all = await evaluateImages([missing, ...refs], { policy: policyFile, imageConcurrency: 1 });
    expect(all.decisions.map((d) => d.decision)).toEqual(['deny', 'allow', 'allow', 'allow']);
  });
});
