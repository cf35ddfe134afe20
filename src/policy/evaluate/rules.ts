/**
 * One rule against one image: where the image comes from (registry, namespace, digest pinning), then
 * its signatures, attestations and gates; exceptions apply, then the rule's mode decides what a
 * failure counts as (enforce → fail, warn → warn, audit → recorded only).
 */
import type { ImageEvidence } from '../evidence.js';
import type { CompiledPolicy, CompiledRule } from '../load.js';
import { attestationChecks } from './attestations.js';
import { applyExceptions } from './exceptions.js';
import { sbomChecks } from './gates/sbom.js';
import { coveredByVsa, SLSA_PROVENANCE_TYPES, vsaCheck } from './gates/vsa.js';
import { vulnerabilityChecks } from './gates/vulnerabilities.js';
import { platformScopeCheck } from './platforms.js';
import { signatureCheck } from './signatures.js';
import type { CheckResult, CheckStatus, RuleResult } from './types.js';

export function evaluateRule(
  policy: CompiledPolicy,
  rule: CompiledRule,
  glob: string,
  ev: ImageEvidence,
  now: Date,
): RuleResult {
  const r = rule.raw;
  const raw: CheckResult[] = referenceChecks(r, ev);
  const vsa = r.requireVSA ? vsaCheck(policy, r.requireVSA, ev, now) : undefined;
  // The attestation requirements, one list each; SLSA provenance a passing VSA vouches for is not
  // re-checked.
  const attestationLists = (on: ImageEvidence): CheckResult[][] =>
    rule.attestations.map((a) =>
      // Only a VSA held to a minimum level vouches for provenance: a PASSED L0 summary says nothing of it.
      vsa?.status === 'pass' &&
      r.requireVSA?.minLevel !== undefined &&
      SLSA_PROVENANCE_TYPES.includes(a.predicateType)
        ? [coveredByVsa(a.raw.name, r.requireVSA!.authority)]
        : attestationChecks(policy, a, on, now),
    );
  let platforms: RuleResult['platforms'];
  if (rule.platforms.kind === 'index') {
    if (r.signatures) raw.push(signatureCheck(policy, r.signatures, ev, now));
    if (vsa) raw.push(vsa);
    // Appended one by one: a report with many findings has more checks than a call takes arguments.
    for (const list of attestationLists(ev)) for (const c of list) raw.push(c);
  } else {
    if (vsa) raw.push(vsa);
    // The signature and attestation requirements on a platform image's evidence; exceptions apply by
    // check id as on the index.
    const requirements = (on: ImageEvidence): CheckResult[][] => [
      ...(r.signatures ? [[signatureCheck(policy, r.signatures, on, now)]] : []),
      ...attestationLists(on),
    ];
    const waived = (on: ImageEvidence) =>
      requirements(on).map((list) => list.map((c) => applyExceptions(policy, rule, ev, c, now)));
    const scoped = platformScopeCheck(rule.platforms, ev, waived);
    raw.push(scoped.check);
    platforms = scoped.platforms;
  }
  if (r.vulnerabilities) for (const c of vulnerabilityChecks(policy, rule, ev, now)) raw.push(c);
  if (r.sbom) for (const c of sbomChecks(policy, r.sbom, ev, now)) raw.push(c);

  const checks = raw.map((c) => applyExceptions(policy, rule, ev, c, now)).map((c) => byMode(c, r.mode));
  const statuses = checks.map((c) => c.status);
  const status: CheckStatus =
    r.mode === 'audit'
      ? 'pass'
      : statuses.includes('fail')
        ? 'fail'
        : statuses.includes('warn')
          ? 'warn'
          : 'pass';
  return { name: r.name, mode: r.mode, matchedBy: glob, status, checks, ...(platforms ? { platforms } : {}) };
}

/** Where the image comes from and how it was named: allowed registries and namespaces, digest pinning. */
function referenceChecks(r: CompiledRule['raw'], ev: ImageEvidence): CheckResult[] {
  const raw: CheckResult[] = [];
  const host = ev.registry;
  if (r.allowedRegistries) {
    const ok = r.allowedRegistries.includes(host);
    raw.push({
      id: 'registry',
      status: ok ? 'pass' : 'fail',
      reason: ok ? `registry ${host} is allowed` : `registry ${host} is not allowed`,
      expected: r.allowedRegistries.join(' | '),
      actual: host,
    });
  }
  if (r.allowedNamespaces) {
    const ok = r.allowedNamespaces.some(
      (ns) => ev.name === ns || ev.name.startsWith(`${ns.replace(/\/$/, '')}/`),
    );
    raw.push({
      id: 'namespace',
      status: ok ? 'pass' : 'fail',
      reason: ok
        ? `${ev.name} is in an allowed namespace`
        : `${ev.name} is in none of the allowed namespaces`,
      expected: r.allowedNamespaces.join(' | '),
      actual: ev.name,
    });
  }
  if (r.requireDigest) {
    const resolveTags = typeof r.requireDigest === 'object' && r.requireDigest.resolve;
    if (ev.givenBy === 'tag' && !resolveTags) {
      raw.push({
        id: 'digest',
        status: 'fail',
        reason: `${ev.reference} names a mutable tag; pin it by digest${ev.digest ? ` (${ev.name}@${ev.digest})` : ''}`,
        expected: 'a reference by digest',
        actual: `tag ${ev.tag ?? '?'}`,
      });
    } else {
      raw.push({
        id: 'digest',
        status: 'pass',
        reason:
          ev.givenBy === 'tag'
            ? `${ev.tag ? `tag ${ev.tag}` : 'the reference'} resolved and pinned to ${ev.digest}`
            : `given by digest ${ev.digest ?? ''}`.trim(),
      });
    }
  }
  return raw;
}

function byMode(c: CheckResult, mode: 'enforce' | 'warn' | 'audit'): CheckResult {
  if (c.status !== 'fail') return c;
  if (mode === 'warn') return { ...c, status: 'warn', reason: `${c.reason} (warn mode)` };
  if (mode === 'audit') return { ...c, reason: `${c.reason} (audit mode: recorded, not enforced)` };
  return c;
}
