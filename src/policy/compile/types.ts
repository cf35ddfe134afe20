/**
 * What compiling a policy produces: the document as written plus everything checked and prepared
 * once (keys parsed, patterns and CEL compiled, globs built), so evaluation never re-reads or re-parses.
 */
import type { Platform } from '../../oci/schema.js';
import type { VerificationKey } from '../../trust/keys.js';
import type { FullMatch } from '../../trust/regexp.js';
import type { CompiledCondition } from '../cel.js';
import type { ImageGlob } from '../glob.js';
import type {
  AttestationRequirement,
  PolicyAuthority,
  PolicyDocument,
  PolicyException,
  PolicyRule,
} from '../schema.js';

export interface PolicyIssue {
  /** Where in the document, as a dotted path (rules.0.signatures.anyOf.1). */
  path: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export interface CompiledKey {
  key: VerificationKey;
  notBefore?: Date;
  notAfter?: Date;
}

export interface CompiledAuthority {
  name: string;
  raw: PolicyAuthority;
  keys: CompiledKey[];
  revoked: Set<string>;
  keyless?: {
    issuer?: string;
    issuerRegExp?: FullMatch;
    subject?: string;
    subjectRegExp?: FullMatch;
    /** By Fulcio claim name. */
    claims: Record<string, string>;
  };
  trustRoot: string;
  describe: string;
}

export interface CompiledAttestation {
  raw: AttestationRequirement;
  predicateType: string;
  maxAgeMs?: number;
  builderIdRegExp?: FullMatch;
  sourceRefRegExp?: FullMatch;
  conditions: CompiledCondition[];
}

/** A rule's `platforms:` scope, compiled (src/policy/evaluate/platforms.ts applies it). */
export type PlatformScope =
  | { kind: 'index' }
  | { kind: 'each' }
  | { kind: 'any' }
  | { kind: 'list'; platforms: Platform[] };

export interface CompiledRule {
  raw: PolicyRule;
  index: number;
  images: ImageGlob[];
  exclude: ImageGlob[];
  attestations: CompiledAttestation[];
  vulnMaxAgeMs?: number;
  platforms: PlatformScope;
}

export interface CompiledException {
  raw: PolicyException;
  images: ImageGlob[];
  checks: ImageGlob[];
  expiresAt: Date;
}

export interface CompiledDenyIdentity {
  subject?: string;
  subjectRegExp?: FullMatch;
  issuer?: string;
  reason: string;
  reference?: string;
}

export type TrustRootSpec = NonNullable<PolicyDocument['trustRoots']>[string];

export interface CompiledPolicy {
  file: string;
  /** sha256 of the policy file's bytes, for audit records. */
  sha256: string;
  doc: PolicyDocument;
  /** Trust roots by name, as written (loaded when verification needs them). */
  trustRoots: Record<string, TrustRootSpec>;
  authorities: Map<string, CompiledAuthority>;
  rules: CompiledRule[];
  exceptions: CompiledException[];
  denyIdentities: CompiledDenyIdentity[];
}

/** Every problem in a policy text, or the compiled policy. */
export type CompileResult = { policy: CompiledPolicy } | { issues: PolicyIssue[] };

/**
 * The only way compiling reaches outside the text: reading a key file an authority names (already
 * resolved against the policy's folder). Throws when the file cannot be read.
 */
export interface CompileIO {
  readKeyFile(path: string): string;
}
