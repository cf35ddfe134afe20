/**
 * Hostile OCI layouts that cost time and memory rather than trust: duplicated entries, too many
 * entries, deep nesting, and more bytes than a layout may make us read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { LayoutSource, REF_NAME_ANNOTATION } from '../../src/oci/layout/layout-source.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import type { Descriptor } from '../../src/oci/schema.js';
import { sha256Digest } from '../../src/reference/digest.js';
import { resolveImage } from '../../src/resolve/resolve.js';
import { expectFailure } from '../support/expect-failure.js';
import { type Blob, buildImage, descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tg-layout-bounds-'));
  dirs.push(d);
  return d;
}

const a = buildImage({ seed: 'layout-bounds' });
const tagged = descriptorOf(a.manifest, { annotations: { [REF_NAME_ANNOTATION]: 'v1' } });
const client = new RegistryClient({ useDockerConfig: false });

function blobOf(json: unknown, mediaType: string): Blob {
  const bytes = Buffer.from(JSON.stringify(json));
  return { digest: sha256Digest(bytes), bytes, mediaType };
}

/** An artifact manifest whose subject is `a`, padded to about `padBytes`. */
function referrer(seed: string, padBytes = 0): Blob {
  return blobOf(
    {
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      artifactType: 'application/vnd.example+json',
      config: descriptorOf(a.config),
      layers: [descriptorOf(a.layers[0]!)],
      subject: descriptorOf(a.manifest),
      annotations: { seed, pad: 'x'.repeat(padBytes) },
    },
    MediaType.OCI_MANIFEST,
  );
}

function indexOf(children: Descriptor[]): Blob {
  return blobOf(
    { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: children },
    MediaType.OCI_INDEX,
  );
}

describe('layout bounds', () => {
  test('index.json listing one 4 MB manifest 9,000 times reads and hashes it once', async () => {
    const dir = tmp();
    const big = referrer('big', 4 * 1024 * 1024 - 2048);
    expect(big.bytes.length).toBeGreaterThan(4_000_000);
    writeLayout(dir, [...a.blobs, big], [tagged, ...Array.from({ length: 9000 }, () => descriptorOf(big))]);
    const src = new LayoutSource(dir);
    const started = Date.now();
    const r = await src.referrers(a.manifest.digest);
    expect(r.descriptors.map((d) => d.digest)).toEqual([big.digest]);
    // oci-layout, index.json and the big manifest: once each.
    expect(src.counters.files).toBe(3);
    expect(src.counters.bytes).toBeLessThan(big.bytes.length + 2 * 1024 * 1024);
    // A second scan (verify looks for .sig, .att and referrers) reads nothing more.
    await src.referrers(a.manifest.digest);
    expect(src.counters.files).toBe(3);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await resolveImage(`oci:${dir}:v1`, { client })).digest).toBe(a.manifest.digest);
  });

  test('an index.json with more than 10,000 entries is refused with COUNT_LIMIT before any read', async () => {
    const dir = tmp();
    const many = Array.from({ length: 10_001 }, (_, i) =>
      descriptorOf(a.manifest, { digest: sha256Digest(Buffer.from(String(i))) }),
    );
    writeLayout(dir, a.blobs, [tagged, ...many]);
    const e = await expectFailure(resolveImage(`oci:${dir}:v1`, { client }));
    expect(e.code).toBe('COUNT_LIMIT');
    expect(e.message).toContain('index.json lists 10002 manifests, over the limit of 10000');
  });

  test('distinct manifests reachable through nested indexes are counted together', async () => {
    const dir = tmp();
    const refs = Array.from({ length: 30 }, (_, i) => referrer(`r${i}`));
    const idx1 = indexOf(refs.slice(0, 15).map((r) => descriptorOf(r)));
    const idx2 = indexOf(refs.slice(15).map((r) => descriptorOf(r)));
    writeLayout(dir, [...a.blobs, ...refs, idx1, idx2], [tagged, descriptorOf(idx1), descriptorOf(idx2)]);
    expect((await new LayoutSource(dir).referrers(a.manifest.digest)).descriptors).toHaveLength(30);
    const e = await expectFailure(
      new LayoutSource(dir, {}, { maxIndexEntries: 20 }).referrers(a.manifest.digest),
    );
    expect(e.code).toBe('COUNT_LIMIT');
    expect(e.message).toContain('more than 20 distinct manifests');
  });

  test('the bytes read from one layout are bounded by its budget', async () => {
    const dir = tmp();
    const refs = Array.from({ length: 20 }, (_, i) => referrer(`b${i}`, 16 * 1024));
    writeLayout(dir, [...a.blobs, ...refs], [tagged, ...refs.map((r) => descriptorOf(r))]);
    const src = new LayoutSource(dir, {}, { maxTotalBytes: 128 * 1024 });
    const e = await expectFailure(src.referrers(a.manifest.digest));
    expect(e.code).toBe('SIZE_LIMIT');
    expect(e.message).toContain('over the 131072-byte budget');
    expect(src.counters.bytes).toBeLessThanOrEqual(128 * 1024);
    // And the count of files read, separately.
    const few = new LayoutSource(dir, {}, { maxFileReads: 5 });
    expect((await expectFailure(few.referrers(a.manifest.digest))).code).toBe('COUNT_LIMIT');
  });

  test('a deeply nested index is refused; a shallow one is walked, each digest once', async () => {
    const dir = tmp();
    const r = referrer('deep');
    // A diamond two levels down: both branches list the same referrer, which is read once.
    const left = indexOf([descriptorOf(r)]);
    const right = indexOf([descriptorOf(r), descriptorOf(left)]);
    const top = indexOf([descriptorOf(left), descriptorOf(right)]);
    // A chain nine indexes deep, with the referrer at the bottom.
    const chain: Blob[] = [indexOf([descriptorOf(r)])];
    for (let i = 0; i < 8; i++) chain.push(indexOf([descriptorOf(chain[chain.length - 1]!)]));
    const blobs = [...a.blobs, r, left, right, top, ...chain];

    writeLayout(dir, blobs, [tagged, descriptorOf(top)]);
    const shallow = new LayoutSource(dir);
    expect((await shallow.referrers(a.manifest.digest)).descriptors.map((d) => d.digest)).toEqual([r.digest]);
    // oci-layout, index.json, top, left, right, r
    expect(shallow.counters.files).toBe(6);

    writeFileSync(
      join(dir, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [tagged, descriptorOf(chain.at(-1)!)] }),
    );
    const e = await expectFailure(new LayoutSource(dir).referrers(a.manifest.digest));
    expect(e.code).toBe('COUNT_LIMIT');
    expect(e.message).toContain('nested more than 8 levels below index.json');
  });
});
