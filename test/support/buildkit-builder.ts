/**
 * Image indexes shaped exactly as BuildKit's image exporter writes them with `--attest
 * type=provenance` / `type=sbom` (moby/buildkit exporter/containerimage/writer.go,
 * commitAttestationsManifest, and exporter/attestation/make.go): the runnable images first, then one
 * attestation manifest per image, platform unknown/unknown, annotated `vnd.docker.reference.type:
 * attestation-manifest` and `vnd.docker.reference.digest: <image>`. Its layers are in-toto statements
 * (`application/vnd.in-toto+json`, annotated `in-toto.io/predicate-type`) whose subject is the image,
 * named by its purl. JSON is indented as Go's json.MarshalIndent does, keys in BuildKit's struct order.
 */
import { MediaType } from '../../src/oci/media-types.js';
import type { RegistryClient } from '../../src/oci/registry/client.js';
import { pushBlob, pushManifest } from '../../src/oci/registry/push.js';
import type { Platform } from '../../src/oci/schema.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { type Blob, type BuiltImage, buildImage } from './image-builder.js';
import { pushImage } from './push.js';

export const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
export const SLSA_V1 = 'https://slsa.dev/provenance/v1';
export const SPDX = 'https://spdx.dev/Document';
const IN_TOTO = 'application/vnd.in-toto+json';
const ARTIFACT_TYPE = 'application/vnd.docker.attestation.manifest.v1+json';

export interface BuildkitIndexSpec {
  seed: string;
  /** The image name BuildKit was given (the purl of each statement's subject). */
  name: string;
  platforms: Platform[];
  /** Predicate types attested per platform index (default: provenance v0.2 and SPDX for every one). */
  attest?: (platform: Platform, i: number) => string[];
  /** `legacy`: an image config of unknown/unknown, no subject (oci-artifact=false, BuildKit < 0.31). */
  form?: 'legacy' | 'artifact';
  /** Also an attestation manifest naming a digest that is no image of the index. */
  orphan?: boolean;
}

export interface BuiltBuildkitIndex {
  index: Blob;
  images: BuiltImage[];
  /** Attestation manifests with their config and layers, in index order. */
  attestations: Array<{ manifest: Blob; blobs: Blob[]; child: Digest }>;
  blobs: Blob[];
}

const blob = (bytes: Uint8Array, mediaType: string): Blob => ({
  digest: sha256Digest(bytes),
  bytes,
  mediaType,
});
const goIndent = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2));

function predicateFor(type: string, seed: string): unknown {
  if (type === SPDX)
    return {
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: `sbom-${seed}`,
      packages: [{ name: 'hello', SPDXID: 'SPDXRef-Package-hello', versionInfo: '1.0' }],
    };
  if (type === SLSA_V1)
    return {
      buildDefinition: {
        buildType: 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md',
      },
      runDetails: { builder: { id: '' }, metadata: { invocationID: seed } },
    };
  return {
    builder: { id: '' },
    buildType: 'https://mobyproject.org/buildkit@v1',
    metadata: {
      buildInvocationID: seed,
      completeness: { parameters: false, environment: true, materials: false },
    },
    invocation: { configSource: { entryPoint: 'Dockerfile' } },
  };
}

/** One in-toto statement as BuildKit marshals it: _type, predicateType, subject, predicate. */
export function buildkitStatement(type: string, subjectName: string, subject: Digest, seed: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: type,
      subject: [{ name: subjectName, digest: { sha256: subject.slice('sha256:'.length) } }],
      predicate: predicateFor(type, seed),
    }),
  );
}

function purl(name: string, p: Platform): string {
  const [repo, tag = 'latest'] = name.split(':');
  const plat = encodeURIComponent(`${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`);
  return `pkg:docker/${repo}@${tag}?platform=${plat}`;
}

function attestationManifest(
  child: BuiltImage,
  statements: Buffer[],
  types: string[],
  form: 'legacy' | 'artifact',
): { manifest: Blob; blobs: Blob[] } {
  const layers = statements.map((s) => blob(s, IN_TOTO));
  const layerDescs = layers.map((l, i) => ({
    mediaType: IN_TOTO,
    digest: l.digest,
    size: l.bytes.length,
    annotations: { 'in-toto.io/predicate-type': types[i]! },
  }));
  const config =
    form === 'artifact'
      ? blob(Buffer.from('{}'), MediaType.OCI_EMPTY)
      : blob(
          Buffer.from(
            JSON.stringify({
              architecture: 'unknown',
              os: 'unknown',
              config: {},
              rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
            }),
          ),
          MediaType.OCI_CONFIG,
        );
  const configDesc = {
    mediaType: config.mediaType,
    digest: config.digest,
    size: config.bytes.length,
    ...(form === 'artifact' ? { data: 'e30=' } : {}),
  };
  const manifest = blob(
    goIndent({
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      ...(form === 'artifact' ? { artifactType: ARTIFACT_TYPE } : {}),
      config: configDesc,
      layers: layerDescs,
      ...(form === 'artifact'
        ? {
            subject: {
              mediaType: child.manifest.mediaType,
              digest: child.manifest.digest,
              size: child.manifest.bytes.length,
            },
          }
        : {}),
    }),
    MediaType.OCI_MANIFEST,
  );
  return { manifest, blobs: [manifest, config, ...layers] };
}

export function buildBuildkitIndex(spec: BuildkitIndexSpec): BuiltBuildkitIndex {
  const form = spec.form ?? 'legacy';
  const images = spec.platforms.map((p) =>
    buildImage({ seed: `${spec.seed}-${p.os}-${p.architecture}${p.variant ?? ''}`, platform: p }),
  );
  const attestations: BuiltBuildkitIndex['attestations'] = [];
  images.forEach((img, i) => {
    const types = spec.attest ? spec.attest(img.platform, i) : [SLSA_V02, SPDX];
    if (types.length === 0) return;
    const statements = types.map((t) =>
      buildkitStatement(t, purl(spec.name, img.platform), img.manifest.digest, spec.seed),
    );
    attestations.push({ ...attestationManifest(img, statements, types, form), child: img.manifest.digest });
  });
  if (spec.orphan) {
    // A statement about an image that is not in this index (copied from another build, say).
    const stray = buildImage({ seed: `${spec.seed}-stray` });
    const st = buildkitStatement(SLSA_V02, purl(spec.name, stray.platform), stray.manifest.digest, spec.seed);
    attestations.push({
      ...attestationManifest(stray, [st], [SLSA_V02], form),
      child: stray.manifest.digest,
    });
  }
  const index = blob(
    goIndent({
      schemaVersion: 2,
      mediaType: MediaType.OCI_INDEX,
      manifests: [
        ...images.map((img) => ({
          mediaType: img.manifest.mediaType,
          digest: img.manifest.digest,
          size: img.manifest.bytes.length,
          platform: {
            architecture: img.platform.architecture,
            os: img.platform.os,
            ...(img.platform.variant ? { variant: img.platform.variant } : {}),
          },
        })),
        ...attestations.map((a) => ({
          mediaType: MediaType.OCI_MANIFEST,
          digest: a.manifest.digest,
          size: a.manifest.bytes.length,
          annotations: {
            'vnd.docker.reference.digest': a.child,
            'vnd.docker.reference.type': 'attestation-manifest',
          },
          platform: { architecture: 'unknown', os: 'unknown' },
        })),
      ],
    }),
    MediaType.OCI_INDEX,
  );
  return {
    index,
    images,
    attestations,
    blobs: [index, ...images.flatMap((i) => i.blobs), ...attestations.flatMap((a) => a.blobs)],
  };
}

/** Push it as buildx --push does: the images, the attestation manifests, then the index under `tag`. */
export async function pushBuildkitIndex(
  client: RegistryClient,
  registry: string,
  repo: string,
  built: BuiltBuildkitIndex,
  tag: string,
): Promise<void> {
  for (const img of built.images) await pushImage(client, registry, repo, img);
  for (const a of built.attestations) {
    for (const b of a.blobs.slice(1)) await pushBlob(client, registry, repo, b.bytes);
    await pushManifest(client, registry, repo, a.manifest.digest, a.manifest.bytes, a.manifest.mediaType);
  }
  await pushManifest(client, registry, repo, tag, built.index.bytes, built.index.mediaType);
}
