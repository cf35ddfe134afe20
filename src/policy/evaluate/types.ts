/** The shape of a policy decision: a tree (policy → rule → check), each node with its status and reason. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** Stable id, the thing exceptions name: signatures, attestations/provenance/slsa/builderId, … */
  id: string;
  status: CheckStatus;
  reason: string;
  expected?: string;
  actual?: string;
  severity?: string;
  /** The exception that waived it, or that would have but expired. */
  exception?: { name: string; ticket: string; reason: string; expiresAt: string; expired: boolean };
}

export interface RuleResult {
  name: string;
  mode: 'enforce' | 'warn' | 'audit';
  matchedBy: string;
  status: CheckStatus;
  checks: CheckResult[];
  /**
   * Rules with a `platforms:` scope other than `index`: the signature and attestation checks of each
   * platform image (the `platforms` check in `checks` sums them up).
   */
  platforms?: PlatformResult[];
}

/** One platform image's checks under a rule's `platforms:` scope. */
export interface PlatformResult {
  platform: string;
  digest: string;
  status: CheckStatus;
  checks: CheckResult[];
}

export type Decision = 'allow' | 'deny';

export interface PolicyDecision {
  reference: string;
  name: string;
  digest?: string;
  decision: Decision;
  /** pass: allowed; warn: allowed with warnings; fail: denied. */
  status: CheckStatus;
  exitCode: number;
  policy: { name: string; sha256: string; matching: string };
  effectiveTime: string;
  /** Policy-wide checks: deny lists, no matching rule, verification errors. */
  checks: CheckResult[];
  /**
   * Attachments left unread because what was read already passed every check that depends on
   * attachments (policy/discovery-plan.ts).
   */
  unread?: string[];
  rules: RuleResult[];
  /** Verified signer identities and keys that took part, for audit records. */
  signers: string[];
}
