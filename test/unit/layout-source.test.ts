import { mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { LayoutSource, REF_NAME_ANNOTATION } from '../../src/oci/layout/layout-source.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { digestHex, sha256Digest } from '../../src/reference/digest.js';
import { resolveImage } from '../../src/resolve/resolve.js';
import { expectFailure } from '../support/expect-failure.js';
import { buildImage, buildIndex, descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tg-layout-'));
  dirs.push(d);
  return d;
}

const a = buildImage({ seed: 'layout-a' });
const b = buildImage({ seed: 'layout-b' });
const tagged = (img: typeof a, tag: string) =>
  descriptorOf(img.manifest, { annotations: { [REF_NAME_ANNOTATION]: tag } });

const client = new RegistryClient();

describe('OCI image layout source', () => {
  test('resolves by tag, by digest, and the only image when no tag is given', async () => {
    const dir = tmp();
    writeLayout(dir, a.blobs, [tagged(a, 'v1')]);
    expect((await resolveImage(`oci:${dir}:v1`, { client })).digest).toBe(a.manifest.digest);
    expect((await resolveImage(`oci:${dir}@${a.manifest.digest}`, { client })).canonical).toBe(
      `oci:${dir}@${a.manifest.digest}`,
    );
    expect((await resolveImage(`oci:${dir}`, { client })).digest).toBe(a.manifest.digest);
  });

  test('two images and no tag is an error that lists the tags', async () => {
    const dir = tmp();
    writeLayout(dir, [...a.blobs, ...b.blobs], [tagged(a, 'v1'), tagged(b, 'v2')]);
    const e = await expectFailure(resolveImage(`oci:${dir}`, { client }));
    expect(e.message).toContain('holds 2 images');
    expect(e.hint).toContain('v1');
    const t = await expectFailure(resolveImage(`oci:${dir}:v3`, { client }));
    expect(t.code).toBe('MANIFEST_UNKNOWN');
  });

  test('multi-arch index in a layout resolves to the index, or a child with --platform', async () => {
    const dir = tmp();
    const idx = buildIndex('layout-multi', [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
    writeLayout(dir, idx.blobs, [
      descriptorOf(idx.index, { annotations: { [REF_NAME_ANNOTATION]: 'multi' } }),
    ]);
    expect((await resolveImage(`oci:${dir}:multi`, { client })).digest).toBe(idx.index.digest);
    const arm = await resolveImage(`oci:${dir}:multi`, { client, platform: 'linux/arm64' });
    expect(arm.digest).toBe(idx.images[1]!.manifest.digest);
  });

  test('a tampered blob fails its digest check', async () => {
    const dir = tmp();
    writeLayout(dir, a.blobs, [tagged(a, 'v1')]);
    const layerPath = join(dir, 'blobs', 'sha256', digestHex(a.layers[0]!.digest));
    writeFileSync(layerPath, 'tampered');
    const e = await expectFailure(new LayoutSource(dir).getBlob(a.layers[0]!.digest));
    expect(e.code).toBe('DIGEST_MISMATCH');
  });

  test('a tampered manifest fails even when index.json names it', async () => {
    const dir = tmp();
    writeLayout(dir, a.blobs, [tagged(a, 'v1')]);
    writeFileSync(join(dir, 'blobs', 'sha256', digestHex(a.manifest.digest)), b.manifest.bytes);
    const r = await resolveImage(`oci:${dir}:v1`, { client });
    const e = await expectFailure(r.source.getManifest(r.digest));
    expect(e.code).toBe('DIGEST_MISMATCH');
  });

  test('a blob that is a symlink out of the layout is refused', async () => {
    const dir = tmp();
    const outside = tmp();
    writeLayout(dir, a.blobs, [tagged(a, 'v1')]);
    const secret = join(outside, 'secret');
    writeFileSync(secret, readFileSync(join(dir, 'blobs', 'sha256', digestHex(a.layers[0]!.digest))));
    const layerPath = join(dir, 'blobs', 'sha256', digestHex(a.layers[0]!.digest));
    unlinkSync(layerPath);
    symlinkSync(secret, layerPath);
    const e = await expectFailure(new LayoutSource(dir).getBlob(a.layers[0]!.digest));
    expect(e.code).toBe('LAYOUT_PATH_ESCAPE');
  });

  test('a digest that is not sha256 hex cannot become a path', async () => {
    const dir = tmp();
    writeLayout(dir, a.blobs, [tagged(a, 'v1')]);
    const e = await expectFailure(new LayoutSource(dir).getBlob('sha256:../../../etc/passwd' as never));
    expect(e.code).toBe('DIGEST_INVALID');
  });

  test('a folder that is not a layout says so', async () => {
    const e = await expectFailure(resolveImage(`oci:${tmp()}`, { client }));
    expect(e.code).toBe('LAYOUT_INVALID');
    const missing = await expectFailure(resolveImage('oci:/nonexistent/trustgate/layout', { client }));
    expect(missing.code).toBe('LAYOUT_INVALID');
    expect(missing.hint).toContain('oci-layout');
  });

  test('an oversized index.json is refused', async () => {
    const dir = tmp();
    writeLayout(dir, a.blobs, [tagged(a, 'v1')]);
    writeFileSync(join(dir, 'index.json'), Buffer.alloc(5 * 1024 * 1024, 0x20));
    const e = await expectFailure(resolveImage(`oci:${dir}:v1`, { client }));
    expect(e.code).toBe('SIZE_LIMIT');
  });

  test('referrers are found by subject, and through a sha256-<hex> tag index', async () => {
    const dir = tmp();
    const art = buildImage({ seed: 'layout-artifact' });
    const artifactJson = {
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      artifactType: 'application/vnd.example+json',
      config: descriptorOf(art.config),
      layers: [descriptorOf(art.layers[0]!)],
      subject: descriptorOf(a.manifest),
    };
    const bytes = Buffer.from(JSON.stringify(artifactJson));
    const artifact = { digest: sha256Digest(bytes), bytes, mediaType: MediaType.OCI_MANIFEST };
    writeLayout(dir, [...a.blobs, ...art.blobs, artifact], [tagged(a, 'v1'), descriptorOf(artifact)]);
    const src = new LayoutSource(dir);
    const r = await src.referrers(a.manifest.digest);
    expect(r.descriptors.map((d) => [d.digest, d.artifactType])).toEqual([
      [artifact.digest, 'application/vnd.example+json'],
    ]);
    expect((await src.referrers(a.manifest.digest, { artifactType: 'other' })).descriptors).toEqual([]);
    expect((await src.referrers(b.manifest.digest)).descriptors).toEqual([]);
  });
});
