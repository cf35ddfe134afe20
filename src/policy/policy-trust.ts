/**
 * A compiled policy's authorities as the one trust builder (verify/trust.ts) takes them, so a
 * policy's trust is built by the same code as the CLI's flags. Deny lists need to know every keyless
 * signer, so each trust root in use also gets a verifier that accepts any identity, for naming only.
 */
import { FULCIO_V2_CLAIMS, GITHUB_V1_CLAIMS } from '../trust/claims.js';
import { compileRegExp } from '../trust/regexp.js';
import type { LoadedTrustRoot } from '../trust/roots.js';
import type { PolicyTrust } from '../verify/trust.js';
import { type AuthoritySpec, buildPolicyTrust } from '../verify/trust.js';
import type { CompiledAuthority, CompiledPolicy } from './load.js';

/** The name the policy layer has always used for PolicyTrust. */
export type PolicyVerifiers = PolicyTrust;

const CLAIM_OIDS: Record<string, string> = { ...FULCIO_V2_CLAIMS, ...GITHUB_V1_CLAIMS };

/** An authority as the one trust builder takes it: keys already read, claims named by OID. */
function authoritySpec(a: CompiledAuthority): AuthoritySpec {
  const k = a.keyless;
  return {
    name: a.name,
    trustRoot: a.trustRoot,
    keys: a.keys.map((key) => key.key),
    describe: a.describe,
    ...(a.raw.ignoreTlog !== undefined ? { ignoreTlog: a.raw.ignoreTlog } : {}),
    ...(a.raw.ignoreSct !== undefined ? { ignoreSct: a.raw.ignoreSct } : {}),
    ...(k
      ? {
          keyless: {
            ...(k.subject !== undefined ? { identity: k.subject } : {}),
            ...(k.subjectRegExp ? { identityRegexp: k.subjectRegExp.source } : {}),
            ...(k.issuer !== undefined ? { issuer: k.issuer } : {}),
            ...(k.issuerRegExp ? { issuerRegexp: k.issuerRegExp.source } : {}),
            claims: Object.fromEntries(Object.entries(k.claims).map(([n, v]) => [CLAIM_OIDS[n] ?? n, v])),
          },
        }
      : {}),
  };
}

/** Trust material for every authority, built once per run, by the same builder as the CLI's flags. */
export function buildPolicyVerifiers(
  policy: CompiledPolicy,
  preloaded: Record<string, LoadedTrustRoot> = {},
): PolicyVerifiers {
  const denies = policy.denyIdentities.length > 0 || (policy.doc.deny?.issuers?.length ?? 0) > 0;
  return buildPolicyTrust([...policy.authorities.values()].map(authoritySpec), policy.trustRoots, {
    denies,
    preloaded,
    compile: compileRegExp,
  });
}
