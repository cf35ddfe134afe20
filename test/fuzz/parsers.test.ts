/**
 * Image references and OCI manifests/indexes. No oracle outside us for references, so the property
 * is a round trip: what parses formats to a reference that parses to the same thing. Manifests are
 * checked against JSON.parse: text it refuses is MANIFEST_INVALID, never anything else.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseManifestSync } from '../../src/oci/manifest-schemas.js';
import { parsePlatform } from '../../src/oci/schema.js';
import { formatReference, parseReference } from '../../src/reference/parse.js';
import { anyString, bounded, bytesNear, fuzz, jsonishText, mutated } from './harness.js';

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const component = fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*$/).map((s) => s.slice(0, 20));
const plausibleReference = fc
  .record({
    registry: fc.option(
      fc.oneof(
        fc.constantFrom('localhost:5000', 'ghcr.io', 'docker.io', '127.0.0.1:1', '[::1]:5000'),
        fc.domain(),
      ),
    ),
    path: fc.array(component, { minLength: 1, maxLength: 4 }),
    tag: fc.option(fc.stringMatching(/^[\w][\w.-]{0,20}$/)),
    digest: fc.option(hex64.map((h) => `sha256:${h}`)),
    layout: fc.boolean(),
  })
  .map(({ registry, path, tag, digest, layout }) =>
    layout
      ? `oci:${path.join('/')}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`
      : `${registry ? `${registry}/` : ''}${path.join('/')}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`,
  );
const editedReference = fc
  .tuple(plausibleReference, fc.nat(), fc.nat({ max: 3 }), anyString(4))
  .map(([s, at, del, ins]) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + ins + s.slice(i + del);
  });
const references = fc.oneof(
  plausibleReference,
  editedReference,
  anyString(300),
  fc.string({ maxLength: 5000 }),
);

describe('fuzz: references', () => {
  test('parseReference returns or throws REFERENCE_INVALID; what parses survives format → parse', () => {
    fuzz('reference parseReference', [references], (s) => {
      const r = bounded(() => parseReference(s));
      if ('error' in r) {
        expect(r.error.code).toBe('REFERENCE_INVALID');
        return;
      }
      const again = bounded(() => parseReference(formatReference(r.value)));
      const { original: _, ...parsed } = r.value as { original?: string };
      expect(again).toEqual({ value: expect.objectContaining(parsed) });
    });
  });

  test('parsePlatform returns os/arch[/variant] or a USAGE error', () => {
    fuzz('schema parsePlatform', [fc.oneof(anyString(40), fc.stringMatching(/^[a-z0-9/]{0,20}$/))], (s) => {
      const r = bounded(() => parsePlatform(s));
      if ('error' in r) expect(r.error.code).toBe('USAGE');
    });
  });
});

const descriptor = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'a'.repeat(64)}`,
  size: 10,
  platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  annotations: { 'org.opencontainers.image.ref.name': 'v1' },
};
const manifestSeed = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { ...descriptor, mediaType: 'application/vnd.oci.image.config.v1+json' },
  layers: [{ ...descriptor, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
  subject: descriptor,
};
const indexSeed = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [descriptor, descriptor],
};
const declared = fc.option(
  fc.constantFrom(
    manifestSeed.mediaType,
    indexSeed.mediaType,
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'text/plain',
  ),
);

describe('fuzz: manifests and indexes', () => {
  test('parseManifestSync returns a manifest or an index, or MANIFEST_INVALID; JSON.parse refusals agree', () => {
    const docs = bytesNear(jsonishText(fc.oneof(mutated(manifestSeed), mutated(indexSeed))));
    fuzz('oci parseManifest', [docs, declared], (b, mt) => {
      const r = bounded(() => parseManifestSync(b, mt ?? undefined, 'the manifest'));
      let json = true;
      try {
        JSON.parse(Buffer.from(b).toString('utf8'));
      } catch {
        json = false;
      }
      if ('error' in r) expect(r.error.code).toBe('MANIFEST_INVALID');
      else expect(json).toBe(true);
      if (!json) expect('error' in r && r.error.message).toContain('not valid JSON');
    });
  });
});
