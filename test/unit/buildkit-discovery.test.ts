/**
 * discovery/buildkit.ts on indexes shaped as BuildKit writes them: each attestation is attached to the
 * child its vnd.docker.reference.digest names, and anything that does not describe a child of the
 * index (or whose statement is about another digest, or whose annotation lies) is set aside.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type BuildkitOptions, discoverBuildkit } from '../../src/discovery/buildkit.js';
import { LayoutSource, REF_NAME_ANNOTATION } from '../../src/oci/layout/layout-source.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import type { Digest } from '../../src/reference/digest.js';
import { sha256Digest } from '../../src/reference/digest.js';
import { resolveImage } from '../../src/resolve/resolve.js';
import { checkBuildkitStatements } from '../../src/verify/buildkit.js';
import {
  type BuiltBuildkitIndex,
  buildBuildkitIndex,
  buildkitStatement,
  SLSA_V1,
  SLSA_V02,
  SPDX,
} from '../support/buildkit-builder.js';
import { expectFailure } from '../support/expect-failure.js';
import { descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };

function layoutOf(built: BuiltBuildkitIndex): { dir: string; source: LayoutSource } {
  const dir = mkdtempSync(join(tmpdir(), 'tg-buildkit-'));
  dirs.push(dir);
  writeLayout(dir, built.blobs, [
    descriptorOf(built.index, { annotations: { [REF_NAME_ANNOTATION]: 'v1' } }),
  ]);
  return { dir, source: new LayoutSource(dir) };
}

/** Discovery, then the statement checks, as run/buildkit.ts combines them. */
async function read(source: LayoutSource, index: Digest, options: BuildkitOptions = {}) {
  const found = await discoverBuildkit(source, index, options);
  return found && checkBuildkitStatements(found);
}

describe('BuildKit attestations in an index', () => {
  test.each([
    'legacy',
    'artifact',
  ] as const)('%s form: each attestation is listed under the child it names, by annotation, without reading statements', async (form) => {
    const built = buildBuildkitIndex({
      seed: `bk-${form}`,
      name: 'reg/app:v1',
      platforms: [amd64, arm64],
      form,
    });
    const { source } = layoutOf(built);
    const found = (await discoverBuildkit(source, built.index.digest))!;
    expect(found.children).toEqual(
      built.images.map((i) => ({
        digest: i.manifest.digest,
        platform: `${i.platform.os}/${i.platform.architecture}`,
      })),
    );
    expect(found.ignored).toEqual([]);
    expect(found.attestations.map((a) => [a.platform, a.predicateType, a.typeSource, a.bytes])).toEqual([
      ['linux/amd64', SLSA_V02, 'annotation', undefined],
      ['linux/amd64', SPDX, 'annotation', undefined],
      ['linux/arm64', SLSA_V02, 'annotation', undefined],
      ['linux/arm64', SPDX, 'annotation', undefined],
    ]);
    expect(found.attestations[2]!.child).toBe(built.images[1]!.manifest.digest);
  });

  test('statements asked for are read, digest-checked, and parsed; only those of the child asked for', async () => {
    const built = buildBuildkitIndex({
      seed: 'bk-read',
      name: 'reg/app:v1',
      platforms: [amd64, arm64],
      form: 'artifact',
    });
    const { source } = layoutOf(built);
    const child = built.images[1]!.manifest.digest;
    const found = (await read(source, built.index.digest, {
      child,
      read: (t) => t === SLSA_V02,
    }))!;
    expect(found.attestations.map((a) => [a.child, a.predicateType, a.typeSource])).toEqual([
      [child, SLSA_V02, 'statement (unsigned)'],
      [child, SPDX, 'annotation'],
    ]);
    const first = found.attestations[0]!;
    expect(sha256Digest(first.bytes!)).toBe(first.layer);
    expect(first.statement?.subject[0]?.name).toBe('pkg:docker/reg/app@v1?platform=linux%2Farm64');
  });

  test('an attestation manifest naming a digest that is no image of the index is ignored, with the reason', async () => {
    const built = buildBuildkitIndex({
      seed: 'bk-orphan',
      name: 'reg/app:v1',
      platforms: [amd64],
      orphan: true,
    });
    const { source } = layoutOf(built);
    const found = (await read(source, built.index.digest, { read: () => true }))!;
    expect(found.attestations.map((a) => a.child)).toEqual([
      built.images[0]!.manifest.digest,
      built.images[0]!.manifest.digest,
    ]);
    const stray = built.attestations[1]!;
    expect(found.ignored).toEqual([
      {
        manifest: stray.manifest.digest,
        names: stray.child,
        reason: `its vnd.docker.reference.digest names ${stray.child}, which is no image of this index`,
      },
    ]);
  });

  test('a statement about another digest, or under a lying annotation, is attached to nothing', async () => {
    const built = buildBuildkitIndex({
      seed: 'bk-lies',
      name: 'reg/app:v1',
      platforms: [amd64],
      attest: () => [SLSA_V02, SPDX],
    });
    // Rewrite the two layers: one statement about another digest, one whose annotation claims SLSA v1.
    const other = sha256Digest(Buffer.from('another image'));
    const att = built.attestations[0]!;
    const [, , l0, l1] = att.blobs;
    const swapped = buildkitStatement(SLSA_V02, 'x', other, 's');
    const lying = buildkitStatement(SPDX, 'x', built.images[0]!.manifest.digest, 's');
    const m = JSON.parse(Buffer.from(att.manifest.bytes).toString());
    const blobOf = (b: Buffer) => ({
      digest: sha256Digest(b),
      bytes: b,
      mediaType: 'application/vnd.in-toto+json',
    });
    m.layers[0] = { ...m.layers[0], digest: sha256Digest(swapped), size: swapped.length };
    m.layers[1] = {
      ...m.layers[1],
      digest: sha256Digest(lying),
      size: lying.length,
      annotations: { 'in-toto.io/predicate-type': SLSA_V1 },
    };
    const mBytes = Buffer.from(JSON.stringify(m));
    const idx = JSON.parse(Buffer.from(built.index.bytes).toString());
    idx.manifests[1] = { ...idx.manifests[1], digest: sha256Digest(mBytes), size: mBytes.length };
    const iBytes = Buffer.from(JSON.stringify(idx));
    const rebuilt: BuiltBuildkitIndex = {
      ...built,
      index: { digest: sha256Digest(iBytes), bytes: iBytes, mediaType: built.index.mediaType },
      blobs: [
        ...built.blobs.filter((b) => b !== l0 && b !== l1),
        blobOf(swapped),
        blobOf(lying),
        { digest: sha256Digest(mBytes), bytes: mBytes, mediaType: att.manifest.mediaType },
        { digest: sha256Digest(iBytes), bytes: iBytes, mediaType: built.index.mediaType },
      ],
    };
    const { source } = layoutOf(rebuilt);
    const found = (await read(source, rebuilt.index.digest, { read: () => true }))!;
    expect(found.attestations).toEqual([]);
    expect(found.ignored.map((x) => x.reason)).toEqual([
      `the statement's subject does not name ${built.images[0]!.manifest.digest}`,
      `its annotation says ${SLSA_V1} but the statement's predicateType is ${SPDX}`,
    ]);
  });

  test('more attestation manifests than the referrer limit is refused', async () => {
    const built = buildBuildkitIndex({ seed: 'bk-many', name: 'reg/app:v1', platforms: [amd64, arm64] });
    const { source } = layoutOf(built);
    const e = await expectFailure(
      discoverBuildkit(source, built.index.digest, { limits: { maxReferrers: 1 } }),
    );
    expect(e.message).toMatch(/lists 2 BuildKit attestation manifests, over the limit of 1/);
  });

  test('a single image (no index) has none; --platform never selects an attestation manifest', async () => {
    const built = buildBuildkitIndex({ seed: 'bk-plat', name: 'reg/app:v1', platforms: [amd64] });
    const { dir, source } = layoutOf(built);
    expect(await discoverBuildkit(source, built.images[0]!.manifest.digest)).toBeUndefined();
    const client = new RegistryClient();
    const e = await expectFailure(resolveImage(`oci:${dir}:v1`, { client, platform: 'unknown/unknown' }));
    expect(e.message).toMatch(/has no unknown\/unknown image/);
    expect(e.hint).toBe('available: linux/amd64');
    const child = await resolveImage(`oci:${dir}:v1`, { client, platform: 'linux/amd64' });
    expect(child.index).toBe(built.index.digest);
  });
});
