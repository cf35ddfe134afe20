/**
 * cosign's real v0.3 referrer bundle (oci-attestation.sigstore.json), attached to go-containerregistry's
 * empty image rebuilt byte for byte in a real registry: discovery finds it through the tag fallback, it
 * is an attestation (never a signature), and it verifies keyless against the public-good root.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { discover } from '../../src/discovery/discover.js';
import { ExitCode } from '../../src/exit-codes.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { pushBlob, pushManifest } from '../../src/oci/registry/push.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { resolveImage } from '../../src/resolve/resolve.js';
import { verifyImages } from '../../src/run/verify-image.js';
import { identityPolicy } from '../../src/trust/identity.js';
import { embeddedPublicGoodRoot } from '../../src/trust/roots.js';
import { verifyBundleJson } from '../../src/verify/bundle-verify.js';
import { pushBundleReferrer } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { sharedMissingReason, sharedPath } from '../support/shared-data.js';

const FILE = ['cosign', 'pkg', 'cosign', 'testdata', 'oci-attestation.sigstore.json'];
const missing = sharedMissingReason(...FILE);
if (missing) console.warn(missing);

const EMPTY_IMAGE = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';
const CODY = { identity: 'cody@soyland.com', issuer: 'https://github.com/login/oauth' };

describe.skipIf(missing !== undefined)('a real cosign 3 referrer bundle', () => {
  let reg: RunningRegistry;
  const client = new RegistryClient({ useDockerConfig: false });
  const bundle = () => readFileSync(sharedPath(...FILE));

  beforeAll(async () => {
    reg = await startRegistry();
    // go-containerregistry's empty.Image, whose digest the bundle's statement names.
    const config = Buffer.from(
      '{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}',
    );
    const cd = await pushBlob(client, reg.host, 'empty', config);
    const manifest = Buffer.from(
      `{"schemaVersion":2,"mediaType":"${MediaType.DOCKER_MANIFEST}","config":{"mediaType":"${MediaType.DOCKER_CONFIG}","size":${config.length},"digest":"${cd}"},"layers":[]}`,
    );
    expect(sha256Digest(manifest)).toBe(EMPTY_IMAGE);
    await pushManifest(client, reg.host, 'empty', 'latest', manifest, MediaType.DOCKER_MANIFEST);
    await pushBundleReferrer(client, reg.host, 'empty', EMPTY_IMAGE as Digest, manifest.length, bundle());
  });
  afterAll(async () => {
    await client.close();
    await reg?.stop();
  });

  test('discovery finds it through the referrers tag fallback', async () => {
    const image = await resolveImage(`${reg.host}/empty:latest`, { client });
    expect(image.digest).toBe(EMPTY_IMAGE);
    const d = await discover(image.source, image.digest);
    expect(d.bundles).toHaveLength(1);
    expect(Buffer.from(d.bundles[0]!.bytes).equals(bundle())).toBe(true);
  });

  test('it is an attestation, so verify finds no signature (exit 10) and says why', async () => {
    const run = await verifyImages([`${reg.host}/empty:latest`], { identity: CODY, client });
    expect(run.exitCode).toBe(ExitCode.NO_SIGNATURES);
    expect(run.images[0]!.notSignatures[0]).toMatchObject({
      predicateType: 'https://cosign.sigstore.dev/attestation/v1',
      note: 'an attestation, not a signature',
    });
  });

  test('the bundle itself verifies keyless for cody@soyland.com, and not for another identity', () => {
    const sha256 = Buffer.from(EMPTY_IMAGE.slice(7), 'hex');
    const json = JSON.parse(bundle().toString('utf8'));
    const ok = verifyBundleJson(
      json,
      { sha256 },
      { identity: identityPolicy(CODY) },
      embeddedPublicGoodRoot(),
    );
    expect(ok).toMatchObject({ ok: true });
    const other = verifyBundleJson(
      json,
      { sha256 },
      { identity: identityPolicy({ ...CODY, identity: 'mallory@example.com' }) },
      embeddedPublicGoodRoot(),
    );
    expect(other.ok).toBe(false);
  });
});
