/**
 * The built trust material, as the run layer receives it. Only the shapes live here; buildTrust and
 * buildPolicyTrust (verify/trust.ts) make them, and verify/ rather than trust/ holds them because
 * they carry verifiers, which would otherwise make trust/ and verify/ import each other.
 */
import type { IdentityPolicy } from '../trust/identity.js';
import type { VerificationKey } from '../trust/keys.js';
import type { LoadedTrustRoot } from '../trust/roots.js';
import type { SignatureVerifiers } from './verify-signatures.js';

/** One verify run's trust: built once from a TrustInput. */
export interface Trust {
  verifiers: SignatureVerifiers;
  keys: VerificationKey[];
  trustRoot: LoadedTrustRoot;
  /** The keyless identity required, when verifying keyless. */
  identity?: IdentityPolicy;
  /** What must have signed, for messages: key sources and fingerprints, or the identity policy. */
  text: string;
  ignoreTlog: boolean;
}

/** A policy's trust: verifiers per authority, built once per run (today's PolicyVerifiers). */
export interface PolicyTrust {
  /** sha256 over the trust roots' content: part of every cache key. */
  trustRootsHash: string;
  byAuthority: Map<string, SignatureVerifiers>;
  /** Any keyless signer, per trust root, for deny lists. */
  anySigner: SignatureVerifiers[];
  trustRoots: Map<string, LoadedTrustRoot>;
}
