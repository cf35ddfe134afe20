/**
 * slsa-verifier's `--source-versioned-tag` rule: the expected version names as many parts as it
 * pins (`v1` pins the major only, `v1.2` major and minor, `v1.2.3-rc.1` everything but build
 * metadata), and the provenance's tag must agree on each. Versions are Go semver (`golang.org/x/mod`):
 * a leading `v`, and `vMAJOR` / `vMAJOR.MINOR` short forms, which canonicalise to `.0`.
 */

interface GoSemver {
  major: string;
  minor?: string;
  patch?: string;
  prerelease: string;
  build: string;
}

const NUM = '(0|[1-9][0-9]*)';
const PRE_ID = '(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)';
const BUILD_ID = '[0-9A-Za-z-]+';
// Prerelease and build only on a full version, as Go's semver.IsValid requires.
const SEMVER = new RegExp(
  `^v${NUM}(?:\\.${NUM}(?:\\.${NUM}(-${PRE_ID}(?:\\.${PRE_ID})*)?(\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?)?)?$`,
);

function parseGoSemver(v: string): GoSemver | undefined {
  const m = SEMVER.exec(v);
  if (!m) return undefined;
  return {
    major: m[1]!,
    ...(m[2] !== undefined ? { minor: m[2] } : {}),
    ...(m[3] !== undefined ? { patch: m[3] } : {}),
    prerelease: m[4] ?? '',
    build: m[5] ?? '',
  };
}

/** Why `tag` (a provenance tag, e.g. `v1.2.3`) does not satisfy `expected`, or undefined when it does. */
export function versionedTagMismatch(tag: string, expected: string): string | undefined {
  const want = parseGoSemver(expected);
  if (!want) return `"${expected}" is not a semantic version (vMAJOR[.MINOR[.PATCH]])`;
  const have = parseGoSemver(tag);
  if (!have) return `the provenance's tag "${tag}" is not a semantic version`;
  if (have.major !== want.major)
    return `major version expected 'v${want.major}', got 'v${have.major}' (tag ${tag})`;
  if (want.minor !== undefined && (have.minor ?? '0') !== want.minor)
    return `minor version expected '${want.minor}', got '${have.minor ?? '0'}' (tag ${tag})`;
  // The patch is compared with its prerelease: `v1.2.3` does not match `v1.2.3-rc.1`; build metadata
  // never counts.
  if (want.patch !== undefined) {
    const wantPatch = `${want.patch}${want.prerelease}`;
    const havePatch = `${have.patch ?? '0'}${have.prerelease}`;
    if (havePatch !== wantPatch)
      return `patch version expected '${wantPatch}', got '${havePatch}' (tag ${tag})`;
  }
  return undefined;
}

/** slsa-verifier's builder tags: exactly `vX.Y.Z`, no prerelease or build metadata. */
export function isReleaseVersion(tag: string): boolean {
  const v = parseGoSemver(tag);
  return v !== undefined && v.patch !== undefined && v.prerelease === '' && v.build === '';
}
