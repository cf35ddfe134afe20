/**
 * Keyless verification end to end, offline: images in a real registry signed by a throwaway Fulcio-like
 * CA (GitHub-style claims), logged in a throwaway Rekor-like log, in both cosign formats (legacy `.sig`
 * with certificate/chain/bundle annotations, and v0.3 bundle referrers). Every failing case fails for
 * its own reason.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CosignAnnotation } from '../../src/discovery/media-types.js';
import { ExitCode } from '../../src/exit-codes.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { type VerifyOptions, verifyImages } from '../../src/run/verify-image.js';
import { GITHUB_V1_CLAIMS } from '../../src/trust/claims.js';
import type { IdentityPolicyInput } from '../../src/trust/identity.js';
import { simpleSigningPayload } from '../support/cosign-sig.js';
import { buildImage } from '../support/image-builder.js';
import { type KeylessIdentity, type KeylessWorld, keylessWorld } from '../support/keyless.js';
import { pushBundleReferrer, pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { COSIGN_SIGN_V1, statementFor } from '../support/signing.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/org/repo/.github/workflows/release.yml';
const release = (ref: string): KeylessIdentity => ({
  san: `${WORKFLOW}@${ref}`,
  issuer: ISSUER,
  claims: {
    [GITHUB_V1_CLAIMS['github-workflow-ref']]: ref,
    [GITHUB_V1_CLAIMS['github-workflow-repository']]: 'org/repo',
    [GITHUB_V1_CLAIMS['github-workflow-trigger']]: 'push',
    '1.3.6.1.4.1.57264.1.14': ref, // sourceRepositoryRef (DER UTF8String)
    '1.3.6.1.4.1.57264.1.12': 'https://github.com/org/repo', // sourceRepositoryURI
  },
});
const TAG = 'refs/tags/v1.2.3';
const TAGS_ONLY = `^${WORKFLOW.replace(/\./g, '\\.')}@refs/tags/v[0-9]+\\.[0-9]+\\.[0-9]+$`;

describe('keyless verification (offline throwaway PKI)', () => {
  let reg: RunningRegistry;
  let world: KeylessWorld;
  const client = new RegistryClient({ useDockerConfig: false });
  const work = mkdtempSync(join(tmpdir(), 'tg-keyless-'));
  const rootFile = join(work, 'trusted_root.json');
  const refs: Record<string, string> = {};

  async function legacyImage(
    name: string,
    sign: (
      payload: Buffer,
    ) => Promise<{ certificate: string; chain: string; signature: string; rekorBundle: string }>,
    mutate?: (a: Record<string, string>) => void,
  ) {
    const img = buildImage({ seed: `keyless-${name}` });
    await reg.push(`keyless/${name}`, img, 'v1');
    const payload = simpleSigningPayload(img.manifest.digest, `${reg.host}/keyless/${name}`);
    const s = await sign(payload);
    const annotations: Record<string, string> = {
      [CosignAnnotation.SIGNATURE]: s.signature,
      [CosignAnnotation.CERTIFICATE]: s.certificate,
      [CosignAnnotation.CHAIN]: s.chain,
      [CosignAnnotation.BUNDLE]: s.rekorBundle,
    };
    mutate?.(annotations);
    await pushSig(client, reg.host, `keyless/${name}`, img.manifest.digest, [{ payload, annotations }]);
    refs[name] = `${reg.host}/keyless/${name}:v1`;
  }

  beforeAll(async () => {
    reg = await startRegistry();
    world = await keylessWorld();
    writeFileSync(rootFile, world.trustedRootJson);
    await legacyImage('good', (p) => world.signLegacy(p, release(TAG)));
    await legacyImage('heads', (p) => world.signLegacy(p, release('refs/heads/main')));
    const foreign = await keylessWorld();
    await legacyImage('foreign-ca', (p) => foreign.signLegacy(p, release(TAG)));
    await legacyImage('foreign-log', (p) => world.signLegacy(p, release(TAG), { tlog: foreign.tlog }));
    const past = new Date(Date.now() - 3600_000);
    const expired = await keylessWorld({ certClock: past });
    // Same CA as `world` is not possible across instances; this world's own root is trusted below.
    await legacyImage('expired', async (p) => {
      const s = await expired.signLegacy(p, release(TAG));
      return s;
    });
    writeFileSync(join(work, 'expired_root.json'), expired.trustedRootJson);
    await legacyImage(
      'set-altered',
      (p) => world.signLegacy(p, release(TAG)),
      (a) => {
        const b = JSON.parse(a[CosignAnnotation.BUNDLE]!);
        b.Payload.logIndex += 1;
        a[CosignAnnotation.BUNDLE] = JSON.stringify(b);
      },
    );
    const bundleImg = buildImage({ seed: 'keyless-bundle' });
    await reg.push('keyless/bundle', bundleImg, 'v1');
    const bundle = await world.signBundle(
      statementFor(bundleImg.manifest.digest, COSIGN_SIGN_V1),
      release(TAG),
    );
    await pushBundleReferrer(
      client,
      reg.host,
      'keyless/bundle',
      bundleImg.manifest.digest,
      bundleImg.manifest.bytes.length,
      bundle,
    );
    refs.bundle = `${reg.host}/keyless/bundle:v1`;
  });
  afterAll(async () => {
    await client.close();
    await reg?.stop();
  });

  async function verify(name: string, identity: IdentityPolicyInput, extra: Partial<VerifyOptions> = {}) {
    const run = await verifyImages([refs[name]!], { identity, trustedRoot: rootFile, client, ...extra });
    return {
      code: run.exitCode,
      reason: run.images[0]!.signatures.map((s) => s.reason ?? '').join('; '),
      run,
    };
  }
  const exact = { identity: `${WORKFLOW}@${TAG}`, issuer: ISSUER };

  test('the right identity passes, in both formats, and the verdict names the signer', async () => {
    for (const name of ['good', 'bundle']) {
      const r = await verify(name, exact);
      expect(r.code, `${name}: ${r.reason}`).toBe(ExitCode.OK);
      expect(r.run.images[0]!.signatures[0]!.identity).toMatchObject({
        subjectAlternativeName: `${WORKFLOW}@${TAG}`,
        issuer: ISSUER,
        // Fulcio claims by name, for policy conditions and audit records.
        claims: { sourceRepositoryRef: TAG, issuer: ISSUER },
      });
    }
  });

  test('a tags-only release regexp passes for a tag and fails for refs/heads', async () => {
    expect((await verify('good', { identityRegexp: TAGS_ONLY, issuer: ISSUER })).code).toBe(ExitCode.OK);
    const heads = await verify('heads', { identityRegexp: TAGS_ONLY, issuer: ISSUER });
    expect(heads.code).toBe(ExitCode.NONE_MATCHED);
    expect(heads.reason).toContain('refs/heads/main');
  });

  test('wrong SAN, wrong issuer, and a regexp that matches only unanchored all fail', async () => {
    const san = await verify('good', { ...exact, identity: `${WORKFLOW}@refs/tags/v9.9.9` });
    expect(san.reason).toContain(
      'expected https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v9.9.9',
    );
    const iss = await verify('good', { ...exact, issuer: 'https://accounts.google.com' });
    expect(iss.reason).toContain('OIDC issuer');
    const trap = await verify('good', { identityRegexp: 'github.com/org/repo', issuer: ISSUER });
    expect(trap.code).toBe(ExitCode.NONE_MATCHED);
  });

  test('GitHub workflow claims (raw) and Fulcio v2 claims (DER UTF8String) are matched exactly', async () => {
    const ok = await verify('good', {
      ...exact,
      claims: { [GITHUB_V1_CLAIMS['github-workflow-ref']]: TAG, '1.3.6.1.4.1.57264.1.14': TAG },
    });
    expect(ok.code).toBe(ExitCode.OK);
    const wrongRef = await verify('heads', {
      identityRegexp: '.*',
      issuer: ISSUER,
      claims: { [GITHUB_V1_CLAIMS['github-workflow-ref']]: TAG },
    });
    expect(wrongRef.reason).toContain(
      'github-workflow-ref is "refs/heads/main", expected "refs/tags/v1.2.3"',
    );
    const v2 = await verify('good', {
      ...exact,
      claims: { '1.3.6.1.4.1.57264.1.12': 'https://github.com/org/other' },
    });
    expect(v2.reason).toContain('sourceRepositoryURI is "https://github.com/org/repo"');
  });

  test('a certificate from a foreign CA fails', async () => {
    const r = await verify('foreign-ca', exact);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.reason).toContain('does not chain');
  });

  test('a certificate that expired before its log entry (no timestamp inside its validity) fails', async () => {
    // Issued an hour ago (valid 10 minutes), logged now.
    const r = await verify('expired', exact, { trustedRoot: join(work, 'expired_root.json') });
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.reason).toContain('does not chain');
  });

  test('an altered SET fails', async () => {
    const r = await verify('set-altered', exact);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.reason).toMatch(/SET|transparency/);
  });

  test('a log whose key is not in the trusted root fails', async () => {
    const r = await verify('foreign-log', exact);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.reason).toMatch(/SET|transparency/);
  });

  test('a keyless signature checked with --key (and the reverse) fails with a clear reason', async () => {
    const keyFile = join(work, 'some.pub');
    const { generateKey } = await import('../support/signing.js');
    writeFileSync(keyFile, generateKey('p256').pem);
    const run = await verifyImages([refs.good!], { keys: [keyFile], trustedRoot: rootFile, client });
    expect(run.exitCode).toBe(ExitCode.NONE_MATCHED);
  });
});
