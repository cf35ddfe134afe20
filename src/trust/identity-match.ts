/**
 * Who must have signed, for keyless verification: the certificate's SAN and OIDC issuer, exact or by
 * regular expression, and exact certificate claims. One matcher for CLI flags and policy authorities.
 * Regular expressions are anchored (`^…$` is implied): cosign and sigstore-js match unanchored, so
 * `rian@dehamer.co` would accept `brian@dehamer.com`. We never pass a plain string to sigstore-js's
 * SAN policy; the signer's identity is matched here, after sigstore-js verified it. The RE2 engine is
 * passed in (identity.ts binds it): a run without a pattern flag never loads it.
 */
import { TrustgateError } from '../errors.js';
import { claimName } from './claims.js';
import { type CompileRegExp, type FullMatch, patternMessage } from './pattern.js';

export interface IdentityPolicyInput {
  identity?: string;
  identityRegexp?: string;
  issuer?: string;
  issuerRegexp?: string;
  /** Exact certificate claims, by dotted OID (see claims.ts). */
  claims?: Record<string, string>;
}

export interface IdentityPolicy {
  describe: string;
  match(signer: {
    subjectAlternativeName?: string | undefined;
    issuer?: string | undefined;
    claims?: Map<string, string>;
  }): { ok: true } | { ok: false; reason: string };
}

/**
 * A flag's pattern, compiled with RE2 and matched against the whole value (`^…$` implied; writing
 * them is harmless). The pattern is never pasted into a larger one, so `a)|(.*` cannot break out of
 * the anchors: RE2 refuses it as unbalanced. RE2 has no lookaround or backreferences, which JS
 * RegExp accepted here before: cosign compiles these flags with Go's regexp (RE2), so a pattern that
 * works with cosign works here, and one that only JS understood was never portable.
 */
export function anchoredWith(
  compile: CompileRegExp,
  pattern: string,
  name: string,
  option?: string,
): FullMatch {
  const r = compile(pattern);
  if ('error' in r)
    throw new TrustgateError('USAGE', patternMessage(r.error, { flag: name, pattern }), {
      ...(option === undefined ? {} : { option }),
    });
  return r.regexp;
}

/**
 * Said when only the implied anchors failed the match: cosign matches unanchored, so a pattern pasted
 * from a vendor's cosign command may rely on matching part of the value. We keep anchoring (a partial
 * match is how `rian@dehamer.co` accepts `brian@dehamer.com`) and say how to widen the pattern.
 */
function anchoringNote(re: FullMatch | undefined, value: string | undefined): string {
  if (re === undefined || value === undefined || !re.find(value)) return '';
  return ` (it matches part of the value only: trustgate anchors patterns, ^…$ implied, where cosign does not; add .* where the pattern may match more)`;
}

/** How the policy engine labels and describes an authority's identity (the CLI uses neither). */
export interface IdentityPolicyOptions {
  /** Prefixes every reason, e.g. the authority's name. */
  label?: string;
  /** Replaces the generated description. */
  describe?: string;
}

/** Whether matching `input` needs the RE2 engine. */
export function hasPattern(input: IdentityPolicyInput): boolean {
  return input.identityRegexp !== undefined || input.issuerRegexp !== undefined;
}

/** `compile` may be left out only when the input has no pattern (see hasPattern). */
export function identityPolicyWith(
  compile: CompileRegExp | undefined,
  input: IdentityPolicyInput,
  o: IdentityPolicyOptions = {},
): IdentityPolicy {
  const idCount = Number(input.identity !== undefined) + Number(input.identityRegexp !== undefined);
  const issCount = Number(input.issuer !== undefined) + Number(input.issuerRegexp !== undefined);
  if (idCount !== 1 || issCount !== 1) {
    // Kept naming flags: the CLI prints it as is and it names four options at once, which
    // cliMessage's one-option lead cannot map; a library caller reads the flag names as the options.
    throw new TrustgateError(
      'USAGE',
      'keyless verification needs exactly one of --certificate-identity / --certificate-identity-regexp and one of --certificate-oidc-issuer / --certificate-oidc-issuer-regexp',
      {
        hint: 'for a GitHub Actions release: --certificate-identity-regexp "^https://github.com/ORG/REPO/.github/workflows/release.yml@refs/tags/v.*$" --certificate-oidc-issuer https://token.actions.githubusercontent.com',
      },
    );
  }
  const pattern = (p: string, name: string) => {
    // A caller bug, not the user's: fail closed rather than compare a pattern as a string.
    if (!compile) throw new Error(`identityPolicyWith: ${name} given without a regexp engine`);
    return anchoredWith(compile, p, name, name);
  };
  const idRe =
    input.identityRegexp !== undefined ? pattern(input.identityRegexp, 'identityRegexp') : undefined;
  const issRe = input.issuerRegexp !== undefined ? pattern(input.issuerRegexp, 'issuerRegexp') : undefined;
  const wantId = input.identity ?? `/${input.identityRegexp}/`;
  const wantIss = input.issuer ?? `/${input.issuerRegexp}/`;
  const claimText = Object.entries(input.claims ?? {})
    .map(([o, v]) => `, ${claimName(o)}=${v}`)
    .join('');
  return {
    describe: o.describe ?? `identity ${wantId}, issuer ${wantIss}${claimText}`,
    match(signer) {
      const san = signer.subjectAlternativeName;
      const iss = signer.issuer;
      const idOk = san !== undefined && (idRe ? idRe.test(san) : san === input.identity);
      // A certificate without an issuer claim (private CAs) matches only a regexp that accepts "".
      const issOk = issRe ? issRe.test(iss ?? '') : iss !== undefined && iss === input.issuer;
      const parts: string[] = [];
      if (!idOk)
        parts.push(
          `certificate identity is ${san === undefined ? 'missing' : `"${san}"`}, expected ${wantId}${anchoringNote(idRe, san)}`,
        );
      if (!issOk)
        parts.push(
          `OIDC issuer is ${iss === undefined ? 'missing' : `"${iss}"`}, expected ${wantIss}${anchoringNote(issRe, iss)}`,
        );
      for (const [oid, want] of Object.entries(input.claims ?? {})) {
        const have = signer.claims?.get(oid);
        if (have !== want)
          parts.push(
            `certificate claim ${claimName(oid)} is ${have === undefined ? 'missing' : `"${have}"`}, expected "${want}"`,
          );
      }
      if (parts.length === 0) return { ok: true };
      const reason = parts.join('; ');
      return { ok: false, reason: o.label !== undefined ? `${o.label}: ${reason}` : reason };
    },
  };
}
