/**
 * Deny lists are policy-wide and cannot be waived by exceptions: a denied digest, identity or issuer
 * fails the image whatever else passes.
 */
import type { ImageEvidence } from '../evidence.js';
import type { CompiledPolicy } from '../load.js';
import type { CheckResult } from './types.js';

export function denyChecks(policy: CompiledPolicy, ev: ImageEvidence): CheckResult[] {
  const deny = policy.doc.deny;
  const out: CheckResult[] = [];
  const ref = (r?: string) => (r ? ` (${r})` : '');
  const d = ev.digest ? deny?.digests?.find((x) => x.digest === ev.digest) : undefined;
  if (d)
    out.push({
      id: 'deny/digest',
      status: 'fail',
      reason: `digest ${d.digest} is denied: ${d.reason}${ref(d.reference)}`,
      actual: d.digest,
    });
  else if (deny?.digests?.length)
    out.push({ id: 'deny/digest', status: 'pass', reason: 'the digest is not on the deny list' });
  // Every keyless signer seen: by the deny scan, and by the authorities themselves.
  const everyone = new Map<string, { subjectAlternativeName?: string; issuer?: string }>();
  for (const id of [
    ...ev.signers,
    ...ev.signatures.map((x) => x.identity),
    ...ev.attestations.map((x) => x.identity),
  ]) {
    if (id) everyone.set(`${id.subjectAlternativeName ?? ''}\n${id.issuer ?? ''}`, id);
  }
  for (const signer of everyone.values()) {
    const san = signer.subjectAlternativeName ?? '';
    for (const di of policy.denyIdentities) {
      const subjectHit =
        di.subject !== undefined ? di.subject === san : (di.subjectRegExp?.test(san) ?? false);
      if (subjectHit && (di.issuer === undefined || di.issuer === signer.issuer)) {
        out.push({
          id: 'deny/identity',
          status: 'fail',
          reason: `signed by denied identity ${san}: ${di.reason}${ref(di.reference)}`,
          actual: san,
        });
      }
    }
    for (const di of deny?.issuers ?? []) {
      if (signer.issuer === di.issuer) {
        out.push({
          id: 'deny/issuer',
          status: 'fail',
          reason: `signed through denied issuer ${di.issuer}: ${di.reason}${ref(di.reference)}`,
          actual: di.issuer,
        });
      }
    }
  }
  return out;
}
