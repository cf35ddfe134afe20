/**
 * What a caller says it trusts, before anything is read or loaded: the input of buildTrust
 * (verify/trust.ts). Paths and patterns only; no key, root or matcher is built here.
 */
import type { IdentityPolicyInput } from './identity.js';
import type { VerificationKey } from './keys.js';

/** Where a trust root comes from: the shipped public-good root, a file, a private CA or a TUF mirror. */
export type RootSpec =
  | { embedded: 'public-good' }
  | { trustedRoot: string }
  | { caRoots: string; caIntermediates?: string }
  /** Online, and only when asked: tufCacheDir defaults to ~/.cache/trustgate/tuf. */
  | { tufMirror: string; tufRoot?: string; tufCacheDir?: string };

/** The trust material of one verify run (the CLI's trust flags, or a Node caller's options). */
export interface TrustInput {
  /** Public keys: PEM paths, https:// URLs or env://VAR. Exactly one of keys and identity. */
  keys?: string[];
  /** Keyless: the certificate identity, issuer and claims that must have signed. */
  identity?: IdentityPolicyInput;
  /**
   * Default: the embedded public-good root. rekorPublicKey verifies log entries against that key
   * instead of the root's logs; today it is only given with an embedded or trustedRoot spec.
   */
  root?: RootSpec & { rekorPublicKey?: string };
  ignoreTlog?: boolean;
  ignoreSct?: boolean;
  requireDockerReference?: boolean;
}

/** One policy authority, compiled: its keys already read, its keyless identity still as text. */
export interface AuthoritySpec {
  name: string;
  /** A name in the policy's trust roots. */
  trustRoot: string;
  keys: VerificationKey[];
  /** Keyless: claims by dotted OID, translated from Fulcio claim names by the compiler. */
  identity?: IdentityPolicyInput;
  /** What the authority requires, for messages. */
  describe: string;
  ignoreTlog?: boolean;
  ignoreSct?: boolean;
}
