/**
 * cosign's discovery flags on the real binary's artefacts in a real registry: --attachment-tag-prefix
 * on an image cosign signed with that prefix, and --new-bundle-format=true|false narrowing discovery
 * on an image with a legacy .sig (signed by cosign with one key) and a bundle referrer (another key).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { digestTag } from '../../src/reference/digest.js';
import { buildImage } from '../support/image-builder.js';
import { cosignEnv, peer, peersMissingReason } from '../support/peers.js';
import { pushBundleReferrer, pushImage } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import { COSIGN_SIGN_V1, dsseBundle, generateKey, statementFor } from '../support/signing.js';

const missing = peersMissingReason('cosign');

describe.skipIf(missing !== undefined)('cosign discovery flags against cosign-made images', () => {
  let reg: RunningRegistry;
  const client = new RegistryClient({ useDockerConfig: false });
  const work = mkdtempSync(join(tmpdir(), 'tg-cosign-flags-'));
  const env = cosignEnv(work, 'test-password');
  const cosign = (args: string[]) =>
    spawnSync(peer('cosign')!, args, { env, encoding: 'utf8', cwd: work, timeout: 60_000 });
  const legacyKey = join(work, 'k1.pub');
  const bundleKey = join(work, 'bundle.pub');
  const verify = (ref: string, key: string, ...extra: string[]) =>
    // -d lists each registry request on stderr: what discovery read, whatever the output format.
    runCli(['verify', '--key', key, '--insecure-ignore-tlog', '-d', ...extra, ref]);

  async function push(repo: string, seed: string) {
    const img = buildImage({ seed });
    await pushImage(client, reg.host, repo, img, 'v1');
    return { img, ref: `${reg.host}/${repo}@${img.manifest.digest}` };
  }

  function cosignSign(ref: string, extra: string[] = []) {
    const r = cosign([
      'sign',
      '--key',
      join(work, 'k1.key'),
      '--tlog-upload=false',
      '--allow-http-registry',
      '-y',
      ...extra,
      ref,
    ]);
    if (r.status !== 0) throw new Error(`cosign sign failed: ${r.stderr}`);
  }

  beforeAll(async () => {
    reg = await startRegistry();
    execFileSync(peer('cosign')!, ['generate-key-pair', '--output-key-prefix', 'k1'], {
      env,
      cwd: work,
      stdio: 'ignore',
    });
  });

  afterAll(async () => {
    await client.close();
    await reg?.stop();
  });

  test('--attachment-tag-prefix reads the prefixed .sig tag cosign wrote, as cosign verify does', async () => {
    const { img, ref } = await push('prefixed', 'flags-prefixed');
    cosignSign(ref, ['--attachment-tag-prefix', 'team-a-']);
    const tags = await client.repository(reg.host, 'prefixed').listTags();
    expect(tags).toContain(`team-a-${digestTag(img.manifest.digest, '.sig')}`);
    const theirs = cosign([
      'verify',
      '--key',
      legacyKey,
      '--insecure-ignore-tlog',
      '--allow-http-registry',
      '--attachment-tag-prefix',
      'team-a-',
      ref,
    ]);
    expect(theirs.status).toBe(0);
    const ours = verify(ref, legacyKey, '--attachment-tag-prefix', 'team-a-');
    expect(ours.code).toBe(0);
    expect(ours.stderr).toContain(`/manifests/team-a-${digestTag(img.manifest.digest, '.sig')} -> 200`);
    // Without the prefix there is nothing at the usual tag: none found, as cosign finds none.
    expect(verify(ref, legacyKey).code).toBe(10);
    expect(
      cosign(['verify', '--key', legacyKey, '--insecure-ignore-tlog', '--allow-http-registry', ref]).status,
    ).not.toBe(0);
  });

  test('--new-bundle-format=true reads only the bundle, =false only the legacy tag, neither: both', async () => {
    const { img, ref } = await push('both', 'flags-both');
    cosignSign(ref);
    const key = generateKey('p256');
    writeFileSync(bundleKey, key.pem);
    await pushBundleReferrer(
      client,
      reg.host,
      'both',
      img.manifest.digest,
      img.manifest.bytes.length,
      dsseBundle(key, statementFor(img.manifest.digest, COSIGN_SIGN_V1)),
    );
    // Every format by default: either key verifies.
    expect(verify(ref, legacyKey).code).toBe(0);
    expect(verify(ref, bundleKey).code).toBe(0);
    // Only the bundle: the legacy key finds nothing it can verify, and the .sig tag is not read.
    const onlyBundle = verify(ref, legacyKey, '--new-bundle-format');
    expect(onlyBundle.code).toBe(12);
    expect(onlyBundle.stderr).toContain('/referrers/');
    expect(onlyBundle.stderr).not.toMatch(/manifests\/sha256-[0-9a-f]{64}\.sig/);
    expect(verify(ref, bundleKey, '--new-bundle-format=true').code).toBe(0);
    // Only the legacy tag: the bundle key has nothing; the legacy key verifies, as cosign does.
    const onlyLegacy = verify(ref, bundleKey, '--new-bundle-format=false');
    expect(onlyLegacy.code).toBe(12);
    expect(onlyLegacy.stderr).toContain('.sig -> 200');
    expect(onlyLegacy.stderr).not.toContain('/referrers/');
    expect(verify(ref, legacyKey, '--new-bundle-format=false').code).toBe(0);
    expect(
      cosign([
        'verify',
        '--key',
        legacyKey,
        '--insecure-ignore-tlog',
        '--allow-http-registry',
        '--new-bundle-format=false',
        ref,
      ]).status,
    ).toBe(0);
  });
});
