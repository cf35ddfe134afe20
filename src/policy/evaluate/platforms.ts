/**
 * A rule's `platforms:` scope: its signature and attestation requirements applied to the platform
 * images of a multi-arch index instead of (only) the index digest.
 *
 * Each platform image is judged on its own evidence first. What fails there may be met by evidence
 * on the index: a signature or attestation whose subject is the index digest covers every child,
 * because the index manifest that digest names lists the children's digests. Such a pass says so.
 *
 * - `each`: every platform image must pass (an index with none fails);
 * - `any`: at least one must;
 * - a list: each named platform must be in the index and pass (variant rules as --platform).
 * A platform image that passes only with warnings counts as passing, and the scope warns.
 */
import { type Platform, platformMatches, platformString } from '../../oci/schema.js';
import type { PlatformScope } from '../compile/types.js';
import type { ImageEvidence, PlatformEvidence } from '../evidence.js';
import type { CheckResult, CheckStatus, PlatformResult } from './types.js';

/** The requirement checks of a rule over one piece of evidence, each already through exceptions. */
export type RequirementChecks = (ev: ImageEvidence) => CheckResult[][];

const named = (p: { platform: string; digest: string }) => `${p.platform} (${p.digest})`;
const settled = (checks: CheckResult[]) => checks.every((c) => c.status !== 'fail');
const statusOf = (checks: CheckResult[]): CheckStatus =>
  checks.some((c) => c.status === 'fail')
    ? 'fail'
    : checks.some((c) => c.status === 'warn')
      ? 'warn'
      : 'pass';

/** The child's own evidence, with the index's appended (what the index digest covers). */
function withIndexEvidence(ev: ImageEvidence, child: PlatformEvidence): ImageEvidence {
  const rejections: Record<string, string[]> = { ...ev.rejections };
  for (const [k, v] of Object.entries(child.rejections)) rejections[k] = [...v, ...(rejections[k] ?? [])];
  return {
    ...ev,
    digest: child.digest,
    signatures: [...child.signatures, ...ev.signatures],
    attestations: [...child.attestations, ...ev.attestations],
    rejections,
    signers: [...child.signers, ...ev.signers],
  };
}

function ownEvidence(ev: ImageEvidence, child: PlatformEvidence): ImageEvidence {
  return {
    ...ev,
    digest: child.digest,
    signatures: child.signatures,
    attestations: child.attestations,
    rejections: child.rejections,
    signers: child.signers,
  };
}

/** One platform image under the rule: each requirement on its own evidence, else with the index's. */
export function platformResult(
  ev: ImageEvidence,
  child: PlatformEvidence,
  requirements: RequirementChecks,
): PlatformResult {
  if (child.error) {
    const checks: CheckResult[] = [
      {
        id: 'verification',
        status: 'fail',
        reason: `verification of ${named(child)} could not complete: ${child.error}`,
      },
    ];
    return { platform: child.platform, digest: child.digest, status: 'fail', checks };
  }
  const own = requirements(ownEvidence(ev, child));
  const merged = own.some((r) => !settled(r)) ? requirements(withIndexEvidence(ev, child)) : own;
  const checks = own.flatMap((r, i) => {
    if (settled(r)) return r;
    const m = merged[i]!;
    if (!settled(m)) return r.map((c) => ({ ...c, reason: `${c.reason} (none on the index either)` }));
    return m.map((c) => ({
      ...c,
      reason: `met by evidence on the index ${ev.digest ?? ''}, whose manifest lists this platform image: ${c.reason}`,
    }));
  });
  return { platform: child.platform, digest: child.digest, status: statusOf(checks), checks };
}

/** The platform images the scope counts, with each named platform missing from the index. */
function counted(
  scope: PlatformScope,
  children: PlatformEvidence[],
): { counted: PlatformEvidence[]; missing: Platform[] } {
  if (scope.kind !== 'list') return { counted: children, missing: [] };
  const hit = (want: Platform) =>
    children.filter((c) => c.platform !== 'unknown' && platformMatches(want, parseChild(c.platform)));
  return {
    counted: [...new Set(scope.platforms.flatMap(hit))],
    missing: scope.platforms.filter((p) => hit(p).length === 0),
  };
}

function parseChild(text: string): Platform {
  const [os = '', architecture = '', variant] = text.split('/');
  return { os, architecture, ...(variant ? { variant } : {}) };
}

const scopeText = (scope: PlatformScope) =>
  scope.kind === 'list' ? `[${scope.platforms.map(platformString).join(', ')}]` : scope.kind;

/** The `platforms` check that sums up the scope, and the platform images it counted. */
export function platformScopeCheck(
  scope: PlatformScope,
  ev: ImageEvidence,
  requirements: RequirementChecks,
): { check: CheckResult; platforms: PlatformResult[] } {
  const expected = `platforms: ${scopeText(scope)}`;
  if (ev.platformsError !== undefined || !ev.platforms) {
    return {
      check: {
        id: 'platforms',
        status: 'fail',
        reason: `the platform images of ${ev.name}@${ev.digest ?? '?'} could not be checked: ${ev.platformsError ?? 'they were not gathered'}`,
        expected,
      },
      platforms: [],
    };
  }
  const { counted: children, missing } = counted(scope, ev.platforms);
  const results = children.map((c) => platformResult(ev, c, requirements));
  const failing = results.filter((r) => r.status === 'fail');
  const passing = results.filter((r) => r.status !== 'fail');
  const what = "the rule's signature and attestation requirements";
  const why = (r: PlatformResult) =>
    `${named(r)}: ${r.checks
      .filter((c) => c.status === 'fail')
      .map((c) => `${c.id}: ${c.reason}`)
      .join('; ')}`;
  const available = (ev.platformsListed ?? ev.platforms.map((c) => c.platform)).join(', ') || 'none';
  let status: CheckStatus;
  let reason: string;
  if (scope.kind === 'any') {
    const best = passing.find((r) => r.status === 'pass') ?? passing[0];
    status = best ? best.status : 'fail';
    reason = best
      ? `any: ${named(best)} satisfies ${what}`
      : results.length === 0
        ? `any: ${ev.name}@${ev.digest ?? '?'} lists no platform images`
        : `any: none of the ${results.length} platform images satisfies ${what}: ${failing.map(why).join(' | ')}`;
  } else {
    const problems = [
      ...missing.map((p) => `${platformString(p)}: not in the index (it has ${available})`),
      ...failing.map(why),
    ];
    const empty = scope.kind === 'each' && results.length === 0;
    status = empty || problems.length > 0 ? 'fail' : statusOf(results.flatMap((r) => r.checks));
    const k = scopeText(scope);
    reason = empty
      ? `each: ${ev.name}@${ev.digest ?? '?'} lists no platform images`
      : problems.length > 0
        ? `${k}: ${problems.length} platform(s) fail ${what}: ${problems.join(' | ')}`
        : `${k}: ${results.map((r) => r.platform).join(', ')} satisfy ${what}`;
  }
  return {
    check: {
      id: 'platforms',
      status,
      reason,
      expected,
      actual: passing.map((r) => r.platform).join(', ') || 'none',
    },
    platforms: results,
  };
}
