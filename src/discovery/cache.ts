/**
 * The verification cache (`--cache DIR`, off by default): what discovery fetched for an image (the
 * signatures, bundles and envelopes, byte for byte), so that a second run needs no registry requests
 * beyond resolving. It never stores a verdict that is trusted: every entry is re-verified with
 * sigstore-js on read, against the current trust material, which is cheap without network.
 *
 * The cache is untrusted input. Entries are keyed strictly by registry/repository@digest, policy
 * sha256, trust-root content hash and tool version; each is checked against its key, its TTL, its
 * own content hash and every blob against its digest. An entry that fails any check, or that verifies
 * less than it did when written, is discarded and reported, and the image is fetched again.
 *
 * Re-verification cannot see what an entry leaves out (a newer failing scan, a denied signer), so
 * entries also carry an HMAC under a secret cache key that is not stored with the cache:
 * TRUSTGATE_CACHE_KEY (a CI secret), else a random key made once in the user's config folder. Whoever
 * can write the cache folder but not read that key cannot make an entry that is accepted.
 *
 * Entries are files someone else may have planted: they are read without following links, only when
 * regular and within a size cap (a FIFO or a link to /dev/zero is discarded like any bad entry), and
 * written atomically through an exclusively created temporary file with an unpredictable name, in a
 * folder that must be private (0700, ours). Over 300 lines: the key, the checks on read and the
 * write are one protocol, kept together so a change to one is seen beside the others.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { describeError } from '../errors.js';
import { sha256Digest } from '../reference/digest.js';
import { createExclusive, ensurePrivateDir, readRegularFile, writeFileAtomic } from '../util/safe-fs.js';
import type { Discovery } from './types.js';

export interface CacheKey {
  /** registry/repository@sha256:… (or oci:PATH@sha256:…). */
  image: string;
  /** sha256 of the policy file, or a description of the trust flags. */
  context: string;
  /** sha256 over the trust roots' content. */
  trustRoots: string;
  tool: string;
}

export type CacheEvent =
  | { kind: 'hit'; image: string }
  | { kind: 'miss'; image: string }
  | {
      kind: 'expired' | 'foreign' | 'tampered' | 'corrupt' | 'stale';
      image: string;
      file: string;
      reason: string;
    };

const MAX_ENTRY_BYTES = 256 * 1024 * 1024;
/** The key file holds 64 hex digits; anything much bigger is not ours. */
const MAX_KEY_FILE_BYTES = 4096;

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const origin = z.strictObject({ via: z.string(), manifest: z.string(), layer: z.string() });
const optional = z.string().optional();
const entrySchema = z.strictObject({
  version: z.literal(1),
  key: z.strictObject({ image: z.string(), context: z.string(), trustRoots: z.string(), tool: z.string() }),
  createdAt: z.iso.datetime(),
  /** How many signatures and attestations verified when the entry was written. */
  verified: z.number().int().min(0),
  contentSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** HMAC-SHA256 over key, time, count and content hash, under the secret cache key. */
  mac: z.string().regex(/^[0-9a-f]{64}$/),
  discovery: z.strictObject({
    digest: z.string(),
    simpleSigning: z
      .array(
        z.strictObject({
          format: z.literal('simplesigning'),
          origin,
          payload: b64,
          signature: z.string(),
          certificate: optional,
          chain: optional,
          rekorBundle: optional,
          rfc3161Timestamp: optional,
        }),
      )
      .max(1000),
    bundles: z
      .array(
        z.strictObject({
          format: z.literal('sigstore-bundle'),
          origin,
          bytes: b64,
          annotatedPredicateType: optional,
        }),
      )
      .max(1000),
    dsseLayers: z
      .array(
        z.strictObject({
          format: z.literal('dsse-layer'),
          origin,
          bytes: b64,
          annotatedPredicateType: optional,
          certificate: optional,
          chain: optional,
          rekorBundle: optional,
        }),
      )
      .max(1000),
    unsigned: z
      .array(
        z.strictObject({
          format: z.literal('unsigned'),
          digest: z.string(),
          artifactType: z.string(),
          via: z.string(),
          annotations: z.record(z.string(), z.string()).optional(),
        }),
      )
      .max(1000),
    searched: z.array(z.string()).max(100),
    unread: z.array(z.string()).max(2000).optional(),
  }),
});

const keyText = (k: CacheKey) => JSON.stringify([k.image, k.context, k.trustRoots, k.tool]);
const sha256 = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

function serialise(d: Discovery): z.infer<typeof entrySchema>['discovery'] {
  const enc = (b: Uint8Array) => Buffer.from(b).toString('base64');
  return {
    digest: d.digest,
    simpleSigning: d.simpleSigning.map((s) => ({ ...s, payload: enc(s.payload) })),
    bundles: d.bundles.map((b) => ({ ...b, bytes: enc(b.bytes) })),
    dsseLayers: d.dsseLayers.map((l) => ({ ...l, bytes: enc(l.bytes) })),
    unsigned: d.unsigned,
    searched: d.searched,
    ...(d.unread ? { unread: d.unread } : {}),
  };
}

function deserialise(d: z.infer<typeof entrySchema>['discovery']): Discovery {
  const dec = (s: string) => Buffer.from(s, 'base64');
  // Optional fields arrive as absent, never as undefined values (exactOptionalPropertyTypes).
  const clean = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    digest: d.digest,
    simpleSigning: d.simpleSigning.map((s) => clean({ ...s, payload: dec(s.payload) })),
    bundles: d.bundles.map((b) => clean({ ...b, bytes: dec(b.bytes) })),
    dsseLayers: d.dsseLayers.map((l) => clean({ ...l, bytes: dec(l.bytes) })),
    unsigned: d.unsigned.map(clean),
    searched: d.searched,
    ...(d.unread ? { unread: d.unread } : {}),
  } as Discovery;
}

/** The secret cache key: TRUSTGATE_CACHE_KEY, else one made once in the user's config folder. */
export function cacheSecret(): Buffer {
  const fromEnv = process.env.TRUSTGATE_CACHE_KEY;
  if (fromEnv) return Buffer.from(fromEnv, 'utf8');
  const dir = join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'trustgate');
  const file = join(dir, 'cache.key');
  const read = () => Buffer.from(readRegularFile(file, MAX_KEY_FILE_BYTES).toString('utf8').trim(), 'utf8');
  try {
    return read();
  } catch (e) {
    // Only an absent key is made; a link, FIFO or oversized file in its place is an error to fix.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    ensurePrivateDir(dir, 'the cache key folder');
    try {
      createExclusive(file, Buffer.from(`${randomBytes(32).toString('hex')}\n`), 0o600);
    } catch {
      // Made by a concurrent run: read theirs.
    }
    return read();
  }
}

export class VerificationCache {
  readonly events: CacheEvent[] = [];
  private readonly secret: Buffer;

  constructor(
    readonly dir: string,
    readonly options: { ttlMs: number; now?: () => Date; secret?: Buffer } = { ttlMs: 24 * 3600e3 },
  ) {
    // Kept naming the flag: test/integration/cache.test.ts asserts this library message.
    ensurePrivateDir(dir, '--cache');
    this.secret = options.secret ?? cacheSecret();
  }

  private mac(key: CacheKey, createdAt: string, verified: number, contentSha256: string): string {
    return createHmac('sha256', this.secret)
      .update(JSON.stringify([keyText(key), createdAt, verified, contentSha256]))
      .digest('hex');
  }

  private file(key: CacheKey): string {
    return join(this.dir, `${sha256(keyText(key))}.json`);
  }

  private reject(
    kind: 'expired' | 'foreign' | 'tampered' | 'corrupt' | 'stale',
    key: CacheKey,
    file: string,
    reason: string,
  ): undefined {
    this.events.push({ kind, image: key.image, file, reason });
    try {
      // unlink, never recursive: a link is removed, not what it points to; a folder stays.
      rmSync(file, { force: true });
    } catch {
      // Left in place; it is refused again next time.
    }
    return undefined;
  }

  /** The cached discovery and how much verified when it was written; undefined on a miss. */
  get(key: CacheKey): { discovery: Discovery; verified: number } | undefined {
    const file = this.file(key);
    let text: string;
    try {
      text = readRegularFile(file, MAX_ENTRY_BYTES).toString('utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.events.push({ kind: 'miss', image: key.image });
        return undefined;
      }
      // A link, FIFO, device, folder or oversized file: never read, discarded like any bad entry.
      return this.reject('corrupt', key, file, describeError(e));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.reject('corrupt', key, file, 'not JSON');
    }
    const parsed = entrySchema.safeParse(json);
    if (!parsed.success)
      return this.reject(
        'corrupt',
        key,
        file,
        `not a cache entry (${parsed.error.issues[0]?.path.join('.')})`,
      );
    const e = parsed.data;
    if (keyText(e.key) !== keyText(key))
      return this.reject(
        'foreign',
        key,
        file,
        'the entry was written for another image, policy, trust root or version',
      );
    const mac = Buffer.from(this.mac(key, e.createdAt, e.verified, e.contentSha256), 'hex');
    if (!timingSafeEqual(mac, Buffer.from(e.mac, 'hex')))
      return this.reject(
        'tampered',
        key,
        file,
        'it was not written with this cache key (TRUSTGATE_CACHE_KEY)',
      );
    const now = (this.options.now ?? (() => new Date()))().getTime();
    const age = now - new Date(e.createdAt).getTime();
    if (age > this.options.ttlMs || age < -60e3)
      return this.reject('expired', key, file, `written ${e.createdAt}, TTL ${this.options.ttlMs / 1000} s`);
    // Hashed as read (key order as written), not as re-built by the schema.
    const raw = (json as { discovery?: unknown }).discovery;
    if (sha256(JSON.stringify(raw)) !== e.contentSha256)
      return this.reject('tampered', key, file, 'its content does not match its hash');
    const discovery = deserialise(e.discovery);
    if (!key.image.endsWith(`@${discovery.digest}`))
      return this.reject('foreign', key, file, 'the entry names another digest');
    for (const [bytes, layer] of [
      ...discovery.simpleSigning.map((s) => [s.payload, s.origin.layer] as const),
      ...discovery.bundles.map((b) => [b.bytes, b.origin.layer] as const),
      ...discovery.dsseLayers.map((l) => [l.bytes, l.origin.layer] as const),
    ]) {
      if (sha256Digest(bytes) !== layer)
        return this.reject('tampered', key, file, `a blob does not match its digest ${layer}`);
    }
    this.events.push({ kind: 'hit', image: key.image });
    return { discovery, verified: e.verified };
  }

  /**
   * Takes back a hit the caller could not use: `tampered` when re-verification found less than was
   * verified when it was written, `stale` when it is sound but no longer enough (a partial discovery
   * that does not settle the image at this run's effective time).
   */
  discard(key: CacheKey, reason: string, kind: 'tampered' | 'stale' = 'tampered'): void {
    const hit = this.events.findLastIndex((e) => e.kind === 'hit' && e.image === key.image);
    if (hit >= 0) this.events.splice(hit, 1);
    this.reject(kind, key, this.file(key), reason);
  }

  put(key: CacheKey, discovery: Discovery, verified: number): void {
    const body = serialise(discovery);
    const createdAt = (this.options.now ?? (() => new Date()))().toISOString();
    const contentSha256 = sha256(JSON.stringify(body));
    const entry = {
      version: 1,
      key,
      createdAt,
      verified,
      contentSha256,
      mac: this.mac(key, createdAt, verified, contentSha256),
      discovery: body,
    };
    const file = this.file(key);
    try {
      writeFileAtomic(file, Buffer.from(JSON.stringify(entry)), { mode: 0o600, what: 'the cache entry' });
    } catch (e) {
      // The cache only saves requests: an entry that cannot be written is reported, never fatal.
      this.events.push({ kind: 'corrupt', image: key.image, file, reason: describeError(e) });
    }
  }
}
