/** How evidence and findings are named in check reasons. */
import { PREDICATE_TYPES } from '../../verify/attestations.js';
import type { AttestationEvidence, SignatureEvidence } from '../evidence.js';
import type { Finding } from './gates/finding.js';
import type { CheckResult } from './types.js';

export function signerText(s: SignatureEvidence | AttestationEvidence): string {
  if (s.identity) return `${s.identity.subjectAlternativeName ?? '?'} (${s.identity.issuer ?? 'no issuer'})`;
  return s.key ?? '?';
}

/** A predicate type by its cosign shorthand (slsaprovenance, vuln, …) where it has one. */
export const shorthand = (pt: string) => Object.entries(PREDICATE_TYPES).find(([, v]) => v === pt)?.[0] ?? pt;

export function fromFinding(f: Finding, base: string): CheckResult {
  return {
    id: base ? `${base}/${f.id}` : f.id,
    status: f.ok ? 'pass' : 'fail',
    reason: f.reason,
    ...(f.expected !== undefined ? { expected: f.expected } : {}),
    ...(f.actual !== undefined ? { actual: f.actual } : {}),
  };
}
