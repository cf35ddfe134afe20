/**
 * Who may have built a container image, for `verify-slsa`: the identity in the Fulcio certificate of
 * a SLSA provenance must be one of slsa-github-generator's trusted reusable workflows, at a release
 * tag, run by GitHub Actions for the expected repository. These are slsa-verifier's `verify-image`
 * builder checks; the provenance's own fields are checked by the policy engine's SLSA gate.
 */
import { isReleaseVersion } from './slsa-semver.js';

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows';

/** The builder slsa-verifier trusts for images when no --builder-id is given. */
export const CONTAINER_GENERATOR = `${GENERATOR}/generator_container_slsa3.yml`;

/**
 * Builders whose provenance slsa-verifier can read, accepted only when --builder-id names them: the
 * generic generator, the Go builder and the container-based builder. BYOB delegator workflows
 * (delegator_*.yml) are not accepted: their provenance names a second builder, which trustgate does
 * not verify.
 */
export const NAMED_BUILDERS: readonly string[] = [
  CONTAINER_GENERATOR,
  `${GENERATOR}/generator_generic_slsa3.yml`,
  `${GENERATOR}/builder_go_slsa3.yml`,
  `${GENERATOR}/builder_container-based_slsa3.yml`,
];

export interface BuilderIdentity {
  /** The workflow without its ref: the builder's name. */
  name: string;
  /** `refs/tags/vX.Y.Z`. */
  ref: string;
  /** `name@ref`: what the provenance's builder.id must be, exactly. */
  id: string;
  /** The repository the workflow ran for, `org/repo`. */
  sourceRepository: string;
  /** The commit it ran at, when the certificate says. */
  sourceSha?: string;
}

/** The certificate's signer, as verify/ reports it: SAN, issuer, Fulcio claims by name. */
export interface CertificateSigner {
  subjectAlternativeName?: string;
  issuer?: string;
  claims?: Record<string, string>;
}

/** `github.com/o/r`, `git+https://github.com/o/r` → `o/r`, as slsa-verifier compares with the certificate. */
export function expectedRepository(sourceUri: string): string {
  return sourceUri.replace(/^git\+https:\/\//, '').replace(/^github\.com\//, '');
}

/**
 * The builder a certificate names, checked: GitHub Actions' issuer, a trusted workflow (or the one
 * --builder-id names, loosely: with or without its version), at a `vX.Y.Z` tag, run for `sourceUri`.
 */
export function builderFromCertificate(
  signer: CertificateSigner,
  want: { sourceUri: string; builderId?: string; matches: (actual: string, expected: string) => boolean },
): { ok: true; builder: BuilderIdentity } | { ok: false; reason: string } {
  if (signer.issuer !== GITHUB_ACTIONS_ISSUER)
    return {
      ok: false,
      reason: `invalid OIDC issuer: the certificate's issuer is "${signer.issuer ?? ''}", expected ${GITHUB_ACTIONS_ISSUER}`,
    };
  const san = signer.subjectAlternativeName ?? '';
  const at = san.lastIndexOf('@');
  const name = at > 0 ? san.slice(0, at) : '';
  const ref = at > 0 ? san.slice(at + 1) : '';
  if (!name.startsWith('https://github.com/') || ref === '')
    return {
      ok: false,
      reason: `malformed URI: the certificate's identity "${san}" is not a GitHub workflow@ref`,
    };
  const id = `${name}@${ref}`;
  if (want.builderId === undefined || want.builderId === '') {
    if (name !== CONTAINER_GENERATOR)
      return {
        ok: false,
        reason: `untrusted reusable workflow: ${name}; the trusted builder for images is ${CONTAINER_GENERATOR} (name another with --builder-id)`,
      };
  } else {
    if (!NAMED_BUILDERS.includes(name))
      return {
        ok: false,
        reason: `untrusted reusable workflow: ${name} is not a slsa-github-generator builder trustgate verifies (${NAMED_BUILDERS.join(', ')})`,
      };
    if (!want.matches(id, want.builderId))
      return {
        ok: false,
        reason: `untrusted reusable workflow: builderID does not match: the certificate names ${id}, expected ${want.builderId}`,
      };
  }
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  if (tag === undefined || !isReleaseVersion(tag))
    return { ok: false, reason: `invalid ref: the builder ran at ${ref}, not at a tag of the form vX.Y.Z` };
  const claims = signer.claims ?? {};
  const uri = claims.sourceRepositoryURI;
  const sourceRepository = uri?.startsWith('https://github.com/')
    ? uri.slice('https://github.com/'.length)
    : claims['github-workflow-repository'];
  const expected = expectedRepository(want.sourceUri);
  if (sourceRepository !== expected)
    return {
      ok: false,
      reason: `source used to generate the binary does not match provenance: expected source '${expected}', the certificate says '${sourceRepository ?? ''}'`,
    };
  const sourceSha = claims.sourceRepositoryDigest ?? claims['github-workflow-sha'];
  return { ok: true, builder: { name, ref, id, sourceRepository, ...(sourceSha ? { sourceSha } : {}) } };
}
