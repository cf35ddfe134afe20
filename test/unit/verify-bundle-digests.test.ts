/**
 * verify-bundle's artifact by digest: what is written as a digest but is not one is a usage error (not
 * a file lookup), and a statement whose subjects carry only sha512 (npm provenance) or sha384 verifies
 * against the artifact's file or its digest in that algorithm.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { artifactOf, runVerifyBundle } from '../../src/run/verify-bundle.js';
import { parseRekorBundle, tlogEntryFromRekorBundle } from '../../src/verify/legacy-bundle.js';
import { buildTrust } from '../../src/verify/trust.js';
import { dsseEnvelope } from '../support/cosign-att.js';
import { dsseRekorBundle, fakeLog, generateKey, trustedRootFor } from '../support/signing.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-vb-digests-'));
const TARBALL = Buffer.from('the bytes of sigstore-2.1.0.tgz, as npm published them');
const hex = (alg: string, b: Uint8Array = TARBALL) => createHash(alg).update(b).digest('hex');

describe('the artifact argument', () => {
  test.each([
    ['sha256:abc', /sha256:abc is not a sha256 digest: it needs exactly 64 hex digits, and has 3 character/],
    [`sha256:${'a'.repeat(62)}`, /needs exactly 64 hex digits, and has 62/],
    [`sha512:${'a'.repeat(64)}`, /is not a sha512 digest: it needs exactly 128 hex digits/],
    [`sha256:${'g'.repeat(64)}`, /not all hex/],
    [`md5:${'a'.repeat(32)}`, /md5 is not a supported digest algorithm/],
    ['abc123', /abc123 is neither a file nor a digest/],
    [join(dir, 'no-such.tgz'), /no-such\.tgz: no such file/],
  ])('%s is a usage error that says what is accepted, not ENOENT', (arg, message) => {
    let err: unknown;
    try {
      artifactOf(arg);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'USAGE', message: expect.stringMatching(message) });
    expect(String((err as { hint?: string }).hint)).toContain('sha256:<64 hex>');
  });

  test('sha384: and sha512: digests are read as digests; a file of that name is still a file', () => {
    expect(artifactOf(`sha512:${hex('sha512')}`)).toEqual({
      algorithm: 'sha512',
      digest: Buffer.from(hex('sha512'), 'hex'),
    });
    expect(artifactOf(`SHA384:${hex('sha384')}`)).toMatchObject({ algorithm: 'sha384' });
    expect(artifactOf(`sha256:${hex('sha256')}`)).toEqual({ sha256: Buffer.from(hex('sha256'), 'hex') });
    const named = join(dir, 'sha256:abc');
    writeFileSync(named, 'x');
    expect(artifactOf(named)).toEqual({ bytes: Buffer.from('x') });
  });
});

describe('a statement whose subject carries only sha512 (npm provenance) or sha384', () => {
  const key = generateKey('p256');
  const log = fakeLog(generateKey('p256'));
  const keyFile = join(dir, 'key.pub');
  const rootFile = join(dir, 'trusted_root.json');
  writeFileSync(keyFile, key.pem);
  writeFileSync(rootFile, trustedRootFor(log));
  const tarball = join(dir, 'sigstore-2.1.0.tgz');
  writeFileSync(tarball, TARBALL);

  /** A v0.1 bundle (key, logged in the fake log) over a statement with these subject digests. */
  const bundleFor = (digest: Record<string, string>): unknown => {
    const statement = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'pkg:npm/sigstore@2.1.0', digest }],
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: {},
      }),
    );
    const envelope = dsseEnvelope(key, statement);
    const rekor = dsseRekorBundle(log, {
      envelope,
      payload: statement,
      signer: key,
      logIndex: 3,
      integratedTime: Math.floor(Date.now() / 1000),
    });
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: {
        publicKey: { hint: '' },
        tlogEntries: [tlogEntryFromRekorBundle(parseRekorBundle(rekor))],
        timestampVerificationData: { rfc3161Timestamps: [] },
      },
      dsseEnvelope: JSON.parse(envelope.toString('utf8')),
    };
  };
  const trust = () => buildTrust({ keys: [keyFile], root: { trustedRoot: rootFile } });

  test('sha512 only: verifies from the file and from sha512:<hex>; another artifact does not', async () => {
    const bundle = bundleFor({ sha512: hex('sha512') });
    const t = await trust();
    expect(runVerifyBundle(bundle, artifactOf(tarball), t)).toMatchObject({ ok: true });
    expect(runVerifyBundle(bundle, artifactOf(`sha512:${hex('sha512')}`), t)).toMatchObject({ ok: true });
    expect(runVerifyBundle(bundle, artifactOf(tarball), t, { digestAlgorithm: 'sha512' })).toMatchObject({
      ok: true,
    });
    // The signature is still checked: another key rejects the same bundle and artifact.
    const otherKey = join(dir, 'other.pub');
    writeFileSync(otherKey, generateKey('p256').pem);
    const wrong = await buildTrust({ keys: [otherKey], root: { trustedRoot: rootFile } });
    expect(runVerifyBundle(bundle, artifactOf(tarball), wrong)).toMatchObject({ ok: false });
    const other = runVerifyBundle(bundle, { bytes: Buffer.from('another tarball') }, t);
    expect(other).toMatchObject({ ok: false, reason: expect.stringContaining('compared by sha512') });
    // A sha256 digest cannot be compared with a sha512-only subject: said so, not "does not match".
    const bySha256 = runVerifyBundle(bundle, artifactOf(`sha256:${hex('sha256')}`), t);
    expect(bySha256).toMatchObject({
      ok: false,
      reason: expect.stringContaining(
        'no subject of the statement has a sha256 digest (the subjects carry: sha512)',
      ),
    });
  });

  test('--digest-alg narrows the match; a digest in another algorithm than it names is a usage error', async () => {
    const t = await trust();
    const bundle = bundleFor({ sha512: hex('sha512') });
    expect(runVerifyBundle(bundle, artifactOf(tarball), t, { digestAlgorithm: 'sha256' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no subject of the statement has a sha256 digest'),
    });
    expect(() =>
      runVerifyBundle(bundle, artifactOf(`sha512:${hex('sha512')}`), t, { digestAlgorithm: 'sha256' }),
    ).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  test('sha384 verifies too; sha1 alone is never computed, so never matches', async () => {
    const t = await trust();
    expect(runVerifyBundle(bundleFor({ sha384: hex('sha384') }), artifactOf(tarball), t)).toMatchObject({
      ok: true,
    });
    const weak = runVerifyBundle(bundleFor({ sha1: hex('sha1') }), artifactOf(tarball), t);
    expect(weak).toMatchObject({
      ok: false,
      reason: expect.stringContaining('the subjects carry: sha1'),
    });
  });
});
