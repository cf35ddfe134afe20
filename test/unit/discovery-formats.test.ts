/**
 * cosign's discovery flags in the library: which formats each combination of --new-bundle-format and
 * --experimental-oci11 reads (discovery/formats.ts), applied by the referrer and legacy-tag stages,
 * and --attachment-tag-prefix naming the legacy tags.
 */
import { describe, expect, test } from 'vitest';
import { discover, discoverLegacyTags, emptyDiscovery } from '../../src/discovery/discover.js';
import {
  checkTagPrefix,
  EVERY_FORMAT,
  formatsFor,
  formatsNote,
  legacyTagName,
} from '../../src/discovery/formats.js';
import { CosignAnnotation, CosignMediaType } from '../../src/discovery/media-types.js';
import { MediaType } from '../../src/oci/media-types.js';
import { type Digest, digestTag, sha256Digest } from '../../src/reference/digest.js';
import { limitsOf } from '../../src/run/options.js';
import { addSigManifest, buildSigManifest, simpleSigningPayload } from '../support/cosign-sig.js';
import { expectFailure } from '../support/expect-failure.js';
import { addBundleReferrer, MemorySource } from '../support/memory-source.js';

const DIGEST = sha256Digest('an image with every format') as Digest;
const sig = (ref: string) => ({
  payload: simpleSigningPayload(DIGEST, ref),
  annotations: { [CosignAnnotation.SIGNATURE]: 'c2ln' },
});

/** A cosign signature stored as an OCI 1.1 referrer (cosign --experimental-oci11). */
function addSignatureReferrer(src: MemorySource, subject: Digest): void {
  const built = buildSigManifest([sig('referrer')]);
  for (const b of built.blobs) src.addBlob(b.bytes);
  const m = JSON.parse(Buffer.from(built.manifest.bytes).toString('utf8'));
  const manifest = {
    ...m,
    artifactType: CosignMediaType.ARTIFACT_SIG,
    subject: { mediaType: MediaType.OCI_MANIFEST, size: 100, digest: subject },
  };
  const { digest, size } = src.addManifest(manifest);
  const list = src.referrerList.get(subject) ?? [];
  list.push({ mediaType: MediaType.OCI_MANIFEST, digest, size });
  src.referrerList.set(subject, list);
}

/** One of each: a bundle referrer, a signature referrer, the legacy .sig tag and a prefixed one. */
function everyFormat(): MemorySource {
  const src = new MemorySource('registry.test/app');
  addBundleReferrer(src, DIGEST, Buffer.from('{"bundle":true}'));
  addSignatureReferrer(src, DIGEST);
  addSigManifest(src, DIGEST, [sig('legacy')]);
  const built = buildSigManifest([sig('prefixed')]);
  for (const b of built.blobs) src.addBlob(b.bytes);
  src.addManifest(
    JSON.parse(Buffer.from(built.manifest.bytes).toString('utf8')),
    `team-a-${digestTag(DIGEST, '.sig')}`,
  );
  return src;
}

/** What was found, by format and where from. */
async function found(formats = EVERY_FORMAT, tagPrefix?: string) {
  const d = await discover(everyFormat(), DIGEST, { formats, ...(tagPrefix ? { tagPrefix } : {}) });
  return {
    bundles: d.bundles.length,
    simpleSigning: d.simpleSigning.map((s) => s.origin.via.split(':')[0]),
    searched: d.searched,
  };
}

describe('formatsFor: cosign 2.5 reads one format per combination of its flags', () => {
  test('neither flag named: every format (trustgate default)', () => {
    expect(formatsFor(undefined, 'signatures')).toEqual(EVERY_FORMAT);
    expect(formatsFor({}, 'attestations')).toEqual(EVERY_FORMAT);
  });

  test.each([
    [
      { newBundleFormat: true },
      'signatures',
      { bundles: true, signatureReferrers: false, legacyTags: false, legacyTagsUnlessBundles: true },
    ],
    [
      { newBundleFormat: false },
      'signatures',
      { bundles: false, signatureReferrers: false, legacyTags: true },
    ],
    [
      { experimentalOci11: true },
      'signatures',
      { bundles: false, signatureReferrers: true, legacyTags: true },
    ],
    [
      { experimentalOci11: false },
      'signatures',
      { bundles: false, signatureReferrers: false, legacyTags: true },
    ],
    [
      { newBundleFormat: true, experimentalOci11: true },
      'signatures',
      { bundles: true, signatureReferrers: true, legacyTags: false, legacyTagsUnlessBundles: true },
    ],
    [
      { experimentalOci11: true },
      'attestations',
      { bundles: false, signatureReferrers: false, legacyTags: true },
    ],
    [
      { newBundleFormat: true },
      'attestations',
      { bundles: true, signatureReferrers: false, legacyTags: false },
    ],
  ] as const)('%j for %s', (choice, kind, want) => {
    expect(formatsFor(choice, kind)).toEqual(want);
  });

  test('the note names what a narrowed discovery reads', () => {
    expect(formatsNote(EVERY_FORMAT)).toBe('');
    expect(formatsNote(formatsFor({ newBundleFormat: true }, 'signatures'))).toBe(
      'only Sigstore bundle referrers, legacy tags when no bundle read',
    );
    expect(formatsNote(formatsFor({ newBundleFormat: true }, 'attestations'))).toBe(
      'only Sigstore bundle referrers read',
    );
  });
});

describe('discovery honours the formats', () => {
  test('every format by default', async () => {
    const f = await found();
    expect(f.bundles).toBe(1);
    expect(f.simpleSigning.sort()).toEqual(['referrer', 'tag']);
  });

  test('--new-bundle-format: only the bundle referrer; no legacy tag is even asked for', async () => {
    const f = await found(formatsFor({ newBundleFormat: true }, 'signatures'));
    expect(f).toMatchObject({ bundles: 1, simpleSigning: [] });
    expect(f.searched.join(' ')).not.toContain('.sig');
    expect(f.searched[0]).toContain('only Sigstore bundle referrers, legacy tags when no bundle read');
  });

  test('verify --new-bundle-format on an image with no bundle reads the .sig tag, as cosign 3 does', async () => {
    const src = new MemorySource('registry.test/app');
    addSignatureReferrer(src, DIGEST);
    addSigManifest(src, DIGEST, [sig('legacy')]);
    const sigs = await discover(src, DIGEST, {
      formats: formatsFor({ newBundleFormat: true }, 'signatures'),
    });
    expect(sigs.simpleSigning.map((s) => s.origin.via.split(':')[0])).toEqual(['tag']);
    // Attestations have no such fallback: cosign reads only the bundles there.
    const atts = await discover(src, DIGEST, {
      attestations: true,
      formats: formatsFor({ newBundleFormat: true }, 'attestations'),
    });
    expect(atts.simpleSigning).toEqual([]);
    expect(atts.searched.join(' ')).not.toContain('.att');
  });

  test('--new-bundle-format=false: only the legacy tags; the referrers are not listed', async () => {
    const f = await found(formatsFor({ newBundleFormat: false }, 'signatures'));
    expect(f).toMatchObject({ bundles: 0, simpleSigning: ['tag'] });
    expect(f.searched.join(' ')).not.toContain('referrers');
  });

  test('--experimental-oci11: signature referrers and the legacy tag, no bundle', async () => {
    const f = await found(formatsFor({ experimentalOci11: true }, 'signatures'));
    expect(f.bundles).toBe(0);
    expect(f.simpleSigning.sort()).toEqual(['referrer', 'tag']);
  });
});

describe('--attachment-tag-prefix', () => {
  test('the legacy tag read is <prefix>sha256-<hex>.sig, and the unprefixed one is not', async () => {
    const src = everyFormat();
    const d = emptyDiscovery(DIGEST);
    await discoverLegacyTags(src, DIGEST, { tagPrefix: 'team-a-' }, d);
    expect(d.simpleSigning).toHaveLength(1);
    expect(Buffer.from(d.simpleSigning[0]!.payload).toString()).toContain('prefixed');
    expect(d.searched).toEqual([`registry.test/app:team-a-${digestTag(DIGEST, '.sig')}`]);
  });

  test('a cosign save layout has no prefixed tags: the prefix is not applied to oci: sources', () => {
    expect(legacyTagName('oci:/tmp/l', 'sha256-ab.sig', 'p-')).toBe('sha256-ab.sig');
    expect(legacyTagName('ghcr.io/a/b', 'sha256-ab.sig', 'p-')).toBe('p-sha256-ab.sig');
    expect(legacyTagName('ghcr.io/a/b', 'sha256-ab.sig', undefined)).toBe('sha256-ab.sig');
  });

  test.each(['bad/', '-dash', '.dot', 'a b', 'x'.repeat(54), ''])('%j cannot start a tag', async (p) => {
    const e = await expectFailure(Promise.resolve().then(() => checkTagPrefix(p)));
    expect(e.code).toBe('USAGE');
    expect(e.option).toBe('attachmentTagPrefix');
  });

  test('the library option bag maps the flags onto the run limits, checking the prefix', () => {
    expect(limitsOf({ newBundleFormat: false, attachmentTagPrefix: 'p-' })).toMatchObject({
      cosignFormat: { newBundleFormat: false },
      tagPrefix: 'p-',
    });
    expect('cosignFormat' in limitsOf({})).toBe(false);
    expect(() => limitsOf({ attachmentTagPrefix: 'bad/' })).toThrow(/cannot start a tag/);
  });
});
