/**
 * The policy file (`apiVersion: trustgate.dev/v1`, `kind: Policy`), as zod schemas. Every object is
 * strict: an unknown key is an error (a typo'd `requireDigset` must not silently turn a check off).
 * The JSON Schema shipped for editors is generated from these (json-schema.ts).
 */
import * as z from 'zod';

const name = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/, 'names are lower-case letters, digits, ".", "_" and "-"');
const nonEmpty = z.string().min(1);
/** An RFC 3339 time with a zone, e.g. 2026-12-31T00:00:00Z. */
const time = z.iso.datetime({ offset: true });
/** A duration: a number and a unit (s, m, h, d, w), e.g. 30d. */
export const durationText = z.string().regex(/^\d+(s|m|h|d|w)$/, 'a duration such as 12h, 30d or 2w');
const mode = z.enum(['enforce', 'warn', 'audit']);

const trustRoot = z.union([
  z.strictObject({ embedded: z.literal('public-good') }),
  z.strictObject({ trustedRoot: nonEmpty }),
  z.strictObject({ caRoots: nonEmpty, caIntermediates: nonEmpty.optional() }),
]);

const policyKey = z.strictObject({
  /** A PEM public key, inline, or a file relative to the policy file. */
  pem: nonEmpty.optional(),
  file: nonEmpty.optional(),
  notBefore: time.optional(),
  notAfter: time.optional(),
});

const keylessIdentity = z.strictObject({
  issuer: nonEmpty.optional(),
  issuerRegExp: nonEmpty.optional(),
  subject: nonEmpty.optional(),
  subjectRegExp: nonEmpty.optional(),
  /** Fulcio claims by name (sourceRepositoryURI, sourceRepositoryRef, buildSignerURI, runnerEnvironment…). */
  claims: z.record(z.string(), nonEmpty).optional(),
});

const authority = z.strictObject({
  keys: z.array(policyKey).min(1).max(100).optional(),
  /** Fingerprints (sha256:<hex> of the DER public key) that never count, whatever the time. */
  revoked: z
    .array(z.string().regex(/^sha256:[0-9a-f]{64}$/))
    .max(1000)
    .optional(),
  keyless: keylessIdentity.optional(),
  /** Which named trust root checks the log entries and certificates; default: public-good. */
  trustRoot: name.optional(),
  /** Accept signatures with no transparency-log entry (private setups only). */
  ignoreTlog: z.boolean().optional(),
  /** Private CAs have no CT log. */
  ignoreSct: z.boolean().optional(),
});

const signatureRequirement = z.union([
  z.strictObject({ anyOf: z.array(name).min(1) }),
  z.strictObject({ allOf: z.array(name).min(1) }),
  z.strictObject({ threshold: z.number().int().min(1), of: z.array(name).min(1) }),
]);

const condition = z.strictObject({
  name: name.optional(),
  /** CEL over predicate, predicateType, subject and signer (san, issuer, claims). */
  expr: nonEmpty,
  message: nonEmpty,
  severity: z.enum(['critical', 'high', 'medium', 'low']).default('high'),
  mode: z.enum(['enforce', 'warn']).default('enforce'),
});

const slsa = z.strictObject({
  builderId: nonEmpty.optional(),
  builderIdRegExp: nonEmpty.optional(),
  sourceUri: nonEmpty.optional(),
  sourceRef: nonEmpty.optional(),
  sourceRefRegExp: nonEmpty.optional(),
  entryPoint: nonEmpty.optional(),
});

const attestationRequirement = z.strictObject({
  name,
  /** A --type shorthand (slsaprovenance1, cyclonedx, vuln…) or a full predicateType URI. */
  type: nonEmpty,
  /** Authorities whose signature on the attestation counts; default: any authority in the policy. */
  signedBy: z.array(name).min(1).optional(),
  /**
   * `buildkit`: when no signed attestation of the type verifies, an unsigned one BuildKit stored in
   * the image index satisfies it, and the decision warns that the evidence was unsigned. Off by
   * default; never together with signedBy.
   */
  allowUnsigned: z.enum(['buildkit']).optional(),
  maxAge: durationText.optional(),
  slsa: slsa.optional(),
  conditions: z.array(condition).max(100).optional(),
});

const severity = z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']);

const vulnerabilities = z.strictObject({
  signedBy: z.array(name).min(1).optional(),
  /** The worst severity allowed; anything above fails. */
  maxSeverity: severity.optional(),
  denyCVEs: z.array(z.string().regex(/^[A-Za-z]+-\d{4}-\d+$|^GHSA(-[a-z0-9]{4}){3}$/)).optional(),
  /** The scan itself must be at most this old (its signed finish time, else its log time). */
  maxAge: durationText.optional(),
  /** Vulnerabilities with no fixed version are not counted (trivy --ignore-unfixed). */
  ignoreUnfixed: z.boolean().optional(),
  /** Honour CVEs listed in a signed triage attestation (`.trivyignore` content). */
  honourTriage: z.boolean().optional(),
});

const sbom = z.strictObject({
  signedBy: z.array(name).min(1).optional(),
  /** purl prefixes, e.g. pkg:npm/event-stream or pkg:npm/left-pad@1.0.0. */
  deniedPackages: z.array(z.string().startsWith('pkg:')).optional(),
  /** SPDX license identifiers, compared case-insensitively. */
  deniedLicenses: z.array(nonEmpty).optional(),
});

/** An os/arch[/variant] platform, e.g. linux/amd64 or linux/arm/v7. */
const platformText = z
  .string()
  .regex(
    /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?$/,
    'a platform such as linux/amd64 or linux/arm/v7',
  );

/**
 * Which manifests of a multi-arch image the rule's signature and attestation requirements apply to:
 * `index` the index digest only (the default); `each` every platform image; `any` at least one; a
 * list, each named platform (which must exist).
 */
const platformScope = z.union([z.enum(['index', 'each', 'any']), z.array(platformText).min(1).max(64)]);

/**
 * A signed SLSA VSA from a trusted verifier, instead of re-checking the evidence it summarises
 * (src/policy/vsa-judge.ts): PASSED, for this digest, from `authority`, made under that policy, fresh enough.
 */
const requireVSA = z.strictObject({
  authority: name,
  /** The sha256 of the policy file the verifier used (`sha256:<hex>`), or `any`. */
  policyDigest: z.union([z.literal('any'), z.string().regex(/^sha256:[0-9a-f]{64}$/)]),
  /** The VSA must state at least this level (a higher level on the same track implies it). */
  minLevel: nonEmpty.optional(),
  /** How old the VSA's timeVerified may be. */
  maxAge: durationText,
  /** The verifier.id it must name; default: trustgate's own. */
  verifierId: nonEmpty.optional(),
});

const rule = z.strictObject({
  name,
  /** Image globs over registry/repository: `*` stays within a path segment, `**` crosses them. */
  images: z.array(nonEmpty).min(1),
  exclude: z.array(nonEmpty).optional(),
  mode: mode.default('enforce'),
  allowedRegistries: z.array(nonEmpty).optional(),
  /** registry/namespace prefixes, matched at path-segment boundaries. */
  allowedNamespaces: z.array(nonEmpty).optional(),
  requireDigest: z.union([z.boolean(), z.strictObject({ resolve: z.boolean() })]).optional(),
  signatures: signatureRequirement.optional(),
  attestations: z.array(attestationRequirement).max(50).optional(),
  vulnerabilities: vulnerabilities.optional(),
  sbom: sbom.optional(),
  platforms: platformScope.optional(),

  requireVSA: requireVSA.optional(),
  /** The SLSA level a VSA issued under this rule states (default: what its provenance shows). */
  vsaLevel: z
    .string()
    .regex(/^SLSA_BUILD_LEVEL_[0-3]$/)
    .optional(),
});

const denyEntry = { reason: nonEmpty, reference: nonEmpty.optional() };

const deny = z.strictObject({
  digests: z
    .array(z.strictObject({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/), ...denyEntry }))
    .optional(),
  identities: z
    .array(
      z.strictObject({
        subject: nonEmpty.optional(),
        subjectRegExp: nonEmpty.optional(),
        issuer: nonEmpty.optional(),
        ...denyEntry,
      }),
    )
    .optional(),
  issuers: z.array(z.strictObject({ issuer: nonEmpty, ...denyEntry })).optional(),
});

const exception = z.strictObject({
  name,
  images: z.array(nonEmpty).min(1),
  /** Rules it applies to; default: every rule. */
  rules: z.array(name).optional(),
  /** Check ids it waives (globs, e.g. `vulnerabilities/CVE-2024-1234` or `signatures`). */
  checks: z.array(nonEmpty).min(1),
  expiresAt: time,
  reason: nonEmpty,
  ticket: nonEmpty,
});

export const policySchema = z.strictObject({
  apiVersion: z.literal('trustgate.dev/v1'),
  kind: z.literal('Policy'),
  metadata: z.strictObject({ name, description: z.string().optional() }),
  /** `all`: every matching rule applies. `mostSpecific`: only the rule with the longest matching glob. */
  matching: z.enum(['all', 'mostSpecific']).default('all'),
  noMatch: z.enum(['deny', 'warn', 'allow']).default('deny'),
  trustRoots: z.record(name, trustRoot).optional(),
  authorities: z.record(name, authority).default({}),
  rules: z.array(rule).max(10_000).default([]),
  deny: deny.optional(),
  exceptions: z.array(exception).max(10_000).optional(),
});

export type PolicyDocument = z.infer<typeof policySchema>;
export type PolicyRule = PolicyDocument['rules'][number];
export type PlatformScopeText = z.infer<typeof platformScope>;
export type PolicyAuthority = z.infer<typeof authority>;
export type AttestationRequirement = z.infer<typeof attestationRequirement>;
export type VulnerabilityGate = z.infer<typeof vulnerabilities>;
export type SbomGate = z.infer<typeof sbom>;
export type VsaRequirement = z.infer<typeof requireVSA>;
export type PolicyException = z.infer<typeof exception>;
export type PolicyCondition = z.infer<typeof condition>;
export type Severity = z.infer<typeof severity>;
