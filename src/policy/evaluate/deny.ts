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
  // The platform images too, when they were gathered: a denied child is in every pull of the index.
  const digests = [
    ...(ev.digest ? [{ digest: ev.digest, of: '' }] : []),
    ...(ev.platforms ?? [])
      .filter((p) => p.digest !== ev.digest)
      .map((p) => ({
        digest: p.digest,
        of: ` (platform image ${p.platform} of ${ev.digest ?? 'the index'})`,
      })),
  ];
  let denied = false;
  for (const { digest, of } of digests) {
    const d = deny?.digests?.find((x) => x.digest === digest);
    if (!d) continue;
    denied = true;
    out.push({
      id: 'deny/digest',
      status: 'fail',
      reason: `digest ${d.digest}${of} is denied: ${d.reason}${ref(d.reference)}`,
      actual: d.digest,
    });
  }
  if (!denied && deny?.digests?.length)
    out.push({
      id: 'deny/digest',
      status: 'pass',
      reason:
        digests.length > 1
          ? `neither the digest nor any of its ${digests.length - 1} platform images is on the deny list`
          : 'the digest is not on the deny list',
    });
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
