/**
 * The verification cache against the real registry: a second run makes only the resolve requests and
 * re-verifies what it read; tampered, expired and foreign-policy entries are discarded, reported, and
 * fetched again, and never change a decision.
 */

import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VerificationCache } from '../../src/discovery/cache.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { evaluateImages } from '../../src/run/evaluate.js';
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

describe('cache entries that are not plain files', () => {
  const entries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json'));

  test('a FIFO, a link to /dev/zero and an oversized entry: refused at once, discarded, reported; the run completes', async () => {
    const dir = mkdtempSync(join(work, 'c-'));
    await run(dir);
    const [a, b, c] = entries(dir).map((f) => join(dir, f));
    rmSync(a!);
    execFileSync('mkfifo', [a!]);
    rmSync(b!);
    symlinkSync('/dev/zero', b!);
    // Sparse: 300 MiB by size, nothing on disk; refused from its size, never read.
    const fd = openSync(c!, 'w');
    closeSync(fd);
    execFileSync('truncate', ['-s', `${300 * 1024 * 1024}`, c!]);
    const rssBefore = process.memoryUsage().rss;
    const start = Date.now();
    const again = await run(dir);
    expect(Date.now() - start).toBeLessThan(20_000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    expect(again.r.decisions.map((d) => d.decision)).toEqual(['allow', 'allow', 'allow']);
    const bad = again.cache.events.filter((e) => e.kind === 'corrupt');
    const reasons = bad.map((e) => ('reason' in e ? e.reason : ''));
    expect(reasons).toHaveLength(3);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/is 314572800 bytes, over the 268435456-byte limit/),
        expect.stringMatching(/is a FIFO, not a regular file/),
        expect.stringMatching(/is a symbolic link; refusing to read through it/),
      ]),
    );
    // Discarded and written again as regular files.
    for (const f of [a!, b!, c!]) expect(lstatSync(f).isFile()).toBe(true);
    expect((await run(dir)).cache.events.filter((e) => e.kind === 'hit')).toHaveLength(3);
  });

  test('a link planted at the old temporary name (<entry>.json.<pid>.tmp) redirects no write', async () => {
    const dir = mkdtempSync(join(work, 'c-'));
    await run(dir);
    const names = entries(dir);
    const outside = join(work, `outside-${Date.now()}`);
    writeFileSync(outside, 'untouched\n');
    for (const f of names) {
      rmSync(join(dir, f));
      symlinkSync(outside, join(dir, `${f}.${process.pid}.tmp`));
    }
    await run(dir);
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    for (const f of names) expect(lstatSync(join(dir, f)).isFile()).toBe(true);
  });

  test('the cache folder is made 0700; one others can write, or a link, is refused', () => {
    const dir = join(mkdtempSync(join(work, 'c-')), 'made');
    new VerificationCache(dir, { ttlMs: 1, secret: SECRET });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const open = mkdtempSync(join(work, 'open-'));
    chmodSync(open, 0o777);
    expect(() => new VerificationCache(open, { ttlMs: 1, secret: SECRET })).toThrow(
      /--cache .* is writable by others/,
    );
    const real = mkdtempSync(join(work, 'real-'));
    mkdirSync(join(real, 'x'), { mode: 0o700 });
    symlinkSync(join(real, 'x'), join(real, 'link'));
    expect(() => new VerificationCache(join(real, 'link'), { ttlMs: 1, secret: SECRET })).toThrow(
      /symbolic link/,
    );
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
