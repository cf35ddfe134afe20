/** The BuildKit hint of verify-attestation costs no request unless the image was resolved from an index. */
import { describe, expect, test } from 'vitest';
import { MediaType } from '../../src/oci/media-types.js';
import type { FetchedManifest, ImageSource } from '../../src/oci/source.js';
import type { Digest } from '../../src/reference/digest.js';
import { sha256Digest } from '../../src/reference/digest.js';
import { parseReference } from '../../src/reference/parse.js';
import type { ResolvedImage } from '../../src/resolve/resolve.js';
import { buildkitManifestCount } from '../../src/run/buildkit.js';

const CHILD = `sha256:${'b'.repeat(64)}` as Digest;
const OTHER = `sha256:${'c'.repeat(64)}` as Digest;
const entry = (digest: string, extra: Record<string, unknown> = {}) => ({
  mediaType: MediaType.OCI_MANIFEST,
  digest,
  size: 10,
  ...extra,
});
const attestation = (names: string, digest: string) =>
  entry(digest, {
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: {
      'vnd.docker.reference.type': 'attestation-manifest',
      'vnd.docker.reference.digest': names,
    },
  });
const indexBytes = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OCI_INDEX,
    manifests: [
      entry(CHILD, { platform: { os: 'linux', architecture: 'amd64' } }),
      entry(OTHER, { platform: { os: 'linux', architecture: 'arm64' } }),
      attestation(CHILD, `sha256:${'d'.repeat(64)}`),
      attestation(OTHER, `sha256:${'e'.repeat(64)}`),
      // Names no image of the index: not counted.
      attestation(`sha256:${'f'.repeat(64)}`, `sha256:${'0'.repeat(64)}`),
    ],
  }),
);
const INDEX = sha256Digest(indexBytes);

function source(): ImageSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    name: 'reg.example/app',
    resolve: () => Promise.reject(new Error('not used')),
    getManifest: async (d: string): Promise<FetchedManifest> => {
      reads.push(d);
      return { digest: INDEX, mediaType: MediaType.OCI_INDEX, bytes: indexBytes } as FetchedManifest;
    },
    getBlob: () => Promise.reject(new Error('not used')),
    referrers: () => Promise.reject(new Error('not used')),
    listTags: () => Promise.reject(new Error('not used')),
  };
}

function image(over: Partial<ResolvedImage>, s: ImageSource): ResolvedImage {
  return {
    reference: 'reg.example/app:v1',
    canonical: `reg.example/app@${INDEX}`,
    digest: INDEX,
    mediaType: MediaType.OCI_INDEX,
    size: indexBytes.length,
    source: s,
    parsed: parseReference('reg.example/app:v1'),
    ...over,
  };
}

describe('buildkitManifestCount', () => {
  test('an image that is no index, or whose media type a digest-only resolve left unknown: no request', async () => {
    for (const mediaType of [MediaType.OCI_MANIFEST, '']) {
      const s = source();
      expect(await buildkitManifestCount(image({ digest: CHILD, mediaType }, s))).toBe(0);
      expect(s.reads).toEqual([]);
    }
  });
  test('the index: one request, every manifest naming one of its images', async () => {
    const s = source();
    expect(await buildkitManifestCount(image({}, s))).toBe(2);
    expect(s.reads).toEqual([INDEX]);
  });
  test('a platform selected from the index: only the manifests naming it', async () => {
    const s = source();
    const n = await buildkitManifestCount(
      image({ digest: CHILD, mediaType: MediaType.OCI_MANIFEST, index: INDEX, platform: 'linux/amd64' }, s),
    );
    expect(n).toBe(1);
    expect(s.reads).toEqual([INDEX]);
  });
});
