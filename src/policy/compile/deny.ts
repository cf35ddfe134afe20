/** Denied keyless identities: each by exactly one of an exact subject or an RE2 subject pattern. */
import type { PolicyDocument } from '../schema.js';
import type { Issues } from './issues.js';
import type { CompiledDenyIdentity } from './types.js';

export function compileDenyIdentities(policy: PolicyDocument, issues: Issues): CompiledDenyIdentity[] {
  const denyIdentities: CompiledDenyIdentity[] = [];
  for (const [i, d] of (policy.deny?.identities ?? []).entries()) {
    const path = ['deny', 'identities', i];
    if ((d.subject === undefined) === (d.subjectRegExp === undefined)) {
      issues.add(path, 'give exactly one of `subject` and `subjectRegExp`');
      continue;
    }
    const re =
      d.subjectRegExp !== undefined ? issues.regexp([...path, 'subjectRegExp'], d.subjectRegExp) : undefined;
    denyIdentities.push({
      ...(d.subject !== undefined ? { subject: d.subject } : {}),
      ...(re ? { subjectRegExp: re } : {}),
      ...(d.issuer !== undefined ? { issuer: d.issuer } : {}),
      reason: d.reason,
      ...(d.reference ? { reference: d.reference } : {}),
    });
  }
  return denyIdentities;
}
