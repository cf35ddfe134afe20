import { expect, test } from 'vitest';
import { parseChallenges } from '../../src/oci/registry/challenge.js';

test('parses a Bearer challenge with quoted parameters', () => {
  expect(
    parseChallenges(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
    ),
  ).toEqual([
    {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:a/b:pull',
      },
    },
  ]);
});

test('parses several challenges, escaped quotes and token values', () => {
  const c = parseChallenges('Basic realm="a \\"b\\"", Bearer realm=https://x/token, error="invalid_token"');
  expect(c).toEqual([
    { scheme: 'basic', params: { realm: 'a "b"' } },
    { scheme: 'bearer', params: { realm: 'https://x/token', error: 'invalid_token' } },
  ]);
});

test('garbage yields no usable challenge rather than throwing', () => {
  expect(parseChallenges('')).toEqual([]);
  expect(parseChallenges('"""')).toEqual([]);
});
