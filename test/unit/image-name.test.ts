/**
 * The name policy rules match: a registry reference and an `--image-name` for a layout get the same
 * one, by the same parser (lowercase host, Docker Hub defaults, no HTTPS default port).
 */
import { describe, expect, test } from 'vitest';
import { imageNameOf, parseImageName } from '../../src/reference/name.js';
import { parseRegistryReference } from '../../src/reference/parse.js';

describe('image names', () => {
  test.each([
    ['registry.example/team/app', 'registry.example/team/app', 'registry.example'],
    ['Registry.EXAMPLE/team/app', 'registry.example/team/app', 'registry.example'],
    ['registry.example:443/team/app', 'registry.example/team/app', 'registry.example'],
    ['REGISTRY.example:443/team/app', 'registry.example/team/app', 'registry.example'],
    ['registry.example:5000/team/app', 'registry.example:5000/team/app', 'registry.example:5000'],
    ['registry.example:4430/team/app', 'registry.example:4430/team/app', 'registry.example:4430'],
    ['nginx', 'docker.io/library/nginx', 'docker.io'],
    ['index.docker.io/org/app', 'docker.io/org/app', 'docker.io'],
    ['localhost:443/app', 'localhost/app', 'localhost'],
  ])('%s is named %s', (input, name, registry) => {
    expect(parseImageName(input, '--image-name')).toEqual({ name, registry });
    // The same name as the registry reference itself gets.
    expect(imageNameOf(parseRegistryReference(`${input}:v1`))).toEqual({ name, registry });
  });

  test.each([
    [
      'registry.example/Team/app',
      /--image-name "registry.example\/Team\/app" is not a valid image name: .*must be lowercase/,
    ],
    ['registry.example/team/app:v1', /names a tag; rules match registry\/repository only/],
    [`registry.example/team/app@sha256:${'a'.repeat(64)}`, /names a digest/],
    ['oci:/tmp/x', /is a layout, not a registry name/],
    ['', /not a valid image name: it is empty/],
    ['registry.example:99999/app', /port 99999 is out of range/],
  ])('%s is a usage error', (input, message) => {
    let err: unknown;
    try {
      parseImageName(input, '--image-name');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'USAGE' });
    expect((err as Error).message).toMatch(message);
  });
});
