/**
 * Key-based verification over exact bytes: key types, the narrow hashing fix, and hostile input.
 * Sources are in memory (no registry); the real-registry and cosign comparisons live in interop.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { describe, expect, test } from 'vitest';
import { discover } from '../../src/discovery/discover.js';
import { LayoutSource } from '../../src/oci/layout/layout-source.js';
import { MediaType } from '../../src/oci/media-types.js';
import { type Digest, digestTag, sha256Digest } from '../../src/reference/digest.js';
import { parsePublicKey } from '../../src/trust/keys.js';
import { embeddedPublicGoodRoot } from '../../src/trust/roots.js';
import { KeyVerifiers, verifySignatures } from '../../src/verify/verify-signatures.js';
import { addSigManifest, buildSigManifest, simpleSigningPayload } from '../support/cosign-sig.js';
import { expectFailure } from '../support/expect-failure.js';
import { buildImage, descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';
import { addBundleReferrer as addBundleReferrerTo, MemorySource } from '../support/memory-source.js';
import {
  COSIGN_SIGN_V1,
  dsseBundle,
  generateKey,
  type KeyKind,
  signBytes,
  simpleSigningAnnotations,
  statementFor,
  type TestKey,
} from '../support/signing.js';

const DIGEST = sha256Digest('the image manifest') as Digest;
const OTHER = sha256Digest('another image manifest') as Digest;
const REPO = 'registry.example/team/app';
const root = embeddedPublicGoodRoot();

function verifiers(keys: TestKey[], opts: { ignoreTlog?: boolean; requireDockerReference?: boolean } = {}) {
  return new KeyVerifiers({
    keys: keys.map((k, i) => parsePublicKey(k.pem, `key-${i}.pub`)),
    trustRoot: root,
    ignoreTlog: opts.ignoreTlog ?? true,
    requireDockerReference: opts.requireDockerReference ?? false,
  });
}

function legacySource(
  signer: TestKey,
  opts: { digest?: Digest; payload?: Buffer; hash?: string | null; reference?: string } = {},
) {
  const src = new MemorySource();
  const payload = opts.payload ?? simpleSigningPayload(opts.digest ?? DIGEST, opts.reference ?? REPO);
  addSigManifest(src, DIGEST, [
    { payload, annotations: simpleSigningAnnotations(signBytes(signer, payload, opts.hash ?? 'sha256')) },
  ]);
  return src;
}

/** Attach a Sigstore bundle as a referrer of DIGEST. */
function addBundleReferrer(src: MemorySource, bundle: Buffer, annotations: Record<string, string> = {}) {
  addBundleReferrerTo(src, DIGEST, bundle, annotations);
}

async function run(src: MemorySource, v: KeyVerifiers) {
  const d = await discover(src, DIGEST);
  return verifySignatures(d, { digest: DIGEST, repository: REPO }, v);
}

describe('key types (legacy simple-signing, as cosign signs with a key file)', () => {
  test.each<KeyKind>([
    'p256',
    'p384',
    'p521',
    'rsa',
    'rsa-pss',
    'ed25519',
  ])('%s verifies with its key and fails with another', async (kind) => {
    const key = generateKey(kind);
    const good = await run(legacySource(key), verifiers([key]));
    expect(good.verdicts.map((v) => [v.verified, v.reason])).toEqual([[true, undefined]]);
    const bad = await run(legacySource(key), verifiers([generateKey(kind)]));
    expect(bad.verdicts[0]).toMatchObject({ verified: false });
    expect(bad.verdicts[0]!.reason).toContain('does not verify');
  });

  test('P-384 and P-521 signatures over SHA-384/512 verify too', async () => {
    for (const [kind, hash] of [
      ['p384', 'sha384'],
      ['p521', 'sha512'],
    ] as const) {
      const key = generateKey(kind);
      const r = await run(legacySource(key, { hash }), verifiers([key]));
      expect(r.verdicts[0]!.verified).toBe(true);
    }
  });

  test('any one of several keys is enough, and the verdict names it', async () => {
    const [a, b] = [generateKey('p256'), generateKey('p256')];
    const r = await run(legacySource(b), verifiers([a, b]));
    expect(r.verdicts[0]!.verified).toBe(true);
    expect(r.verdicts[0]!.key).toBe(parsePublicKey(b.pem, 'b').fingerprint);
  });
});

describe('the narrow DSSE hashing fix', () => {
  test('sigstore-js alone rejects a P-384 DSSE signature over SHA-384; trustgate accepts it', async () => {
    const key = generateKey('p384');
    const bundleBytes = dsseBundle(key, statementFor(DIGEST, COSIGN_SIGN_V1), { hash: 'sha384' });
    const bundle = bundleFromJSON(JSON.parse(bundleBytes.toString()));
    const plain = new Verifier(
      toTrustMaterial(root.root, () => ({ publicKey: key.publicKey, validFor: () => true })),
      {
        tlogThreshold: 0,
        ctlogThreshold: 0,
        timestampThreshold: 0,
      },
    );
    expect(() => plain.verify(toSignedEntity(bundle))).toThrow(/signature/i);
    const src = new MemorySource();
    addBundleReferrer(src, bundleBytes);
    const r = await run(src, verifiers([key]));
    expect(r.verdicts.map((v) => v.verified)).toEqual([true]);
  });

  test('Ed25519 message signatures, which sigstore-js hashes and so cannot verify, verify', async () => {
    const key = generateKey('ed25519');
    const r = await run(legacySource(key), verifiers([key]));
    expect(r.verdicts[0]!.verified).toBe(true);
  });
});

describe('Sigstore bundle referrers (cosign 3 format)', () => {
  test('a sign/v1 bundle naming the digest is a signature and verifies', async () => {
    const key = generateKey('p256');
    const src = new MemorySource();
    addBundleReferrer(src, dsseBundle(key, statementFor(DIGEST, COSIGN_SIGN_V1)));
    const r = await run(src, verifiers([key]));
    expect(r.verdicts).toHaveLength(1);
    expect(r.verdicts[0]).toMatchObject({ format: 'sigstore-bundle', verified: true });
    expect(r.verdicts[0]!.statement?.predicateType).toBe(COSIGN_SIGN_V1);
  });

  test('an attestation bundle served as a signature never counts as one, whatever its annotation says', async () => {
    const key = generateKey('p256');
    const src = new MemorySource();
    addBundleReferrer(src, dsseBundle(key, statementFor(DIGEST, 'https://slsa.dev/provenance/v1')), {
      'dev.sigstore.bundle.predicateType': COSIGN_SIGN_V1,
    });
    const r = await run(src, verifiers([key]));
    expect(r.verdicts).toHaveLength(0);
    expect(r.notSignatures).toMatchObject([
      { predicateType: 'https://slsa.dev/provenance/v1', note: 'an attestation, not a signature' },
    ]);
  });

  test('a sign bundle whose subject is another digest fails', async () => {
    const key = generateKey('p256');
    const src = new MemorySource();
    addBundleReferrer(src, dsseBundle(key, statementFor(OTHER, COSIGN_SIGN_V1)));
    const r = await run(src, verifiers([key]));
    expect(r.verdicts[0]).toMatchObject({ verified: false });
    expect(r.verdicts[0]!.reason).toContain('does not name this image');
  });

  test('a DSSE envelope with 2 signatures, or a non-in-toto payloadType, is rejected', async () => {
    const key = generateKey('p256');
    const two = new MemorySource();
    addBundleReferrer(two, dsseBundle(key, statementFor(DIGEST, COSIGN_SIGN_V1), { extraSignatures: 1 }));
    const r2 = await run(two, verifiers([key]));
    expect(r2.verdicts.filter((v) => v.verified)).toHaveLength(0);
    const other = new MemorySource();
    addBundleReferrer(
      other,
      dsseBundle(key, statementFor(DIGEST, COSIGN_SIGN_V1), { payloadType: 'text/plain' }),
    );
    const r3 = await run(other, verifiers([key]));
    expect(r3.verdicts[0]!.reason).toContain('payloadType');
  });

  test('a bundle with no tlog entry needs --insecure-ignore-tlog', async () => {
    const key = generateKey('p256');
    const src = new MemorySource();
    addBundleReferrer(src, dsseBundle(key, statementFor(DIGEST, COSIGN_SIGN_V1)));
    const r = await run(src, verifiers([key], { ignoreTlog: false }));
    expect(r.verdicts[0]!.reason).toContain('--insecure-ignore-tlog');
  });
});

describe('hostile input', () => {
  test('a signature for another digest, replayed on this image, fails', async () => {
    const key = generateKey('p256');
    const r = await run(legacySource(key, { digest: OTHER }), verifiers([key]));
    expect(r.verdicts[0]).toMatchObject({ verified: false });
    expect(r.verdicts[0]!.reason).toContain(`signature is for ${OTHER}`);
  });

  test('a tampered payload fails', async () => {
    const key = generateKey('p256');
    const payload = simpleSigningPayload(DIGEST, REPO);
    const sig = signBytes(key, payload);
    const tampered = Buffer.from(payload.toString().replace('"optional":null', '"optional":{"evil":true}'));
    const src = new MemorySource();
    addSigManifest(src, DIGEST, [{ payload: tampered, annotations: simpleSigningAnnotations(sig) }]);
    const r = await run(src, verifiers([key]));
    expect(r.verdicts[0]!.verified).toBe(false);
  });

  test('a payload of the wrong type, or not JSON, fails after the signature checks out', async () => {
    const key = generateKey('p256');
    const wrongType = Buffer.from(
      simpleSigningPayload(DIGEST, REPO)
        .toString()
        .replace('cosign container image signature', 'something else'),
    );
    expect(
      (await run(legacySource(key, { payload: wrongType }), verifiers([key]))).verdicts[0]!.reason,
    ).toContain('critical.type');
    const notJson = Buffer.from('not json at all');
    expect(
      (await run(legacySource(key, { payload: notJson }), verifiers([key]))).verdicts[0]!.reason,
    ).toContain('not JSON');
  });

  test('a docker-reference for another repository warns, and fails with --require-docker-reference', async () => {
    const key = generateKey('p256');
    const src = () => legacySource(key, { reference: 'evil.example/other/repo' });
    const lax = await run(src(), verifiers([key]));
    expect(lax.verdicts[0]).toMatchObject({ verified: true });
    expect(lax.verdicts[0]!.warnings[0]).toContain('evil.example/other/repo');
    const strict = await run(src(), verifiers([key], { requireDockerReference: true }));
    expect(strict.verdicts[0]).toMatchObject({ verified: false });
  });

  test('a signature with no Rekor bundle needs --insecure-ignore-tlog, and the error says so', async () => {
    const key = generateKey('p256');
    const r = await run(legacySource(key), verifiers([key], { ignoreTlog: false }));
    expect(r.verdicts[0]!.reason).toMatch(/no transparency-log entry.*--insecure-ignore-tlog/);
  });

  test('a .sig manifest with 10,000 layers is refused', async () => {
    const key = generateKey('p256');
    const payload = simpleSigningPayload(DIGEST, REPO);
    const layer = { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) };
    const src = new MemorySource();
    addSigManifest(
      src,
      DIGEST,
      Array.from({ length: 10_000 }, () => layer),
    );
    const e = await expectFailure(discover(src, DIGEST));
    expect(e.code).toBe('COUNT_LIMIT');
    expect(e.message).toContain('10000 layers');
  });

  test('a layer blob whose bytes do not match its digest fails', async () => {
    const key = generateKey('p256');
    const src = legacySource(key);
    const m = await src.getManifest(digestTag(DIGEST, '.sig'));
    const layerDigest = JSON.parse(Buffer.from(m.bytes).toString()).layers[0].digest as string;
    src.blobs.set(layerDigest, Buffer.from('swapped bytes'));
    const e = await expectFailure(discover(src, DIGEST));
    expect(e.code).toBe('DIGEST_MISMATCH');
  });

  test('an annotation with a 50 MB value is refused at the manifest size cap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-huge-annotation-'));
    try {
      const img = buildImage({ seed: 'huge-annotation' });
      const payload = simpleSigningPayload(img.manifest.digest, REPO);
      const sig = buildSigManifest([
        {
          payload,
          annotations: { ...simpleSigningAnnotations('c2ln'), 'x-padding': 'A'.repeat(50 * 1024 * 1024) },
        },
      ]);
      writeLayout(
        dir,
        [...img.blobs, sig.manifest, ...sig.blobs],
        [
          descriptorOf(img.manifest, { annotations: { kind: 'dev.cosignproject.cosign/image' } }),
          descriptorOf(sig.manifest, { annotations: { kind: 'dev.cosignproject.cosign/sigs' } }),
        ],
      );
      const e = await expectFailure(discover(new LayoutSource(dir), img.manifest.digest));
      expect(e.code).toBe('SIZE_LIMIT');
      expect(e.message).toContain('over the 4194304-byte limit');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('more referrers than the bound is an error', async () => {
    const src = new MemorySource();
    src.referrerList.set(
      DIGEST,
      Array.from({ length: 1001 }, (_, i) => ({
        mediaType: MediaType.OCI_MANIFEST,
        digest: sha256Digest(`r${i}`),
        size: 1,
      })),
    );
    const e = await expectFailure(discover(src, DIGEST));
    expect(e.code).toBe('COUNT_LIMIT');
  });

  test('a malformed Rekor bundle annotation fails that signature with a reason', async () => {
    const key = generateKey('p256');
    const payload = simpleSigningPayload(DIGEST, REPO);
    const src = new MemorySource();
    addSigManifest(src, DIGEST, [
      { payload, annotations: simpleSigningAnnotations(signBytes(key, payload), '{"not":"a bundle"}') },
    ]);
    const r = await run(src, verifiers([key], { ignoreTlog: false }));
    expect(r.verdicts[0]!.reason).toContain('Rekor bundle annotation is malformed');
  });
});

describe('review fixes', () => {
  test('a certificate-bearing (keyless) bundle is never accepted under --key', async () => {
    const { keylessWorld } = await import('../support/keyless.js');
    const world = await keylessWorld();
    const src = new MemorySource();
    addBundleReferrer(
      src,
      await world.signBundle(statementFor(DIGEST, COSIGN_SIGN_V1), {
        san: 'mailto:attacker@evil.example',
        issuer: 'https://accounts.google.com',
      }),
    );
    const { TrustedRoot } = await import('@sigstore/protobuf-specs');
    const worldRoot = { root: TrustedRoot.fromJSON(JSON.parse(world.trustedRootJson)), description: 'mock' };
    const key = generateKey('p256');
    const v = new KeyVerifiers({
      keys: [parsePublicKey(key.pem, 'key.pub')],
      trustRoot: worldRoot,
      ignoreTlog: false,
      requireDockerReference: false,
    });
    const r = await run(src, v);
    expect(r.verdicts).toHaveLength(1);
    expect(r.verdicts[0]).toMatchObject({ verified: false });
    expect(r.verdicts[0]!.reason).toContain('signed with a certificate, not a key');
  });

  test('Docker Hub docker-references are normalised before comparing', async () => {
    const key = generateKey('p256');
    const src = new MemorySource();
    const payload = simpleSigningPayload(DIGEST, 'index.docker.io/library/alpine');
    addSigManifest(src, DIGEST, [
      { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) },
    ]);
    const d = await discover(src, DIGEST);
    const r = verifySignatures(
      d,
      { digest: DIGEST, repository: 'docker.io/library/alpine' },
      verifiers([key], { requireDockerReference: true }),
    );
    expect(r.verdicts[0]).toMatchObject({ verified: true, warnings: [] });
  });

  test('one blob named by 1000 layers is fetched once; unannotated layers are not fetched; a total budget holds', async () => {
    const key = generateKey('p256');
    const payload = simpleSigningPayload(DIGEST, REPO);
    const layer = { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) };
    const src = new MemorySource();
    addSigManifest(src, DIGEST, [
      ...Array.from({ length: 999 }, () => layer),
      { payload: Buffer.from('unsigned'), annotations: {} },
    ]);
    let fetches = 0;
    const getBlob = src.getBlob.bind(src);
    src.getBlob = (d, o) => {
      fetches++;
      return getBlob(d, o);
    };
    const d = await discover(src, DIGEST);
    expect(d.simpleSigning).toHaveLength(999);
    expect(fetches).toBe(1);
    const big = new MemorySource();
    addSigManifest(
      big,
      DIGEST,
      Array.from({ length: 8 }, (_, i) => ({
        payload: Buffer.alloc(1024 * 1024, i),
        annotations: simpleSigningAnnotations('c2ln'),
      })),
    );
    const e = await expectFailure(
      discover(big, DIGEST, {
        limits: { maxPayloadBytes: 2 * 1024 * 1024, maxTotalPayloadBytes: 4 * 1024 * 1024 },
      }),
    );
    expect(e.code).toBe('SIZE_LIMIT');
  });
});
