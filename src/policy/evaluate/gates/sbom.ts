/**
 * The SBOM gate: packages and licenses from a verified CycloneDX or SPDX (JSON) predicate, against
 * the gate's denied package-URL prefixes and denied license identifiers.
 */
import { PREDICATE_TYPES } from '../../../verify/attestations.js';
import type { ImageEvidence } from '../../evidence.js';
import type { CompiledPolicy, CompiledRule } from '../../load.js';
import { candidates } from '../attestations.js';
import { fromFinding, shorthand } from '../describe.js';
import type { CheckResult } from '../types.js';
import { arr, type Finding, obj, opt, str } from './finding.js';

/** Packages read from one SBOM at most (a 1 MiB predicate holds far fewer). */
const MAX_PACKAGES = 1_000_000;

export interface SbomPackage {
  name?: string;
  purl?: string;
  licenses: string[];
}

/** Packages from a CycloneDX or SPDX (JSON) SBOM predicate. */
export function sbomPackages(predicate: unknown): SbomPackage[] | undefined {
  const p = obj(predicate);
  if (!p) return undefined;
  if (Array.isArray(p.components)) {
    const out: SbomPackage[] = [];
    // Iterative: a hostile SBOM can nest components deep enough to overflow a recursive walk.
    const stack: unknown[] = [...p.components].reverse();
    while (stack.length > 0 && out.length < MAX_PACKAGES) {
      const o = obj(stack.pop());
      if (!o) continue;
      const licenses: string[] = [];
      for (const l of arr(o.licenses)) {
        const lo = obj(l);
        const id = str(obj(lo?.license)?.id) ?? str(obj(lo?.license)?.name) ?? str(lo?.expression);
        if (id) licenses.push(id);
      }
      out.push({ ...opt('name', str(o.name)), ...opt('purl', str(o.purl)), licenses });
      // Pushed one by one: a spread passes every child as an argument, and a component may have
      // more children than a call can take.
      const children = arr(o.components);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
    return out;
  }
  if (Array.isArray(p.packages)) {
    return p.packages.flatMap((pk) => {
      const o = obj(pk);
      if (!o) return [];
      const purl = arr(o.externalRefs)
        .map(obj)
        .find((r) => r?.referenceType === 'purl')?.referenceLocator;
      const licenses = [str(o.licenseConcluded), str(o.licenseDeclared)].filter(
        (l): l is string => l !== undefined && l !== 'NOASSERTION' && l !== 'NONE',
      );
      return [{ ...opt('name', str(o.name)), ...opt('purl', str(purl)), licenses: [...new Set(licenses)] }];
    });
  }
  return undefined;
}

export function sbomFindings(
  packages: SbomPackage[],
  gate: { deniedPackages?: string[]; deniedLicenses?: string[] },
): Finding[] {
  const out: Finding[] = [];
  const deniedLicenses = new Set((gate.deniedLicenses ?? []).map((l) => l.toLowerCase()));
  for (const pk of packages) {
    const prefix = pk.purl && (gate.deniedPackages ?? []).find((d) => purlHasPrefix(pk.purl!, d));
    if (prefix) {
      out.push({
        id: `sbom/package/${pk.purl}`,
        ok: false,
        reason: `package ${pk.purl} matches the denied ${prefix}`,
        expected: `no ${prefix}`,
        actual: pk.purl!,
      });
    }
    for (const l of pk.licenses) {
      // A license expression is denied if any identifier in it is.
      const idsInExpr = l
        .split(/\s+(?:AND|OR|WITH)\s+|[()]/)
        .map((x) => x.trim().toLowerCase())
        .filter(Boolean);
      const hit = idsInExpr.find((x) => deniedLicenses.has(x));
      if (hit) {
        out.push({
          id: `sbom/license/${pk.name ?? pk.purl ?? '?'}`,
          ok: false,
          reason: `${pk.name ?? pk.purl} is licensed ${l}, and ${hit} is denied`,
          expected: `none of ${[...deniedLicenses].join(', ')}`,
          actual: l,
        });
      }
    }
  }
  return out;
}

/** A purl prefix matches at a boundary: pkg:npm/left-pad matches pkg:npm/left-pad@1.0, not pkg:npm/left-padding. */
function purlHasPrefix(purl: string, prefix: string): boolean {
  if (!purl.startsWith(prefix)) return false;
  const next = purl[prefix.length];
  return (
    next === undefined ||
    next === '@' ||
    next === '?' ||
    next === '#' ||
    next === '/' ||
    prefix.endsWith('/') ||
    prefix.endsWith('@')
  );
}

export function sbomChecks(
  policy: CompiledPolicy,
  gate: NonNullable<CompiledRule['raw']['sbom']>,
  ev: ImageEvidence,
  now: Date,
): CheckResult[] {
  const sboms = [PREDICATE_TYPES.cyclonedx!, PREDICATE_TYPES.spdxjson!].flatMap(
    (t) => candidates(policy, ev, t, gate.signedBy, now).good,
  );
  const sbom = sboms[0];
  if (!sbom)
    return [
      {
        id: 'sbom',
        status: 'fail',
        reason: 'no verified SBOM (CycloneDX or SPDX attestation)',
        actual: 'none',
      },
    ];
  const packages = sbomPackages(sbom.statement.predicate);
  if (!packages)
    return [
      {
        id: 'sbom',
        status: 'fail',
        reason: 'the SBOM has no readable package list (too large, or neither CycloneDX nor SPDX JSON)',
      },
    ];
  const findings = sbomFindings(packages, gate);
  return [
    {
      id: 'sbom',
      status: 'pass',
      reason: `verified ${shorthand(sbom.predicateType)} SBOM by ${sbom.authority}: ${packages.length} package(s)`,
    },
    ...findings.map((f) => fromFinding(f, '')),
  ];
}
