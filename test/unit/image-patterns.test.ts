/**
 * Rule, exception and allow-list patterns are matched against normalised names, so a pattern written
 * another way would silently match nothing and let a stricter rule lapse: it is a policy error instead.
 */
import { expect, test } from 'vitest';
import { compilePolicy } from '../../src/policy/load.js';

const HEAD = 'apiVersion: trustgate.dev/v1\nkind: Policy\nmetadata: { name: t }\nnoMatch: allow\n';
const issuesOf = (rules: string) => {
  const r = compilePolicy(`${HEAD}${rules}`, 'p.yaml');
  return 'issues' in r ? r.issues.map((i) => `${i.path}: ${i.message} (${i.hint})`) : [];
};

test.each([
  ['Registry.example/trustgate/**', 'write registry.example/trustgate/**'],
  ['registry.example:443/trustgate/**', 'write registry.example/trustgate/**'],
  ['LOCALHOST:15001/**', 'write localhost:15001/**'],
  ['index.docker.io/library/**', 'write docker.io/library/**'],
  ['nginx', 'write docker.io/library/nginx'],
  ['myorg/app', 'write docker.io/myorg/app'],
])('a rule image pattern %s that can match nothing is refused: %s', (pattern, hint) => {
  const issues = issuesOf(`rules:\n  - { name: r, images: ["${pattern}"] }\n`);
  expect(issues.length, issues.join('\n')).toBe(1);
  expect(issues[0]).toContain('rules.0.images.0');
  expect(issues[0]).toContain(hint);
});

test('exception images and allow-lists are checked the same way', () => {
  const issues = issuesOf(
    'rules:\n  - { name: r, images: ["**"], allowedRegistries: [GHCR.io], allowedNamespaces: ["ghcr.io:443/org"] }\n' +
      'exceptions:\n  - { name: e, images: ["Ghcr.io/org/app"], checks: [signatures], expiresAt: 2099-01-01T00:00:00Z, reason: r, ticket: T-1 }\n',
  );
  expect(issues.map((i) => i.split(':')[0])).toEqual([
    'rules.0.allowedRegistries.0',
    'rules.0.allowedNamespaces.0',
    'exceptions.0.images.0',
  ]);
});

test('a registry the image name keeps as written (registry-1.docker.io) is a pattern that can match', async () => {
  const { parseRegistryReference } = await import('../../src/reference/parse.js');
  expect(parseRegistryReference('registry-1.docker.io/library/nginx').registry).toBe('registry-1.docker.io');
  expect(issuesOf('rules:\n  - { name: r, images: ["registry-1.docker.io/library/**"] }\n')).toEqual([]);
});

test('normalised patterns, globs in the host, and the catch-all compile cleanly', () => {
  for (const p of [
    '**',
    'registry.example/trustgate/**',
    'localhost:5000/app',
    'docker.io/library/nginx',
    '*.example/**',
  ])
    expect(issuesOf(`rules:\n  - { name: r, images: ["${p}"] }\n`), p).toEqual([]);
});
