/**
 * A sample of sigstore-conformance cases through the library in-process (the full 70, through the CLI,
 * run in `npm run conformance` and in .ci/run). Keeps the narrow additions honest in the test suite.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { identityPolicy } from '../../src/trust/identity.js';
import { loadKey } from '../../src/trust/keys.js';
import { embeddedPublicGoodRoot, trustedRootFromFile } from '../../src/trust/roots.js';
import { verifyBundleJson } from '../../src/verify/bundle-verify.js';
import { expectFailure } from '../support/expect-failure.js';
import { sharedMissingReason, sharedPath } from '../support/shared-data.js';

const BASE = ['sigstore-conformance', 'test', 'assets', 'bundle-verify'];
const missing = sharedMissingReason(...BASE);
if (missing) console.warn(missing);
const p = (...x: string[]) => sharedPath(...BASE, ...x);
const identity = identityPolicy({
  identity:
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
  issuer: 'https://token.actions.githubusercontent.com',
});
const artifact = () => readFileSync(p('a.txt'));
const bundle = (c: string) => JSON.parse(readFileSync(p(c, 'bundle.sigstore.json'), 'utf8'));

describe.skipIf(missing !== undefined)('sigstore-conformance, in process', () => {
  test('happy path verifies from the file and from its digest alone', () => {
    const root = embeddedPublicGoodRoot();
    expect(verifyBundleJson(bundle('happy-path-v0.3'), { bytes: artifact() }, { identity }, root).ok).toBe(
      true,
    );
    const sha256 = createHash('sha256').update(artifact()).digest();
    expect(verifyBundleJson(bundle('happy-path-v0.3'), { sha256 }, { identity }, root).ok).toBe(true);
    const other = createHash('sha256').update('other').digest();
    expect(verifyBundleJson(bundle('happy-path-v0.3'), { sha256: other }, { identity }, root).ok).toBe(false);
  });

  test('rekor2-dsse-happy-path verifies (hashedrekord v0.0.2 over DSSE)', () => {
    const r = verifyBundleJson(
      bundle('rekor2-dsse-happy-path'),
      { bytes: artifact() },
      { identity },
      trustedRootFromFile(p('rekor2-dsse-happy-path', 'trusted_root.json')),
    );
    expect(r).toMatchObject({ ok: true });
  });

  test('a trust root whose log lacks validFor.start is rejected whole', async () => {
    const e = await expectFailure(
      Promise.resolve().then(() =>
        trustedRootFromFile(p('trust-root-tlog-missing-validity-start_fail', 'trusted_root.json')),
      ),
    );
    expect(e.code).toBe('TRUST_ROOT_INVALID');
    expect(e.message).toContain('validFor.start');
  });

  test('a chain carrying its own root is rejected for that reason', () => {
    const r = verifyBundleJson(
      bundle('bundle-with-root-cert_fail'),
      { bytes: artifact() },
      { identity },
      embeddedPublicGoodRoot(),
    );
    expect(r.ok ? '' : r.reason).toContain('contains a root certificate');
  });

  test('a managed key verifies; another identity or key does not', async () => {
    const key = await loadKey(p('managed-key-happy-path', 'key.pub'));
    expect(
      verifyBundleJson(
        bundle('managed-key-happy-path'),
        { bytes: artifact() },
        { key },
        embeddedPublicGoodRoot(),
      ).ok,
    ).toBe(true);
    const wrong = identityPolicy({
      identity: 'someone@example.com',
      issuer: 'https://token.actions.githubusercontent.com',
    });
    const r = verifyBundleJson(
      bundle('happy-path-v0.3'),
      { bytes: artifact() },
      { identity: wrong },
      embeddedPublicGoodRoot(),
    );
    expect(r.ok ? '' : r.reason).toContain('expected someone@example.com');
  });
});
