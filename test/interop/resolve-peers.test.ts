/** trustgate resolve agrees with oras and skopeo (real binaries from Debian 13) on the same registry. */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { resolveImage } from '../../src/resolve/resolve.js';
import { buildImage, buildIndex } from '../support/image-builder.js';
import { peer, peersMissingReason, skopeoDigestArgs } from '../support/peers.js';
import { pushImage, pushIndex } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';

const missing = peersMissingReason('oras', 'skopeo');
if (missing) console.warn(`interop suite skipped: ${missing}`);

describe.skipIf(missing !== undefined)('resolve agrees with oras and skopeo', () => {
  let reg: RunningRegistry;
  const client = new RegistryClient();
  const single = buildImage({ seed: 'peer-single' });
  const idx = buildIndex('peer-multi', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ]);

  beforeAll(async () => {
    reg = await startRegistry();
    await pushImage(client, reg.host, 'peer/app', single, 'single');
    await pushIndex(client, reg.host, 'peer/app', idx, 'multi');
  });
  afterAll(async () => {
    await client.close();
    await reg?.stop();
  });

  test.each(['single', 'multi'])('oras resolve gives the same digest for :%s', async (tag) => {
    const ours = await resolveImage(`${reg.host}/peer/app:${tag}`, { client });
    const theirs = execFileSync(peer('oras')!, ['resolve', '--plain-http', `${reg.host}/peer/app:${tag}`], {
      encoding: 'utf8',
    }).trim();
    expect(ours.digest).toBe(theirs);
  });

  test('oras resolve --platform agrees with --platform', async () => {
    const ours = await resolveImage(`${reg.host}/peer/app:multi`, { client, platform: 'linux/arm64' });
    const theirs = execFileSync(
      peer('oras')!,
      ['resolve', '--plain-http', '--platform', 'linux/arm64', `${reg.host}/peer/app:multi`],
      {
        encoding: 'utf8',
      },
    ).trim();
    expect(ours.digest).toBe(theirs);
  });

  test('skopeo inspect gives the same digest for a single-platform image', async () => {
    const ours = await resolveImage(`${reg.host}/peer/app:single`, { client });
    const theirs = execFileSync(peer('skopeo')!, skopeoDigestArgs(`${reg.host}/peer/app:single`), {
      encoding: 'utf8',
    }).trim();
    expect(ours.digest).toBe(theirs);
  });
});

describe.skipIf(peersMissingReason('oras', 'cosign') !== undefined)(
  'legacy ORAS attachments beside cosign data',
  () => {
    test('tree reports an `oras attach` SBOM as an unsigned attachment; verify never counts it', async () => {
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const { listAttachments } = await import('../../src/run/list-attachments.js');
      const { verifyImages } = await import('../../src/run/verify-image.js');
      const reg2 = await startRegistry();
      const c = new RegistryClient();
      try {
        const img = buildImage({ seed: 'oras-attach' });
        await pushImage(c, reg2.host, 'vendor/app', img, 'v1');
        const work = mkdtempSync(join(tmpdir(), 'tg-oras-'));
        writeFileSync(join(work, 'sbom.json'), '{"bomFormat":"CycloneDX"}');
        execFileSync(
          peer('oras')!,
          [
            'attach',
            '--plain-http',
            '--artifact-type',
            'application/aa.trivy.sbom',
            `${reg2.host}/vendor/app@${img.manifest.digest}`,
            'sbom.json',
          ],
          { cwd: work, stdio: 'ignore' },
        );
        const list = await listAttachments(`${reg2.host}/vendor/app:v1`, { client: c });
        expect(list.unsigned.map((u) => u.artifactType)).toEqual(['application/aa.trivy.sbom']);
        expect(list.signatures).toEqual([]);
        const keyDir = mkdtempSync(join(tmpdir(), 'tg-oras-key-'));
        const { generateKey } = await import('../support/signing.js');
        writeFileSync(join(keyDir, 'k.pub'), generateKey('p256').pem);
        const run = await verifyImages([`${reg2.host}/vendor/app:v1`], {
          keys: [join(keyDir, 'k.pub')],
          ignoreTlog: true,
          client: c,
        });
        expect(run.exitCode).toBe(10);
        expect(run.images[0]!.message).toContain('none a signature');
        // extract refuses it unless asked, and then marks it UNVERIFIED.
        const { spawnSync } = await import('node:child_process');
        const { repoRoot } = await import('../support/repo-root.js');
        const cli = (extra: string[]) =>
          spawnSync(
            process.execPath,
            [
              join(repoRoot(), 'bin', 'trustgate.js'),
              'extract',
              '--type',
              'application/aa.trivy.sbom',
              '--key',
              join(keyDir, 'k.pub'),
              '--insecure-ignore-tlog',
              ...extra,
              `${reg2.host}/vendor/app:v1`,
            ],
            { encoding: 'utf8' },
          );
        const refused = cli([]);
        expect(refused.status).toBe(10);
        expect(refused.stdout).toBe('');
        const allowed = cli(['--allow-unverified']);
        expect(allowed.status).toBe(0);
        expect(allowed.stdout).toBe('{"bomFormat":"CycloneDX"}');
        expect(allowed.stderr).toContain('UNVERIFIED');
      } finally {
        await c.close();
        await reg2.stop();
      }
    });
  },
);
