/**
 * Built-in checks over verified predicates, so the common cases need no CEL: SLSA provenance fields
 * (as slsa-verifier's flags), the vulnerability gate over a signed Trivy report (`cosign vuln`
 * predicate) with an optional signed triage list, and the SBOM gate over CycloneDX or SPDX.
 * Every function reads only the verified statement and returns findings with expected and actual.
 */
import type { FullMatch } from './regexp.js';
import type { Severity } from './schema.js';

export interface Finding {
  id: string;
  ok: boolean;
  reason: string;
  expected?: string;
  actual?: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The fields slsa-verifier checks, from SLSA v0.2 or v1 provenance. */
export function slsaFields(
  predicateType: string,
  predicate: unknown,
): {
  builderId?: string;
  sourceUri?: string;
  sourceRef?: string;
  entryPoint?: string;
} {
  const p = obj(predicate) ?? {};
  if (predicateType === 'https://slsa.dev/provenance/v0.2') {
    const cs = obj(obj(p.invocation)?.configSource) ?? {};
    const uri = str(cs.uri);
    const [source, ref] = splitAt(uri);
    return {
      ...opt('builderId', str(obj(p.builder)?.id)),
      ...opt('sourceUri', source),
      ...opt('sourceRef', ref),
      ...opt('entryPoint', str(cs.entryPoint)),
    };
  }
  const bd = obj(p.buildDefinition) ?? {};
  const ext = obj(bd.externalParameters) ?? {};
  const wf = obj(ext.workflow) ?? {};
  const dep = obj(arr(bd.resolvedDependencies)[0]) ?? {};
  const [depSource, depRef] = splitAt(str(dep.uri));
  return {
    ...opt('builderId', str(obj(obj(p.runDetails)?.builder)?.id)),
    ...opt('sourceUri', str(wf.repository) ? `git+${str(wf.repository)}` : depSource),
    ...opt('sourceRef', str(wf.ref) ?? depRef),
    ...opt('entryPoint', str(wf.path)),
  };
}

function opt<K extends string>(k: K, v: string | undefined): Partial<Record<K, string>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, string>);
}

/** `git+https://github.com/o/r@refs/tags/v1` → [`git+https://github.com/o/r`, `refs/tags/v1`]. */
function splitAt(uri: string | undefined): [string | undefined, string | undefined] {
  if (!uri) return [undefined, undefined];
  const i = uri.lastIndexOf('@');
  return i > uri.indexOf('://') ? [uri.slice(0, i), uri.slice(i + 1)] : [uri, undefined];
}

/** Source URIs compare without the `git+` prefix and a trailing `.git`, as slsa-verifier does. */
const normaliseSource = (u: string) => u.replace(/^git\+/, '').replace(/\.git$/, '');

export function slsaFindings(
  fields: ReturnType<typeof slsaFields>,
  want: {
    builderId?: string;
    builderIdRegExp?: FullMatch;
    sourceUri?: string;
    sourceRef?: string;
    sourceRefRegExp?: FullMatch;
    entryPoint?: string;
  },
): Finding[] {
  const out: Finding[] = [];
  const check = (id: string, actual: string | undefined, ok: boolean, expected: string) =>
    out.push({
      id: `slsa/${id}`,
      ok,
      reason: ok
        ? `${id} is ${actual}`
        : `${id} is ${actual === undefined ? 'missing' : `"${actual}"`}, expected ${expected}`,
      expected,
      ...(actual !== undefined ? { actual } : {}),
    });
  if (want.builderId !== undefined) {
    // slsa-verifier accepts the builder id with or without its @version.
    const a = fields.builderId;
    const ok = a !== undefined && (a === want.builderId || a.split('@')[0] === want.builderId);
    check('builderId', a, ok, want.builderId);
  }
  if (want.builderIdRegExp) {
    const a = fields.builderId;
    check(
      'builderId',
      a,
      a !== undefined && want.builderIdRegExp.test(a),
      `/${want.builderIdRegExp.source}/`,
    );
  }
  if (want.sourceUri !== undefined) {
    const a = fields.sourceUri;
    check(
      'sourceUri',
      a,
      a !== undefined && normaliseSource(a) === normaliseSource(want.sourceUri),
      want.sourceUri,
    );
  }
  if (want.sourceRef !== undefined) {
    const a = fields.sourceRef;
    check('sourceRef', a, a === want.sourceRef, want.sourceRef);
  }
  if (want.sourceRefRegExp) {
    const a = fields.sourceRef;
    check(
      'sourceRef',
      a,
      a !== undefined && want.sourceRefRegExp.test(a),
      `/${want.sourceRefRegExp.source}/`,
    );
  }
  if (want.entryPoint !== undefined) {
    const a = fields.entryPoint;
    check('entryPoint', a, a === want.entryPoint, want.entryPoint);
  }
  return out;
}

export interface Vulnerability {
  id: string;
  severity: Severity;
  pkg?: string;
  fixedVersion?: string;
}

const RANK: Record<Severity, number> = { UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** Vulnerabilities from a `cosign vuln` predicate wrapping a Trivy JSON report. */
export function trivyVulnerabilities(predicate: unknown): Vulnerability[] | undefined {
  const result = obj(obj(obj(predicate)?.scanner)?.result);
  if (!result) return undefined;
  const out: Vulnerability[] = [];
  for (const r of arr(result.Results)) {
    for (const v of arr(obj(r)?.Vulnerabilities)) {
      const o = obj(v);
      const id = str(o?.VulnerabilityID);
      if (!o || !id) continue;
      const sev = String(o.Severity ?? 'UNKNOWN').toUpperCase();
      out.push({
        id,
        severity: (sev in RANK ? sev : 'UNKNOWN') as Severity,
        ...opt('pkg', str(o.PkgName)),
        ...opt('fixedVersion', str(o.FixedVersion) || undefined),
      });
    }
  }
  return out;
}

/** When the scan finished, from the signed predicate. */
export function scanTime(predicate: unknown): string | undefined {
  const md = obj(obj(predicate)?.metadata);
  return str(md?.scanFinishedOn) ?? str(md?.scanStartedOn);
}

/**
 * CVE ids a triage attestation waives: `.trivyignore` text (comments allowed; an `exp:YYYY-MM-DD`
 * entry stops applying after that date, as in Trivy) or an `ignore` list. Ids are upper-cased.
 */
export function triagedIds(predicate: unknown, now: Date): Set<string> {
  const p = obj(predicate) ?? {};
  const ids = new Set<string>();
  for (const line of (str(p.trivyignore) ?? '').split('\n')) {
    const t = line.replace(/#.*/, '').trim();
    if (!t) continue;
    const [id, ...rest] = t.split(/\s+/);
    const exp = rest.find((r) => r.startsWith('exp:'))?.slice(4);
    if (exp !== undefined) {
      const until = new Date(`${exp}T00:00:00Z`);
      // An unreadable expiry is no waiver: fail closed.
      if (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime()) continue;
    }
    ids.add(id!.toUpperCase());
  }
  for (const v of arr(p.ignore)) if (typeof v === 'string') ids.add(v.toUpperCase());
  return ids;
}

export function vulnerabilityFindings(
  vulns: Vulnerability[],
  gate: { maxSeverity?: Severity; denyCVEs?: string[]; ignoreUnfixed?: boolean },
  triaged: Set<string>,
): Finding[] {
  const out: Finding[] = [];
  const deny = new Set((gate.denyCVEs ?? []).map((c) => c.toUpperCase()));
  // An id is settled by its first instance that matters: the same CVE may be listed for several
  // packages or severities, and a harmless listing must not hide a failing one.
  const seen = new Set<string>();
  for (const v of vulns) {
    const id = v.id.toUpperCase();
    if (seen.has(id)) continue;
    const denied = deny.has(id);
    const tooSevere = gate.maxSeverity !== undefined && RANK[v.severity] > RANK[gate.maxSeverity];
    if (!denied && !tooSevere) continue;
    if (!denied && gate.ignoreUnfixed && !v.fixedVersion) continue;
    seen.add(id);
    const where = `${v.pkg ? ` in ${v.pkg}` : ''}${v.fixedVersion ? ` (fixed in ${v.fixedVersion})` : ' (no fix yet)'}`;
    if (triaged.has(id)) {
      out.push({
        id: `vulnerabilities/${v.id}`,
        ok: true,
        reason: `${v.id} ${v.severity}${where} is triaged by the signed triage attestation`,
      });
      continue;
    }
    out.push({
      id: `vulnerabilities/${v.id}`,
      ok: false,
      reason: denied
        ? `${v.id}${where} is on the deny list`
        : `${v.id} is ${v.severity}${where}, above the allowed ${gate.maxSeverity}`,
      expected: denied ? `not ${v.id}` : `severity <= ${gate.maxSeverity}`,
      actual: v.severity,
    });
  }
  return out;
}

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
