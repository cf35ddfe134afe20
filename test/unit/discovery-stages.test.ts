/**
 * The discovery stages after the split: one payload budget per image across the referrer and
 * legacy-tag stages (as verify-image runs them), `searched` in stage order, the layer readers'
 * Reading (guesses and keep decide what is fetched), and the memory discoverAsNeeded reads through.
 */
import { describe, expect, test } from 'vitest';
import {
  discover,
  discoverLegacyTags,
  discoverReferrers,
  emptyDiscovery,
} from '../../src/discovery/discover.js';
import { readDsseLayers, readSimpleSigningLayers, simpleSigningGuesses } from '../../src/discovery/layers.js';
import { CosignAnnotation, CosignMediaType } from '../../src/discovery/media-types.js';
import { DEFAULT_DISCOVERY_LIMITS, type Reading } from '../../src/discovery/reading.js';
import { RememberingSource } from '../../src/discovery/remembering-source.js';
import { type Digest, digestTag, sha256Digest } from '../../src/reference/digest.js';
import { addSigManifest, buildSigManifest, simpleSigningPayload } from '../support/cosign-sig.js';
import { expectFailure } from '../support/expect-failure.js';
import { addBundleReferrer, MemorySource } from '../support/memory-source.js';

const DIGEST = sha256Digest('the image manifest') as Digest;
const MiB = 1024 * 1024;
const signed = (payload: Uint8Array, mediaType?: string) => ({
  payload,
  ...(mediaType ? { mediaType } : {}),
  annotations: { [CosignAnnotation.SIGNATURE]: 'c2ln' },
});

/** Counts every blob fetch the source answers. */
function countingBlobs(src: MemorySource): string[] {
  const fetched: string[] = [];
  const getBlob = src.getBlob.bind(src);
  src.getBlob = (d, o) => {
    fetched.push(d);
    return getBlob(d, o);
  };
  return fetched;
}

function reading(src: MemorySource, extra: Partial<Reading> = {}): Reading {
  const budget = { used: 0, max: 4 * DEFAULT_DISCOVERY_LIMITS.maxPayloadBytes, cache: new Map() };
  return { source: src, limits: DEFAULT_DISCOVERY_LIMITS, budget, via: 'tag:test', ...extra };
}

function loaded(layers: Parameters<typeof buildSigManifest>[0], src: MemorySource) {
  const built = buildSigManifest(layers);
  for (const b of built.blobs) src.addBlob(b.bytes);
  return {
    digest: built.manifest.digest as Digest,
    manifest: JSON.parse(Buffer.from(built.manifest.bytes).toString('utf8')),
  };
}

describe('discovery stages', () => {
  const limits = { maxPayloadBytes: 4 * MiB, maxTotalPayloadBytes: 4 * MiB };

  test('the referrer and legacy-tag stages on one result share its payload budget; a new result has its own', async () => {
    const src = new MemorySource();
    addBundleReferrer(src, DIGEST, Buffer.alloc(3 * MiB, 1));
    addSigManifest(src, DIGEST, [signed(Buffer.alloc(2 * MiB, 2))]);
    const d = emptyDiscovery(DIGEST);
    await discoverReferrers(src, DIGEST, { limits }, d);
    expect(d.bundles).toHaveLength(1);
    const e = await expectFailure(discoverLegacyTags(src, DIGEST, { limits }, d));
    expect(e.code).toBe('SIZE_LIMIT');
    const fresh = emptyDiscovery(DIGEST);
    await discoverLegacyTags(src, DIGEST, { limits }, fresh);
    expect(fresh.simpleSigning).toHaveLength(1);
  });

  test('a blob read by the referrer stage is not fetched again by the legacy-tag stage', async () => {
    const src = new MemorySource();
    const shared = Buffer.alloc(MiB, 3);
    addBundleReferrer(src, DIGEST, shared);
    addSigManifest(src, DIGEST, [signed(shared)]);
    const fetched = countingBlobs(src);
    const d = emptyDiscovery(DIGEST);
    await discoverReferrers(src, DIGEST, { limits }, d);
    await discoverLegacyTags(src, DIGEST, { limits }, d);
    expect(d.bundles).toHaveLength(1);
    expect(d.simpleSigning).toHaveLength(1);
    expect(fetched).toEqual([sha256Digest(shared)]);
  });

  test('searched names the referrers, then .sig, then .att, the tags in the signature repository', async () => {
    const src = new MemorySource('registry.example/app');
    const sigs = new MemorySource('registry.example/sigs');
    const d = await discover(src, DIGEST, { attestations: true, signatureSource: sigs });
    expect(d.searched).toEqual([
      `referrers of registry.example/app@${DIGEST} (api)`,
      `registry.example/sigs:${digestTag(DIGEST, '.sig')}`,
      `registry.example/sigs:${digestTag(DIGEST, '.att')}`,
    ]);
    const noAtt = await discover(src, DIGEST);
    expect(noAtt.searched).toHaveLength(2);
  });
});

describe('layer readers', () => {
  test('a .sig layer that is a guessed payload is not fetched; one that is not, is', async () => {
    const src = new MemorySource();
    const guessed = simpleSigningPayload(DIGEST, 'registry.example/app');
    const other = simpleSigningPayload(DIGEST, 'registry.example/elsewhere');
    const m = loaded([signed(guessed), signed(other)], src);
    const fetched = countingBlobs(src);
    const sigs = await readSimpleSigningLayers(
      reading(src, { guesses: simpleSigningGuesses('registry.example/app', DIGEST) }),
      m,
    );
    expect(sigs.map((s) => Buffer.from(s.payload).toString())).toEqual([
      guessed.toString(),
      other.toString(),
    ]);
    expect(fetched).toEqual([sha256Digest(other)]);
    expect(sigs[0]!.origin).toEqual({ via: 'tag:test', manifest: m.digest, layer: sha256Digest(guessed) });
  });

  test('readDsseLayers fetches only the layers keep wants, and only DSSE ones', async () => {
    const src = new MemorySource();
    const dsse = (n: number, pt: string) => ({
      payload: Buffer.from(`envelope ${n}`),
      mediaType: CosignMediaType.DSSE_ENVELOPE,
      annotations: { [CosignAnnotation.PREDICATE_TYPE]: pt },
    });
    const m = loaded([dsse(1, 'keep'), dsse(2, 'skip'), signed(Buffer.from('not dsse'))], src);
    const fetched = countingBlobs(src);
    const got = await readDsseLayers(
      reading(src, { keep: (a) => a[CosignAnnotation.PREDICATE_TYPE] === 'keep' }),
      m,
    );
    expect(got.map((l) => l.annotatedPredicateType)).toEqual(['keep']);
    expect(fetched).toEqual([sha256Digest(Buffer.from('envelope 1'))]);
  });

  test('a manifest over the layer limit is refused before any layer is fetched', async () => {
    const src = new MemorySource();
    const m = loaded([signed(Buffer.from('a')), signed(Buffer.from('b'))], src);
    const fetched = countingBlobs(src);
    const e = await expectFailure(
      readSimpleSigningLayers(
        reading(src, { limits: { ...DEFAULT_DISCOVERY_LIMITS, maxSignatureLayers: 1 } }),
        m,
      ),
    );
    expect(e.code).toBe('COUNT_LIMIT');
    expect(fetched).toEqual([]);
  });
});

describe('RememberingSource', () => {
  test('asks each question once, failures included', async () => {
    const src = new MemorySource();
    let asked = 0;
    const getManifest = src.getManifest.bind(src);
    src.getManifest = (r) => {
      asked++;
      return getManifest(r);
    };
    const remembered = new RememberingSource(src);
    const tag = digestTag(DIGEST, '.sig');
    const first = await expectFailure(remembered.getManifest(tag));
    const again = await expectFailure(remembered.getManifest(tag));
    expect(first.code).toBe('MANIFEST_UNKNOWN');
    expect(again).toBe(first);
    expect(asked).toBe(1);
  });

  test('a blob asked again under a smaller limit is refused as the source would', async () => {
    const src = new MemorySource();
    const bytes = Buffer.alloc(1000, 7);
    const digest = src.addBlob(bytes);
    const fetched = countingBlobs(src);
    const remembered = new RememberingSource(src);
    expect(await remembered.getBlob(digest, { maxBytes: 1000 })).toBe(bytes);
    const e = await expectFailure(remembered.getBlob(digest, { maxBytes: 999 }));
    expect(e.code).toBe('SIZE_LIMIT');
    expect(e.message).toContain('over the 999-byte limit');
    expect(fetched).toHaveLength(1);
  });
});
