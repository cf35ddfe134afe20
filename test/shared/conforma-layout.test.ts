/**
 * A real `cosign save` layout (conforma's acceptance testimage): the image is found through the cosign
 * `kind` annotation, every blob passes its digest check, and the layout pushed byte for byte to a real
 * registry resolves to the same digests there.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { LayoutSource } from '../../src/oci/layout/layout-source.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { pushBlob, pushManifest } from '../../src/oci/registry/push.js';
import { parseManifest } from '../../src/oci/schema.js';
import { digestTag } from '../../src/reference/digest.js';
import { resolveImage } from '../../src/resolve/resolve.js';
import { verifyImages } from '../../src/run/verify-image.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { sharedMissingReason, sharedPath } from '../support/shared-data.js';

const LAYOUT = ['conforma', 'acceptance', 'image', 'testimage'];
const missing = sharedMissingReason(...LAYOUT);
if (missing) console.warn(missing);

const IMAGE = 'sha256:bb2863eb5a15ce3551748cd6aecd40db02c96c0276ae062354b415ad37330fee';
const SIGS = 'sha256:4912946aa9657bed0670396e6b0862038a1294225fac21be92a3938e0c62abe4';
const ATTS = 'sha256:8bd6efa7b156bb334427c63b32d6a484288a205e8cdc468c882275d046f059df';

describe.skipIf(missing !== undefined)('conforma cosign-save layout', () => {
  const path = sharedPath(...LAYOUT);
  const client = new RegistryClient();
  let reg: RunningRegistry;

  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(async () => {
    await client.close();
    await reg?.stop();
  });

  test('oci:PATH selects the image marked kind=dev.cosignproject.cosign/image', async () => {
    const r = await resolveImage(`oci:${path}`, { client });
    expect(r.digest).toBe(IMAGE);
    expect(r.canonical).toBe(`oci:${path}@${IMAGE}`);
  });

  test('every manifest and blob in it passes its digest check', async () => {
    const src = new LayoutSource(path);
    const index = await src.index();
    expect(index.manifests.map((d) => d.digest)).toEqual([IMAGE, SIGS, ATTS]);
    for (const d of index.manifests) {
      const m = await src.getManifest(d.digest);
      const parsed = await parseManifest(m.bytes, m.mediaType, d.digest);
      if (parsed.kind !== 'manifest') throw new Error('expected image manifests');
      for (const b of [parsed.manifest.config, ...parsed.manifest.layers]) {
        expect((await src.getBlob(b.digest)).length).toBe(b.size);
      }
    }
  });

  test('pushed byte for byte under cosign tags, the registry gives back the same digests', async () => {
    const src = new LayoutSource(path);
    const repo = 'conforma/testimage';
    const tags: Record<string, string> = {
      [IMAGE]: 'latest',
      [SIGS]: digestTag(IMAGE, '.sig'),
      [ATTS]: digestTag(IMAGE, '.att'),
    };
    for (const d of (await src.index()).manifests) {
      const m = await src.getManifest(d.digest);
      const parsed = await parseManifest(m.bytes, m.mediaType, d.digest);
      if (parsed.kind !== 'manifest') throw new Error('expected image manifests');
      for (const b of [parsed.manifest.config, ...parsed.manifest.layers])
        await pushBlob(client, reg.host, repo, await src.getBlob(b.digest));
      await pushManifest(client, reg.host, repo, tags[d.digest]!, m.bytes, m.mediaType);
    }
    expect((await resolveImage(`${reg.host}/${repo}:latest`, { client })).digest).toBe(IMAGE);
    expect((await resolveImage(`${reg.host}/${repo}:${digestTag(IMAGE, '.sig')}`, { client })).digest).toBe(
      SIGS,
    );
    expect((await resolveImage(`${reg.host}/${repo}:${digestTag(IMAGE, '.att')}`, { client })).digest).toBe(
      ATTS,
    );
  });

  describe('keyless verification of its .sig (a private Sigstore instance)', () => {
    const identity = {
      identity: 'https://kubernetes.io/namespaces/default/serviceaccounts/default',
      issuer: 'https://kubernetes.default.svc.cluster.local',
    };
    const root = () => {
      const dir = sharedPath('conforma', 'acceptance', 'wiremock', 'recordings', 'tuf', '__files');
      return join(dir, readdirSync(dir).find((f) => f.includes('trusted_root'))!);
    };

    test("passes with that instance's trusted root", async () => {
      const run = await verifyImages([`oci:${path}`], { identity, trustedRoot: root(), client });
      expect(run.exitCode).toBe(ExitCode.OK);
      expect(run.images[0]!.signatures[0]!.identity?.subjectAlternativeName).toBe(identity.identity);
      expect(run.images[0]!.signatures[0]!.tlog).toBeDefined();
    });

    test('fails with the public-good root, another identity, or an unanchored regexp', async () => {
      expect((await verifyImages([`oci:${path}`], { identity, client })).exitCode).toBe(
        ExitCode.NONE_MATCHED,
      );
      const other = await verifyImages([`oci:${path}`], {
        identity: { ...identity, identity: 'https://kubernetes.io/namespaces/other/serviceaccounts/default' },
        trustedRoot: root(),
        client,
      });
      expect(other.exitCode).toBe(ExitCode.NONE_MATCHED);
      const trap = await verifyImages([`oci:${path}`], {
        identity: { identityRegexp: 'kubernetes.io/namespaces/default', issuer: identity.issuer },
        trustedRoot: root(),
        client,
      });
      expect(trap.exitCode).toBe(ExitCode.NONE_MATCHED);
    });
  });
});
