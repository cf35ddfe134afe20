/** Attestation verification over exact bytes: what counts is the verified statement, never annotations. */

import { TrustedRoot } from '@sigstore/protobuf-specs';
import { describe, expect, test } from 'vitest';
import { discover } from '../../src/discovery/discover.js';
import { CosignAnnotation } from '../../src/discovery/media-types.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { parsePublicKey } from '../../src/trust/keys.js';
import type { LoadedTrustRoot } from '../../src/trust/roots.js';
import { embeddedPublicGoodRoot } from '../../src/trust/roots.js';
import { predicateTypeFor, verifyAttestations } from '../../src/verify/attestations.js';
import { KeyVerifiers } from '../../src/verify/verify-signatures.js';
import { attLayer, dsseEnvelope } from '../support/cosign-att.js';
import { addSigManifest } from '../support/cosign-sig.js';
import { expectFailure } from '../support/expect-failure.js';
import { addBundleReferrer, MemorySource } from '../support/memory-source.js';
import {
  dsseBundle,
  fakeLog,
  generateKey,
  intotoV001RekorBundle,
  statementFor,
  type TestKey,
  trustedRootFor,
} from '../support/signing.js';

const DIGEST = sha256Digest('attested image') as Digest;
const OTHER = sha256Digest('other image') as Digest;
const SLSA = 'https://slsa.dev/provenance/v0.2';
const CDX = 'https://cyclonedx.org/bom';

const verifiers = (key: TestKey) =>
  new KeyVerifiers({
    keys: [parsePublicKey(key.pem, 'key.pub')],
    trustRoot: embeddedPublicGoodRoot(),
    ignoreTlog: true,
    requireDockerReference: false,
  });

async function run(layers: Parameters<typeof addSigManifest>[2], key: TestKey, type?: string) {
  const src = new MemorySource();
  addSigManifest(src, DIGEST, layers, '.att');
  const d = await discover(src, DIGEST, { attestations: true });
  return verifyAttestations(d, verifiers(key), type ? predicateTypeFor(type) : undefined);
}

describe('attestations', () => {
  test('a legacy .att layer verifies and yields the exact payload bytes and its statement', async () => {
    const key = generateKey('p256');
    const stmt = statementFor(DIGEST, SLSA, {
      builder: { id: 'https://github.com/slsa-framework/slsa-github-generator' },
    });
    const [v] = await run([attLayer(dsseEnvelope(key, stmt), SLSA)], key);
    expect(v).toMatchObject({ verified: true, predicateType: SLSA });
    expect(Buffer.from(v!.payload!).equals(stmt)).toBe(true);
  });

  test('--type filters on the statement; shorthands map to predicateTypes', async () => {
    const key = generateKey('p256');
    const layers = [
      attLayer(dsseEnvelope(key, statementFor(DIGEST, SLSA)), SLSA),
      attLayer(dsseEnvelope(key, statementFor(DIGEST, CDX)), CDX),
    ];
    expect((await run(layers, key)).map((v) => v.predicateType)).toEqual([SLSA, CDX]);
    expect((await run(layers, key, 'cyclonedx')).map((v) => v.predicateType)).toEqual([CDX]);
    expect((await run(layers, key, 'slsaprovenance')).map((v) => v.predicateType)).toEqual([SLSA]);
    expect(await run(layers, key, 'spdx')).toEqual([]);
    expect(predicateTypeFor('https://example.com/custom/v1')).toBe('https://example.com/custom/v1');
  });

  test('the inner predicateType wins over the annotation, and the mismatch is reported', async () => {
    const key = generateKey('p256');
    const [v] = await run(
      [attLayer(dsseEnvelope(key, statementFor(DIGEST, CDX)), SLSA)],
      key,
      'slsaprovenance',
    );
    expect(v).toBeUndefined();
    const [all] = await run([attLayer(dsseEnvelope(key, statementFor(DIGEST, CDX)), SLSA)], key);
    expect(all).toMatchObject({ verified: true, predicateType: CDX, annotatedPredicateType: SLSA });
    expect(all!.warnings[0]).toContain('which is what counts');
  });

  test('a large (over 1 MiB) payload verifies from its byte span; one changed byte in it fails', async () => {
    const key = generateKey('p256');
    const big = { components: Array.from({ length: 40_000 }, (_, i) => ({ name: `pkg-${i}`, v: '1.0' })) };
    const stmt = statementFor(DIGEST, CDX, big);
    expect(stmt.length).toBeGreaterThan(1024 * 1024);
    const env = dsseEnvelope(key, stmt);
    const [v] = await run([attLayer(env, CDX)], key);
    expect(v).toMatchObject({ verified: true, predicateType: CDX });
    expect(Buffer.from(v!.payload!).equals(stmt)).toBe(true);
    const [start, end] = v!.predicateSpan!;
    expect(JSON.parse(Buffer.from(v!.payload!.subarray(start, end)).toString())).toEqual(big);

    // One byte of the SBOM changed, still well-formed JSON, under the original signature.
    const changed = Buffer.from(stmt);
    changed[changed.indexOf('pkg-20000"') + 8] = 0x31;
    const original = JSON.parse(env.toString());
    const tampered = Buffer.from(JSON.stringify({ ...original, payload: changed.toString('base64') }));
    const [t] = await run([attLayer(tampered, CDX)], key);
    expect(t).toMatchObject({ verified: false });
    expect(t!.payload).toBeUndefined();
    expect(t!.reason).toMatch(/signature/i);
  });

  test('a large bundle referrer verifies from its byte span; a changed payload under its signature fails', async () => {
    const key = generateKey('p256');
    const big = { components: Array.from({ length: 40_000 }, (_, i) => ({ name: `pkg-${i}`, v: '1.0' })) };
    const stmt = statementFor(DIGEST, CDX, big);
    const bundle = dsseBundle(key, stmt);
    const verify = async (bytes: Buffer) => {
      const src = new MemorySource();
      addBundleReferrer(src, DIGEST, bytes, { 'dev.sigstore.bundle.predicateType': CDX });
      const d = await discover(src, DIGEST, { attestations: true });
      return verifyAttestations(d, verifiers(key));
    };
    const [v] = await verify(bundle);
    expect(v).toMatchObject({ verified: true, format: 'sigstore-bundle', predicateType: CDX });
    expect(Buffer.from(v!.payload!).equals(stmt)).toBe(true);

    const changed = Buffer.from(stmt);
    changed[changed.indexOf('pkg-20000"') + 8] = 0x31;
    const json = JSON.parse(bundle.toString());
    json.dsseEnvelope.payload = changed.toString('base64');
    const [t] = await verify(Buffer.from(JSON.stringify(json)));
    expect(t).toMatchObject({ verified: false });
    expect(t!.reason).toMatch(/signature/i);
  });

  test('a statement whose subject names another digest fails', async () => {
    const key = generateKey('p256');
    const [v] = await run([attLayer(dsseEnvelope(key, statementFor(OTHER, SLSA)), SLSA)], key);
    expect(v).toMatchObject({ verified: false });
    expect(v!.reason).toContain('does not name this image');
  });

  test('envelopes with 2 or 0 signatures, a payload that is not JSON, or another payloadType fail', async () => {
    const key = generateKey('p256');
    const stmt = statementFor(DIGEST, SLSA);
    const two = await run([attLayer(dsseEnvelope(key, stmt, { signatures: 2 }), SLSA)], key);
    expect(two[0]!.verified).toBe(false);
    const zero = await run([attLayer(dsseEnvelope(key, stmt, { signatures: 0 }), SLSA)], key);
    expect(zero[0]!.verified).toBe(false);
    const notJson = await run([attLayer(dsseEnvelope(key, Buffer.from('not json')), SLSA)], key);
    expect(notJson[0]!.reason).toContain('not JSON');
    const otherType = await run(
      [attLayer(dsseEnvelope(key, stmt, { payloadType: 'text/plain' }), SLSA)],
      key,
    );
    expect(otherType[0]!.reason).toContain('payloadType');
  });

  test('the wrong key fails; a tampered payload fails', async () => {
    const key = generateKey('p256');
    const wrong = await run(
      [attLayer(dsseEnvelope(key, statementFor(DIGEST, SLSA)), SLSA)],
      generateKey('p256'),
    );
    expect(wrong[0]!.reason).toContain('does not verify');
    const env = JSON.parse(dsseEnvelope(key, statementFor(DIGEST, SLSA)).toString());
    env.payload = Buffer.from(statementFor(DIGEST, SLSA, { evil: true })).toString('base64');
    const tampered = await run([attLayer(Buffer.from(JSON.stringify(env)), SLSA)], key);
    expect(tampered[0]!.verified).toBe(false);
  });

  test('--type keeps an attestation refused for want of a log entry, as of its type, with the hint', async () => {
    const key = generateKey('p256');
    const strict = new KeyVerifiers({
      keys: [parsePublicKey(key.pem, 'key.pub')],
      trustRoot: embeddedPublicGoodRoot(),
      ignoreTlog: false,
      requireDockerReference: false,
    });
    // A legacy layer with no Rekor bundle, and a bundle referrer with no tlog entry.
    const src = new MemorySource();
    addSigManifest(src, DIGEST, [attLayer(dsseEnvelope(key, statementFor(DIGEST, SLSA)), SLSA)], '.att');
    addBundleReferrer(src, DIGEST, dsseBundle(key, statementFor(DIGEST, SLSA)), {
      'dev.sigstore.bundle.predicateType': SLSA,
    });
    const d = await discover(src, DIGEST, { attestations: true });
    const typed = verifyAttestations(d, strict, SLSA);
    expect(typed.map((v) => [v.format, v.verified, v.predicateType])).toEqual([
      ['dsse-layer', false, SLSA],
      ['sigstore-bundle', false, SLSA],
    ]);
    for (const v of typed) expect(v.reason).toContain('requires --insecure-ignore-tlog');
    expect(verifyAttestations(d, strict, CDX)).toEqual([]);
  });

  test('10,000 attestations on one image are refused by the layer bound', async () => {
    const key = generateKey('p256');
    const layer = attLayer(dsseEnvelope(key, statementFor(DIGEST, SLSA)), SLSA);
    const src = new MemorySource();
    addSigManifest(
      src,
      DIGEST,
      Array.from({ length: 10_000 }, () => layer),
      '.att',
    );
    const e = await expectFailure(discover(src, DIGEST, { attestations: true }));
    expect(e.code).toBe('COUNT_LIMIT');
  });
});

describe('Rekor intoto 0.0.1 entries (old cosign .att, e.g. slsa-github-generator v1.4)', () => {
  const log = fakeLog(generateKey('p256'));
  const root: LoadedTrustRoot = {
    root: TrustedRoot.fromJSON(JSON.parse(trustedRootFor(log))),
    description: 'fake log',
  };
  const key = generateKey('p256');
  const logged = (opts: { payloadFor?: Uint8Array; alterSet?: boolean; loggedSigner?: typeof key } = {}) => {
    const stmt = statementFor(DIGEST, SLSA);
    const envelope = dsseEnvelope(key, stmt);
    let bundle = intotoV001RekorBundle(log, {
      envelope,
      payload: opts.payloadFor ?? stmt,
      signer: opts.loggedSigner ?? key,
      logIndex: 7,
      integratedTime: Math.floor(Date.now() / 1000),
    });
    if (opts.alterSet) {
      const b = JSON.parse(bundle);
      b.Payload.logIndex = 8;
      bundle = JSON.stringify(b);
    }
    return attLayer(envelope, SLSA, { [CosignAnnotation.BUNDLE]: bundle });
  };
  const strict = () =>
    new KeyVerifiers({
      keys: [parsePublicKey(key.pem, 'key.pub')],
      trustRoot: root,
      ignoreTlog: false,
      requireDockerReference: false,
    });

  async function check(layer: ReturnType<typeof logged>) {
    const src = new MemorySource();
    addSigManifest(src, DIGEST, [layer], '.att');
    return verifyAttestations(await discover(src, DIGEST, { attestations: true }), strict());
  }

  test('sigstore-js alone refuses the entry; trustgate verifies it, log required', async () => {
    const src = new MemorySource();
    addSigManifest(src, DIGEST, [logged()], '.att');
    const d = await discover(src, DIGEST, { attestations: true });
    const layer = d.dsseLayers[0]!;
    const { bundleFromJSON } = await import('@sigstore/bundle');
    const { parseRekorBundle, tlogEntryFromRekorBundle } = await import('../../src/verify/legacy-bundle.js');
    const bundle = bundleFromJSON({
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: {
        publicKey: { hint: '' },
        tlogEntries: [tlogEntryFromRekorBundle(parseRekorBundle(layer.rekorBundle!))],
      },
      dsseEnvelope: JSON.parse(Buffer.from(layer.bytes).toString()),
    });
    const alone = strict().verifyBundle(bundle, undefined);
    expect('reasons' in alone ? alone.reasons.join() : '').toContain('unsupported intoto version');
    const [v] = await check(logged());
    expect(v).toMatchObject({ verified: true, predicateType: SLSA, tlog: { logIndex: '7' } });
  });

  test('an entry recording another payload, or an altered SET, fails', async () => {
    const [other] = await check(logged({ payloadFor: Buffer.from('something else') }));
    expect(other!.reason).toContain('records another payload');
    const [altered] = await check(logged({ alterSet: true }));
    expect(altered!.reason).toContain('SET');
  });

  test('GHSA-whqx-f9j3-ch6m: an intoto 0.0.1 entry that records another key fails', async () => {
    const [v] = await check(logged({ loggedSigner: generateKey('p256') }));
    expect(v).toMatchObject({ verified: false });
    expect(v!.reason).toContain('records another signer');
  });
});

test('base64 payload spans decode the same in chunks as at once, and junk falls back to one decode', async () => {
  const { decodeBase64Span } = await import('../../src/verify/attestations.js');
  const { randomBytes } = await import('node:crypto');
  for (const size of [0, 1, 2, 3, 4 * 1024 * 1024 * 3 + 1, 9_000_001]) {
    const raw = randomBytes(size);
    const doc = Buffer.from(`"${raw.toString('base64')}"`);
    expect(decodeBase64Span(doc, 1, doc.length - 1).equals(raw), String(size)).toBe(true);
  }
  const junk = Buffer.from('"QUJD\\nREVG"');
  expect(decodeBase64Span(junk, 1, junk.length - 1)).toEqual(
    Buffer.from(junk.toString('latin1', 1, junk.length - 1), 'base64'),
  );
});
