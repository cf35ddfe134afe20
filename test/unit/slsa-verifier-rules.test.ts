/**
 * slsa-verifier's rules as trustgate applies them (verify-slsa and the policy engine's SLSA gate):
 * Go-semver versioned tags, builder tags, loose builder ids, the certificate's builder and source,
 * and the provenance's materials.
 */
import { describe, expect, test } from 'vitest';
import { builderIdMatches, slsaFields, slsaFindings } from '../../src/policy/evaluate/gates/slsa.js';
import { builderFromCertificate, CONTAINER_GENERATOR } from '../../src/policy/evaluate/gates/slsa-builder.js';
import { isReleaseVersion, versionedTagMismatch } from '../../src/policy/evaluate/gates/slsa-semver.js';

describe('--source-versioned-tag (Go semver, as slsa-verifier)', () => {
  test.each([
    ['v13.0.30', 'v13', true],
    ['v1.2.7', 'v1.2', true],
    ['v1.2.3', 'v1.2.3', true],
    ['v1.2.3+build.5', 'v1.2.3', true], // build metadata never counts
    ['v1', 'v1.0', true], // a short tag canonicalises to v1.0.0
    ['v1.2.3-rc.1', 'v1.2.3-rc.1', true],
    ['v1.2.3-rc.1', 'v1.2.3', false], // the prerelease is part of the patch
    ['v1.2.3', 'v2', false],
    ['v1.2.3', 'v1.3', false],
    ['v1.2.3', 'v1.2.4', false],
    ['1.2.3', 'v1', false], // no leading v: not a version
    ['v1.2.3', '1', false],
    ['v01.2.3', 'v1', false], // leading zeros are invalid
  ])('tag %s against %s: %s', (tag, expected, ok) => {
    expect(versionedTagMismatch(tag, expected) === undefined).toBe(ok);
  });

  test.each([
    ['v1.9.0', true],
    ['v1.9.0-rc.1', false],
    ['v1.9.0+meta', false],
    ['v1.9', false],
    ['1.9.0', false],
  ])('builder tag %s is a release: %s', (tag, ok) => {
    expect(isReleaseVersion(tag)).toBe(ok);
  });
});

describe('builder ids (slsa-verifier MatchesLoose)', () => {
  const id = `${CONTAINER_GENERATOR}@refs/tags/v1.9.0`;
  test.each([
    [CONTAINER_GENERATOR, true],
    [id, true],
    [`${CONTAINER_GENERATOR}@v1.9.0`, true],
    [`${CONTAINER_GENERATOR}@v1.8.0`, false],
    [`${CONTAINER_GENERATOR}@`, false],
    [`${CONTAINER_GENERATOR}@a@b`, false],
    ['https://github.com/other/.github/workflows/x.yml', false],
  ])('%s', (expected, ok) => {
    expect(builderIdMatches(id, expected)).toBe(ok);
  });
});

describe("the certificate's builder", () => {
  const signer = (
    san: string,
    claims: Record<string, string> = { sourceRepositoryURI: 'https://github.com/o/r' },
  ) => ({
    subjectAlternativeName: san,
    issuer: 'https://token.actions.githubusercontent.com',
    claims,
  });
  const want = { sourceUri: 'github.com/o/r', matches: builderIdMatches };

  test('a release-tagged container generator for the repository passes', () => {
    const r = builderFromCertificate(signer(`${CONTAINER_GENERATOR}@refs/tags/v1.9.0`), want);
    expect(r).toMatchObject({ ok: true, builder: { sourceRepository: 'o/r' } });
  });

  test('a prerelease builder tag fails', () => {
    const r = builderFromCertificate(signer(`${CONTAINER_GENERATOR}@refs/tags/v1.9.0-rc.1`), want);
    expect(r).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not at a tag of the form vX.Y.Z'),
    });
  });

  test('another issuer fails', () => {
    const r = builderFromCertificate(
      { ...signer(`${CONTAINER_GENERATOR}@refs/tags/v1.9.0`), issuer: 'https://accounts.google.com' },
      want,
    );
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('invalid OIDC issuer') });
  });

  test('an old certificate names its repository in the v1 GitHub claim', () => {
    const san = `${CONTAINER_GENERATOR}@refs/tags/v1.9.0`;
    expect(builderFromCertificate(signer(san, { 'github-workflow-repository': 'o/r' }), want).ok).toBe(true);
    expect(builderFromCertificate(signer(san, { 'github-workflow-repository': 'o/x' }), want).ok).toBe(false);
  });
});

describe('the SLSA gate, shared with the policy engine', () => {
  const predicate = (material: string) => ({
    builder: { id: 'b' },
    invocation: { configSource: { uri: 'git+https://github.com/o/r@refs/tags/v1' } },
    materials: [{ uri: material }],
  });
  const check = (material: string) =>
    slsaFindings(slsaFields('https://slsa.dev/provenance/v0.2', predicate(material)), {
      sourceUri: 'github.com/o/r',
      sourceMaterial: true,
    });

  test('the first material must be the triggering repository at its ref', () => {
    expect(check('git+https://github.com/o/r@refs/tags/v1').every((f) => f.ok)).toBe(true);
    expect(check('git+https://github.com/o/evil@refs/tags/v1').find((f) => !f.ok)?.id).toBe(
      'slsa/materialUri',
    );
    expect(check('git+https://github.com/o/r').find((f) => !f.ok)?.id).toBe('slsa/materialUri');
  });

  test("sourceUri accepts slsa-verifier's scheme-less form", () => {
    expect(check('git+https://github.com/o/r@refs/tags/v1').find((f) => f.id === 'slsa/sourceUri')?.ok).toBe(
      true,
    );
  });
});
