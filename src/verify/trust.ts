/**
 * Trust material turned into verifiers, built once per run: for `verify`/`verify-attestation` from
 * keys or a keyless identity and one root, for a policy from every authority and every named root.
 * Here rather than in trust/ because it needs verify-signatures.ts, which needs trust/: trust/ stays
 * free of verify/.
 */
import { createHash } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { TrustgateError } from '../errors.js';
import {
  type GivenCertificate,
  loadGivenCertificate,
  withCertificateChain,
} from '../trust/given-certificate.js';
import {
  hasPattern,
  type IdentityPolicy,
  type IdentityPolicyInput,
  identityPolicyWith,
} from '../trust/identity-match.js';
import { loadKey, shortFingerprint, type VerificationKey } from '../trust/keys.js';
import type { CompileRegExp } from '../trust/pattern.js';
import { selectRekorLog } from '../trust/rekor-url.js';
import {
  type LoadedTrustRoot,
  loadRoot,
  loadRootSpec,
  type RootSpecWithRekor,
  type StaticRootSpec,
} from '../trust/roots.js';
import type { SignatureHash } from './signed-entity.js';
import { KeylessVerifiers, KeyVerifiers, type SignatureVerifiers } from './verify-signatures.js';

/** What `verify` and `verify-attestation` trust, as given (flags or VerifyOptions). */
export interface TrustInput {
  /** PEM paths, https:// URLs or env://VAR. Exactly one of keys and identity. */
  keys?: string[];
  identity?: IdentityPolicyInput;
  /** Default: the embedded public-good root. */
  root?: RootSpecWithRekor;
  ignoreTlog?: boolean;
  ignoreSct?: boolean;
  requireDockerReference?: boolean;
  /** cosign's -a k=v: annotations a simple-signing payload must carry. */
  annotations?: Record<string, string>;
  /** cosign's --certificate (a PEM file or the PEM text) and --certificate-chain (a PEM file). */
  certificate?: string;
  certificateChain?: string;
  /** cosign's --signature-digest-algorithm, for key verification. */
  signatureHash?: SignatureHash;
  /** cosign's --rekor-url: only the trusted root's log at this URL counts. */
  rekorUrl?: string;
  /** No network for trust material: a key URL or a TUF refresh fails with OFFLINE. */
  offline?: boolean;
}

/** One policy authority, with its keys already parsed and its keyless claims by OID. */
export interface AuthoritySpec {
  name: string;
  /** The name of a root in the roots given alongside; unknown names get the embedded root. */
  trustRoot: string;
  keys: VerificationKey[];
  keyless?: IdentityPolicyInput;
  /** How the authority is described in reports (the policy's wording). */
  describe?: string;
  ignoreTlog?: boolean;
  ignoreSct?: boolean;
}

export interface Trust {
  verifiers: SignatureVerifiers;
  keys: VerificationKey[];
  trustRoot: LoadedTrustRoot;
  identity?: IdentityPolicy;
  /** What must have signed, for messages: key sources and fingerprints, or the identity policy. */
  text: string;
  ignoreTlog: boolean;
}

export interface PolicyTrust {
  /** sha256 over the trust roots' content: part of every cache key. */
  trustRootsHash: string;
  byAuthority: Map<string, SignatureVerifiers>;
  /** Any keyless signer, per trust root, for deny lists. */
  anySigner: SignatureVerifiers[];
  trustRoots: Map<string, LoadedTrustRoot>;
}

/** The one place verifiers are made: keyless when an identity is given, else by keys. */
export function verifiersFor(s: {
  trustRoot: LoadedTrustRoot;
  ignoreTlog: boolean;
  requireDockerReference: boolean;
  keys?: VerificationKey[];
  identity?: IdentityPolicy;
  ignoreSct?: boolean;
  annotations?: Record<string, string>;
  certificate?: GivenCertificate;
  signatureHash?: SignatureHash;
}): SignatureVerifiers {
  const common = {
    trustRoot: s.trustRoot,
    ignoreTlog: s.ignoreTlog,
    requireDockerReference: s.requireDockerReference,
    ...(s.annotations ? { annotations: s.annotations } : {}),
  };
  return s.identity
    ? new KeylessVerifiers({
        ...common,
        identity: s.identity,
        ignoreSct: s.ignoreSct ?? false,
        ...(s.certificate ? { certificate: s.certificate } : {}),
      })
    : new KeyVerifiers({
        ...common,
        keys: s.keys ?? [],
        ...(s.signatureHash ? { signatureHash: s.signatureHash } : {}),
      });
}

export async function buildTrust(input: TrustInput): Promise<Trust> {
  const keySpecs = input.keys ?? [];
  if (keySpecs.length > 0 === (input.identity !== undefined)) {
    // Kept naming flags: test/unit/trust-build.test.ts asserts this library message as it is.
    throw new TrustgateError(
      'USAGE',
      'give either --key, or a keyless identity (--certificate-identity… and --certificate-oidc-issuer…)',
    );
  }
  // Keys before the root, the identity last: the order errors were reported in before.
  const keys: VerificationKey[] = [];
  const offline = { offline: input.offline ?? false };
  for (const k of keySpecs) keys.push(await loadKey(k, offline));
  if (input.certificate && keySpecs.length > 0)
    throw new TrustgateError('USAGE', 'give either --key or --certificate, not both', {
      option: 'certificate',
    });
  const certificate = input.certificate ? loadGivenCertificate(input.certificate) : undefined;
  const ignoreTlog = input.ignoreTlog ?? false;
  let trustRoot = await loadRootSpec(input.root, offline);
  if (input.certificateChain) trustRoot = withCertificateChain(trustRoot, input.certificateChain);
  // With the log ignored, cosign ignores --rekor-url too.
  if (input.rekorUrl && !ignoreTlog) trustRoot = selectRekorLog(trustRoot, input.rekorUrl);
  let identity: IdentityPolicy | undefined;
  if (input.identity) {
    // lazy: the RE2 engine only for a pattern flag; an exact identity is a string comparison.
    const compile = hasPattern(input.identity)
      ? (await import('../trust/regexp.js')).compileRegExp
      : undefined;
    identity = identityPolicyWith(compile, input.identity);
  }
  const verifiers = verifiersFor({
    trustRoot,
    ignoreTlog,
    requireDockerReference: input.requireDockerReference ?? false,
    keys,
    ...(identity ? { identity, ignoreSct: input.ignoreSct ?? false } : {}),
    ...(input.annotations ? { annotations: input.annotations } : {}),
    ...(certificate ? { certificate } : {}),
    ...(input.signatureHash ? { signatureHash: input.signatureHash } : {}),
  });
  const text = identity
    ? identity.describe
    : keys.map((k) => `${k.source} (${shortFingerprint(k)})`).join(', ');
  return { verifiers, keys, trustRoot, ...(identity ? { identity } : {}), text, ignoreTlog };
}

const ANYONE: IdentityPolicy = { describe: 'any signer', match: () => ({ ok: true }) };

/**
 * Every authority's verifiers, and, when the policy has deny lists, one verifier per named root that
 * accepts any keyless signer (deny lists must see every signer, not only those an authority trusts).
 * Roots are loaded once each, by name; `preloaded` ones (a caller's TUF refresh) win. `compile` is the
 * RE2 engine for keyless patterns (the policy loaded it to check them).
 */
export function buildPolicyTrust(
  auths: AuthoritySpec[],
  roots: Record<string, StaticRootSpec>,
  o: { denies: boolean; preloaded?: Record<string, LoadedTrustRoot>; compile: CompileRegExp },
): PolicyTrust {
  const trustRoots = new Map<string, LoadedTrustRoot>(Object.entries(o.preloaded ?? {}));
  const rootNamed = (name: string): LoadedTrustRoot => {
    const hit = trustRoots.get(name);
    if (hit) return hit;
    const root = loadRoot(roots[name]);
    trustRoots.set(name, root);
    return root;
  };
  const byAuthority = new Map<string, SignatureVerifiers>();
  // Per root, the most permissive flags any keyless authority uses with it: a certificate one
  // authority would accept must be seen by the deny lists too.
  const scanFlags = new Map<string, { ignoreTlog: boolean; ignoreSct: boolean }>();
  for (const a of auths) {
    const common = {
      trustRoot: rootNamed(a.trustRoot),
      ignoreTlog: a.ignoreTlog ?? false,
      requireDockerReference: false,
    };
    if (a.keyless) {
      const identity = identityPolicyWith(o.compile, a.keyless, {
        label: a.name,
        ...(a.describe !== undefined ? { describe: a.describe } : {}),
      });
      byAuthority.set(a.name, verifiersFor({ ...common, identity, ignoreSct: a.ignoreSct ?? false }));
      const f = scanFlags.get(a.trustRoot) ?? { ignoreTlog: false, ignoreSct: false };
      scanFlags.set(a.trustRoot, {
        ignoreTlog: f.ignoreTlog || common.ignoreTlog,
        ignoreSct: f.ignoreSct || (a.ignoreSct ?? false),
      });
    } else {
      byAuthority.set(a.name, verifiersFor({ ...common, keys: a.keys }));
    }
  }
  // Every root the policy names is scanned, public-good included, not only those of keyless authorities.
  const anySigner = o.denies
    ? Object.keys(roots).map((name) => {
        const f = scanFlags.get(name) ?? { ignoreTlog: false, ignoreSct: false };
        return verifiersFor({
          trustRoot: rootNamed(name),
          identity: ANYONE,
          requireDockerReference: false,
          ...f,
        });
      })
    : [];
  const hash = createHash('sha256');
  for (const [name, r] of [...trustRoots].sort(([a], [b]) => a.localeCompare(b)))
    hash.update(name).update(JSON.stringify(TrustedRoot.toJSON(r.root)));
  return { trustRootsHash: hash.digest('hex'), byAuthority, anySigner, trustRoots };
}
