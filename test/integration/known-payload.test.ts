/**
 * A `.sig` layer holding the payload `cosign sign` writes is known by its digest and not fetched;
 * anything else is fetched. Either way the signature over the bytes is what decides.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { verifyImages } from '../../src/run/verify-image.js';
import { simpleSigningPayload } from '../support/cosign-sig.js';
import { buildImage } from '../support/image-builder.js';
import { pushImage, pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { generateKey, signBytes, simpleSigningAnnotations } from '../support/signing.js';

const work = mkdtempSync(join(tmpdir(), 'tg-known-'));
const key = generateKey('p256');
const other = generateKey('p256');
const keyFile = join(work, 'key.pub');
let reg: RunningRegistry;

beforeAll(async () => {
  writeFileSync(keyFile, key.pem);
  reg = await startRegistry();
}, 30_000);
afterAll(async () => {
  await reg?.stop();
});

async function signed(name: string, payloadFor: (ref: string, digest: string) => Buffer, by = key) {
  const client = new RegistryClient();
  const img = buildImage({ seed: `known-${name}` });
  const repo = `known/${name}`;
  await pushImage(client, reg.host, repo, img, 'v1');
  const payload = payloadFor(`${reg.host}/${repo}`, img.manifest.digest);
  await pushSig(client, reg.host, repo, img.manifest.digest, [
    { payload, annotations: simpleSigningAnnotations(signBytes(by, payload)) },
  ]);
  await client.close();
  return `${reg.host}/${repo}@${img.manifest.digest}`;
}

async function verify(ref: string) {
  const client = new RegistryClient();
  const run = await verifyImages([ref], { keys: [keyFile], ignoreTlog: true, client });
  await client.close();
  return { image: run.images[0]!, blobs: client.transport.counters.requests };
}

test("cosign's own payload is known by its digest: verified with no blob fetched", async () => {
  const ref = await signed('plain', (name, digest) => simpleSigningPayload(digest as never, name));
  const { image, blobs } = await verify(ref);
  expect(image.verdict).toBe('verified');
  // The referrers-API probe, the empty fallback index, and the .sig manifest: no blob.
  expect(blobs).toBe(3);
});

test('a payload with annotations, or signed under another name, is fetched and verified', async () => {
  const annotated = await signed('annotated', (name, digest) =>
    Buffer.from(
      JSON.stringify({
        critical: {
          identity: { 'docker-reference': name },
          image: { 'docker-manifest-digest': digest },
          type: 'cosign container image signature',
        },
        optional: { team: 'payments' },
      }),
    ),
  );
  const mirrored = await signed('mirrored', (_name, digest) =>
    simpleSigningPayload(digest as never, 'mirror.example/known/mirrored'),
  );
  for (const ref of [annotated, mirrored]) {
    const { image, blobs } = await verify(ref);
    expect(image.verdict).toBe('verified');
    expect(blobs).toBe(4);
  }
});

test("cosign's payload signed by another key is known by its digest and still fails on the signature", async () => {
  const ref = await signed('wrong-key', (name, digest) => simpleSigningPayload(digest as never, name), other);
  const { image } = await verify(ref);
  expect(image.verdict).toBe('none-matched');
  expect(image.message).toMatch(/signature/i);
});
