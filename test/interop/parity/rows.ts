/**
 * The parity table's rows: the commands vendors publish for cosign (and slsa-verifier), verbatim
 * apart from what this offline test world needs, and the one function that turns a cosign command
 * line into trustgate's.
 */

/**
 * Features a row may need that are not on this branch yet. A row needing any feature listed here is
 * run and shown, but reported as `pending: <feature>` and never counted as agreeing; delete an entry
 * once the feature is merged and its rows are asserted.
 */
export const PENDING: Partial<Record<Feature, string>> = {};

export type Feature = 'cue';

export interface ParityRow {
  name: string;
  /** The published tool; slsa-verifier is not installed, so its rows check trustgate's verdict only. */
  tool?: 'cosign' | 'slsa-verifier';
  /** Its arguments after the tool name; an argument `$NAME` is replaced by the fixture's value of NAME. */
  args: string[];
  /** The rest of the published pipeline, as shell text (run by bash with pipefail). */
  pipe?: string;
  /** A file the pipeline writes: its bytes are compared instead of stdout's. */
  outFile?: string;
  expect: 'pass' | 'fail';
  /**
   * Legacy (.sig/.att) keyless rows: cosign 2.5 takes --trusted-root only with --new-bundle-format, so
   * the throwaway world's trust reaches it through SIGSTORE_ROOT_FILE, SIGSTORE_REKOR_PUBLIC_KEY and
   * SIGSTORE_CT_LOG_PUBLIC_KEY_FILE; trustgate reads no such variables and is given --trusted-root
   * (so is verify-slsa, whose slsa-verifier counterpart knows only the public-good root).
   */
  trustFromEnv?: boolean;
  needs?: Feature[];
  note?: string;
  /**
   * A deliberate difference: cosign 2.5 gives the other verdict, for this reason. The row then asserts
   * that it does (so the reason stays true) and that trustgate gives `expect`.
   */
  cosignDiffers?: string;
}

/** The trustgate command line for a published cosign (or slsa-verifier) one: the tool name replaced. */
export function trustgateArgs(args: readonly string[], tool: ParityRow['tool'] = 'cosign'): string[] {
  if (tool === 'slsa-verifier')
    return args[0] === 'verify-image' ? ['verify-slsa', ...args.slice(1)] : [...args];
  return [...args];
}

/** The features among `needs` that are still pending. */
export function pendingFeatures(row: ParityRow): Feature[] {
  return (row.needs ?? []).filter((f) => PENDING[f] !== undefined);
}

const ISSUER = ['--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com'];
const SLSA_GENERATOR =
  '^https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v[0-9]+.[0-9]+.[0-9]+$';
const RELEASE = (repo: string) =>
  `^https://github.com/${repo}/.github/workflows/release.yml@refs/tags/v[0-9]+.[0-9]+.[0-9]+(-rc.[0-9]+)?$`;
/** The fixtures have no log entry for key-signed images, so both tools are told to skip it, as the issue says. */
const NO_TLOG = '--insecure-ignore-tlog';

/**
 * Variables: KEY/WRONG_KEY (PEM files), KEY_URL (the key served on loopback), LEGACY (cosign sign +
 * cosign attest, legacy .sig/.att), TAMPERED (a .sig whose payload was altered), BUNDLE (cosign attest
 * --new-bundle-format), KEYLESS (keyless .att and bundles from the throwaway Sigstore world),
 * TRUSTED_ROOT (that world's trusted_root.json; also holds no key of the cosign key pair, which needs none).
 */
export const ROWS: ParityRow[] = [
  {
    name: '1 verify --key',
    args: ['verify', '--key', '$KEY', NO_TLOG, '$LEGACY'],
    expect: 'pass',
    // cosign prints an empty line before its JSON array; -o cosign does not.
  },
  {
    name: '2 verify --key URL | jq',
    args: ['verify', '--key', '$KEY_URL', NO_TLOG, '$LEGACY'],
    pipe: '| jq',
    expect: 'pass',
    note: 'the URL is http://127.0.0.1 (no network here)',
  },
  {
    name: '3 verify-attestation spdxjson | jq predicate',
    args: ['verify-attestation', '--type', 'spdxjson', '--key', '$KEY', NO_TLOG, '$LEGACY'],
    pipe: "| jq '.payload | @base64d | fromjson | .predicate'",
    expect: 'pass',
    note: 'grype is not installed: the bytes it would read are compared',
  },
  {
    name: '4 verify-attestation slsaprovenance keyless legacy, CUE',
    args: [
      'verify-attestation',
      '--type',
      'slsaprovenance',
      '--new-bundle-format=false',
      ...ISSUER,
      '--certificate-identity-regexp',
      SLSA_GENERATOR,
      '--policy',
      '$POLICY_SLSA',
      '$KEYLESS',
    ],
    pipe: "| jq -r '.payload' | base64 -d | jq",
    trustFromEnv: true,
    expect: 'pass',
    needs: ['cue'],
  },
  {
    name: '4a same, without --policy and --new-bundle-format=false',
    args: [
      'verify-attestation',
      '--type',
      'slsaprovenance',
      ...ISSUER,
      '--certificate-identity-regexp',
      SLSA_GENERATOR,
      '$KEYLESS',
    ],
    pipe: "| jq -r '.payload' | base64 -d | jq",
    trustFromEnv: true,
    expect: 'pass',
  },
  {
    name: '5 verify --new-bundle-format keyless | jq',
    args: [
      'verify',
      '--new-bundle-format',
      ...ISSUER,
      '--certificate-identity-regexp',
      RELEASE('acme/app'),
      '--trusted-root',
      '$TRUSTED_ROOT',
      '$KEYLESS_SIG',
    ],
    pipe: '| jq',
    expect: 'pass',
  },
  {
    name: '5b same, on an image signed in the bundle format only',
    args: [
      'verify',
      '--new-bundle-format',
      ...ISSUER,
      '--certificate-identity-regexp',
      RELEASE('acme/app'),
      '--trusted-root',
      '$TRUSTED_ROOT',
      '$KEYLESS',
    ],
    pipe: '| jq',
    expect: 'pass',
    cosignDiffers:
      "cosign 2.5's verify ignores --new-bundle-format and finds no .sig; trustgate reads the bundle, as cosign 3 does",
  },
  {
    name: '6 verify-attestation --new-bundle-format cyclonedx keyless, CUE > sbom.json',
    args: [
      'verify-attestation',
      '--new-bundle-format',
      '--type',
      'cyclonedx',
      ...ISSUER,
      '--certificate-identity-regexp',
      RELEASE('acme/app'),
      '--trusted-root',
      '$TRUSTED_ROOT',
      '--policy',
      '$POLICY_SBOM',
      '$KEYLESS',
    ],
    pipe: "| jq -r '.payload' | base64 -d | jq -r '.predicate' > sbom.json",
    outFile: 'sbom.json',
    expect: 'pass',
    needs: ['cue'],
  },
  {
    name: '6a same with --key, bundle cosign attested',
    args: [
      'verify-attestation',
      '--new-bundle-format',
      '--type',
      'cyclonedx',
      '--key',
      '$KEY',
      '--trusted-root',
      '$TRUSTED_ROOT',
      NO_TLOG,
      '$BUNDLE',
    ],
    pipe: "| jq -r '.payload' | base64 -d | jq -r '.predicate' > sbom.json",
    outFile: 'sbom.json',
    expect: 'pass',
  },
  {
    name: '7 slsa-verifier verify-image',
    tool: 'slsa-verifier',
    args: ['verify-image', '--source-uri', 'github.com/acme/app', '--source-versioned-tag', 'v1', '$KEYLESS'],
    expect: 'pass',
    trustFromEnv: true,
    note: 'no slsa-verifier binary: trustgate against the expected verdict',
  },
  // Negatives: the same verdict (cosign exits 1 where trustgate exits 10/12, a documented difference).
  {
    name: 'x wrong key',
    args: ['verify', '--key', '$WRONG_KEY', NO_TLOG, '$LEGACY'],
    expect: 'fail',
  },
  {
    name: 'x wrong key, attestation | jq',
    args: ['verify-attestation', '--type', 'spdxjson', '--key', '$WRONG_KEY', NO_TLOG, '$LEGACY'],
    pipe: "| jq '.payload | @base64d | fromjson | .predicate'",
    expect: 'fail',
  },
  {
    name: 'x verify-attestation without --type (cosign: custom only)',
    args: ['verify-attestation', '--key', '$KEY', NO_TLOG, '$LEGACY'],
    expect: 'fail',
  },
  {
    name: 'x tampered payload',
    args: ['verify', '--key', '$KEY', NO_TLOG, '$TAMPERED'],
    expect: 'fail',
  },
  {
    name: 'x wrong identity regexp, legacy .att',
    args: [
      'verify-attestation',
      '--type',
      'slsaprovenance',
      ...ISSUER,
      '--certificate-identity-regexp',
      RELEASE('acme/other'),
      '$KEYLESS',
    ],
    pipe: "| jq -r '.payload' | base64 -d | jq",
    trustFromEnv: true,
    expect: 'fail',
  },
  {
    name: 'x wrong identity regexp, bundle',
    args: [
      'verify',
      '--new-bundle-format',
      ...ISSUER,
      '--certificate-identity-regexp',
      RELEASE('acme/other'),
      '--trusted-root',
      '$TRUSTED_ROOT',
      '$KEYLESS',
    ],
    pipe: '| jq',
    expect: 'fail',
  },
  {
    name: 'x wrong key, bundle',
    args: [
      'verify-attestation',
      '--new-bundle-format',
      '--type',
      'cyclonedx',
      '--key',
      '$WRONG_KEY',
      '--trusted-root',
      '$TRUSTED_ROOT',
      NO_TLOG,
      '$BUNDLE',
    ],
    expect: 'fail',
  },
  {
    name: 'x CUE policy, wrong repository',
    args: [
      'verify-attestation',
      '--type',
      'slsaprovenance',
      '--new-bundle-format=false',
      ...ISSUER,
      '--certificate-identity-regexp',
      SLSA_GENERATOR,
      '--policy',
      '$POLICY_SLSA_OTHER',
      '$KEYLESS',
    ],
    pipe: "| jq -r '.payload' | base64 -d | jq",
    trustFromEnv: true,
    expect: 'fail',
    needs: ['cue'],
  },
];
