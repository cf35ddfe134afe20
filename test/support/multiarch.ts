/**
 * A multi-arch image as buildx + cosign leave it: an OCI index of linux/amd64 and linux/arm64, plus a
 * BuildKit attestation manifest (unknown/unknown, `vnd.docker.reference.type: attestation-manifest`)
 * that is no platform; the index signed with a key (legacy `.sig`, logged in a fake log), and SLSA
 * provenance attested on the amd64 child only (legacy `.att`). Written as a layout or pushed.
 */
import { join } from 'node:path';
import { CosignAnnotation } from '../../src/discovery/media-types.js';
import { REF_NAME_ANNOTATION } from '../../src/oci/layout/layout-source.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { RegistryClient } from '../../src/oci/registry/client.js';
import { pushBlob, pushManifest } from '../../src/oci/registry/push.js';
import { type Digest, digestTag, sha256Digest } from '../../src/reference/digest.js';
import { predicateTypeFor } from '../../src/verify/attestations.js';
import { statementEmbedding } from './attest-builder.js';
import { attLayer, dsseEnvelope } from './cosign-att.js';
import { buildSigManifest, type SigLayer, simpleSigningPayload } from './cosign-sig.js';
import { type Blob, type BuiltImage, buildImage, descriptorOf } from './image-builder.js';
import { writeLayout } from './layout-writer.js';
import {
  dsseRekorBundle,
  type FakeLog,
  rekorBundleFor,
  signBytes,
  simpleSigningAnnotations,
  type TestKey,
} from './signing.js';

export const PROVENANCE = {
  buildDefinition: { buildType: 'https://example.com/buildtype/v1', externalParameters: {} },
  runDetails: { builder: { id: 'https://github.com/example/builder@v1' } },
};

export interface Attached {
  subject: Digest;
  suffix: '.sig' | '.att';
  layers: SigLayer[];
}

export interface MultiArch {
  index: Blob;
  images: BuiltImage[];
  /** The BuildKit attestation manifest the index lists (no platform image). */
  buildkit: Blob;
  blobs: Blob[];
  amd64: Digest;
  arm64: Digest;
  attached: Attached[];
}

let logIndex = 5000;
const LOG_TIME = 1780099200; // 2026-05-30T00:00:00Z

export function keySignature(key: TestKey, log: FakeLog, digest: Digest, dockerReference: string): SigLayer {
  const payload = simpleSigningPayload(digest, dockerReference);
  const signature = signBytes(key, payload);
  const bundle = rekorBundleFor(log, {
    payload,
    signature,
    signer: key,
    logIndex: logIndex++,
    integratedTime: LOG_TIME,
  });
  return { payload, annotations: simpleSigningAnnotations(signature, bundle) };
}

export function keyAttestation(
  key: TestKey,
  log: FakeLog,
  digest: Digest,
  type: string,
  predicate: unknown,
): SigLayer {
  const predicateType = predicateTypeFor(type);
  const statement = statementEmbedding(digest, predicateType, Buffer.from(JSON.stringify(predicate)));
  const envelope = dsseEnvelope(key, statement);
  const bundle = dsseRekorBundle(log, {
    envelope,
    payload: statement,
    signer: key,
    logIndex: logIndex++,
    integratedTime: LOG_TIME,
  });
  return attLayer(envelope, predicateType, { [CosignAnnotation.BUNDLE]: bundle });
}

/** An in-toto layer in an attestation manifest, as BuildKit attaches one to a platform image. */
function buildkitAttestation(child: BuiltImage): { manifest: Blob; blobs: Blob[] } {
  const blob = (bytes: Buffer, mediaType: string): Blob => ({
    digest: sha256Digest(bytes),
    bytes,
    mediaType,
  });
  const config = blob(
    Buffer.from('{"architecture":"unknown","os":"unknown","rootfs":{"type":"layers","diff_ids":[]}}'),
    MediaType.OCI_CONFIG,
  );
  const layer = blob(
    Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v0.1',
        predicateType: 'https://slsa.dev/provenance/v0.2',
        subject: [{ name: 'pkg:docker/app', digest: { sha256: child.manifest.digest.slice(7) } }],
        predicate: {},
      }),
    ),
    'application/vnd.in-toto+json',
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_MANIFEST,
        config: descriptorOf(config),
        layers: [
          descriptorOf(layer, {
            annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
          }),
        ],
      }),
    ),
    MediaType.OCI_MANIFEST,
  );
  return { manifest, blobs: [manifest, config, layer] };
}

/**
 * The index (signed at the index by `key`), with provenance on linux/amd64 only; `dockerReference` is
 * what the signature payload names (registry/repo).
 */
export function signedMultiArch(opts: {
  seed: string;
  key: TestKey;
  log: FakeLog;
  dockerReference: string;
}): MultiArch {
  const amd = buildImage({ seed: `${opts.seed}-amd64`, platform: { os: 'linux', architecture: 'amd64' } });
  const arm = buildImage({ seed: `${opts.seed}-arm64`, platform: { os: 'linux', architecture: 'arm64' } });
  const bk = buildkitAttestation(amd);
  const indexJson = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_INDEX,
    manifests: [
      descriptorOf(amd.manifest, { platform: amd.platform }),
      descriptorOf(arm.manifest, { platform: arm.platform }),
      descriptorOf(bk.manifest, {
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: {
          'vnd.docker.reference.digest': amd.manifest.digest,
          'vnd.docker.reference.type': 'attestation-manifest',
        },
      }),
    ],
  };
  const bytes = Buffer.from(JSON.stringify(indexJson));
  const index: Blob = { digest: sha256Digest(bytes), bytes, mediaType: MediaType.OCI_INDEX };
  const attached: Attached[] = [
    {
      subject: index.digest,
      suffix: '.sig',
      layers: [keySignature(opts.key, opts.log, index.digest, opts.dockerReference)],
    },
    {
      subject: amd.manifest.digest,
      suffix: '.att',
      layers: [keyAttestation(opts.key, opts.log, amd.manifest.digest, 'slsaprovenance1', PROVENANCE)],
    },
  ];
  return {
    index,
    images: [amd, arm],
    buildkit: bk.manifest,
    blobs: [index, ...amd.blobs, ...arm.blobs, ...bk.blobs],
    amd64: amd.manifest.digest,
    arm64: arm.manifest.digest,
    attached,
  };
}

/** As a layout at dir/seed: the index tagged `tag`, each attachment under cosign's tag name. */
export function writeMultiArchLayout(dir: string, name: string, m: MultiArch, tag = 'v1'): string {
  const blobs = [...m.blobs];
  const descriptors = [descriptorOf(m.index, { annotations: { [REF_NAME_ANNOTATION]: tag } })];
  for (const a of m.attached) {
    const built = buildSigManifest(a.layers);
    blobs.push(built.manifest, ...built.blobs);
    descriptors.push(
      descriptorOf(built.manifest, {
        annotations: { [REF_NAME_ANNOTATION]: digestTag(a.subject, a.suffix) },
      }),
    );
  }
  const path = join(dir, name);
  writeLayout(path, blobs, descriptors);
  return path;
}

/** Pushed to registry/repo, the index tagged `tag`, with the attachments under cosign's tags. */
export async function pushMultiArch(
  client: RegistryClient,
  registry: string,
  repo: string,
  m: MultiArch,
  tag = 'v1',
): Promise<void> {
  const manifests = new Set([...m.images.map((i) => i.manifest.digest), m.buildkit.digest, m.index.digest]);
  for (const b of m.blobs) if (!manifests.has(b.digest)) await pushBlob(client, registry, repo, b.bytes);
  for (const b of m.blobs)
    if (manifests.has(b.digest) && b.digest !== m.index.digest)
      await pushManifest(client, registry, repo, b.digest, b.bytes, b.mediaType);
  await pushManifest(client, registry, repo, tag, m.index.bytes, m.index.mediaType);
  for (const a of m.attached) {
    const built = buildSigManifest(a.layers);
    for (const b of built.blobs) await pushBlob(client, registry, repo, b.bytes);
    await pushManifest(
      client,
      registry,
      repo,
      digestTag(a.subject, a.suffix),
      built.manifest.bytes,
      built.manifest.mediaType,
    );
  }
}
