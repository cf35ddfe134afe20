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
