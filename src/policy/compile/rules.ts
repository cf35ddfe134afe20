/**
 * Rules: image globs compiled, every authority a rule names defined, and each attestation
 * requirement's CEL and SLSA patterns compiled, with errors placed inside the expression.
 */
import { parsePlatform } from '../../oci/schema.js';
import { predicateTypeFor } from '../../verify/attestations.js';
import { type CompiledCondition, compileCondition } from '../cel.js';
import { parseDuration } from '../duration.js';
import { compileGlob, type ImageGlob, imagePatternProblem } from '../glob.js';
import type { AttestationRequirement, PolicyDocument, PolicyRule } from '../schema.js';
import type { DocPath, Issues } from './issues.js';
import type { CompiledAttestation, CompiledRule, PlatformScope } from './types.js';

interface RuleContext {
  issues: Issues;
  /** Records an issue for each name that is not a defined authority. */
  known: (path: DocPath, names: string[]) => void;
}

export function compileRules(policy: PolicyDocument, issues: Issues): CompiledRule[] {
  const known = (path: DocPath, names: string[]) => {
    for (const [i, n] of names.entries())
      if (!policy.authorities[n])
        issues.add(
          [...path, i],
          `no authority named "${n}"`,
          `define it under authorities, or use one of: ${Object.keys(policy.authorities).join(', ') || '(none defined)'}`,
        );
  };
  const ruleNames = new Set<string>();
  return policy.rules.map((r, ri) => {
    if (ruleNames.has(r.name)) issues.add(['rules', ri, 'name'], `a second rule named "${r.name}"`);
    ruleNames.add(r.name);
    return compileRule(r, ri, { issues, known });
  });
}

function compileRule(r: PolicyRule, ri: number, c: RuleContext): CompiledRule {
  const path = ['rules', ri];
  const globs = (key: 'images' | 'exclude'): ImageGlob[] =>
    (r[key] ?? []).flatMap((g, i) => {
      const compiled = compileGlob(g);
      if ('error' in compiled) {
        c.issues.add([...path, key, i], compiled.error, 'e.g. ghcr.io/org/** or registry.example/team/*');
        return [];
      }
      const never = imagePatternProblem(g);
      if (never) c.issues.add([...path, key, i], never.message, never.hint);
      return [compiled.glob];
    });
  for (const key of ['allowedRegistries', 'allowedNamespaces'] as const)
    for (const [i, v] of (r[key] ?? []).entries()) {
      const never = imagePatternProblem(v);
      if (never) c.issues.add([...path, key, i], never.message, never.hint);
    }
  if (r.signatures) {
    const s = r.signatures;
    const names = 'anyOf' in s ? s.anyOf : 'allOf' in s ? s.allOf : s.of;
    const key = 'anyOf' in s ? 'anyOf' : 'allOf' in s ? 'allOf' : 'of';
    c.known([...path, 'signatures', key], names);
    if ('threshold' in s && s.threshold > s.of.length)
      c.issues.add(
        [...path, 'signatures', 'threshold'],
        `threshold ${s.threshold} is more than the ${s.of.length} authorities listed`,
      );
  }
  const attNames = new Set<string>();
  const attestations = (r.attestations ?? []).map((a, ai) => {
    const ap = [...path, 'attestations', ai];
    if (attNames.has(a.name))
      c.issues.add([...ap, 'name'], `a second attestation requirement named "${a.name}"`);
    attNames.add(a.name);
    return compileAttestation(a, ap, c);
  });
  if (r.vulnerabilities?.signedBy)
    c.known([...path, 'vulnerabilities', 'signedBy'], r.vulnerabilities.signedBy);
  if (r.sbom?.signedBy) c.known([...path, 'sbom', 'signedBy'], r.sbom.signedBy);
  if (r.requireVSA) c.known([...path, 'requireVSA'], [r.requireVSA.authority]);
  // Globs are compiled after the requirements, as before the split: issue order is part of the output.
  return {
    raw: r,
    index: ri,
    images: globs('images'),
    exclude: globs('exclude'),
    attestations,
    platforms: compilePlatformScope(r, path, c),
    ...(r.vulnerabilities?.maxAge ? { vulnMaxAgeMs: parseDuration(r.vulnerabilities.maxAge) } : {}),
  };
}

function compilePlatformScope(r: PolicyRule, path: DocPath, c: RuleContext): PlatformScope {
  const p = r.platforms ?? 'index';
  if (p === 'index' || p === 'each' || p === 'any') {
    if (p !== 'index' && !r.signatures && !r.attestations?.length)
      c.issues.add(
        [...path, 'platforms'],
        `platforms: ${p} applies the rule's signature and attestation requirements per platform, and this rule has neither`,
        'add signatures or attestations to the rule, or remove platforms',
      );
    return { kind: p };
  }
  const seen = new Set<string>();
  for (const [i, text] of p.entries()) {
    if (seen.has(text)) c.issues.add([...path, 'platforms', i], `platform ${text} is listed twice`);
    seen.add(text);
  }
  return { kind: 'list', platforms: p.map((text) => parsePlatform(text)) };
}

function compileAttestation(a: AttestationRequirement, ap: DocPath, c: RuleContext): CompiledAttestation {
  if (a.signedBy) c.known([...ap, 'signedBy'], a.signedBy);
  if (a.allowUnsigned && a.signedBy)
    c.issues.add(
      [...ap, 'allowUnsigned'],
      `allowUnsigned: ${a.allowUnsigned} cannot be combined with signedBy: unsigned evidence has no signer, so it could never satisfy a requirement that names one`,
      'drop signedBy to accept unsigned BuildKit attestations, or drop allowUnsigned to require a signature',
    );
  const conditions: CompiledCondition[] = [];
  for (const [ci, cond] of (a.conditions ?? []).entries()) {
    const compiled = compileCondition(cond, ci);
    if ('error' in compiled) {
      const where = c.issues.at([...ap, 'conditions', ci, 'expr']);
      c.issues.push({
        path: [...ap, 'conditions', ci, 'expr'].join('.'),
        ...(where.line ? { line: where.line, column: (where.column ?? 0) + compiled.column } : {}),
        message: `CEL: ${compiled.error}`,
        hint: 'variables: predicate, predicateType, subject, signer (san, issuer, claims)',
      });
    } else conditions.push(compiled.condition);
  }
  const builderIdRegExp = a.slsa?.builderIdRegExp
    ? c.issues.regexp([...ap, 'slsa', 'builderIdRegExp'], a.slsa.builderIdRegExp)
    : undefined;
  const sourceRefRegExp = a.slsa?.sourceRefRegExp
    ? c.issues.regexp([...ap, 'slsa', 'sourceRefRegExp'], a.slsa.sourceRefRegExp)
    : undefined;
  return {
    raw: a,
    predicateType: predicateTypeFor(a.type),
    ...(a.maxAge ? { maxAgeMs: parseDuration(a.maxAge) } : {}),
    ...(builderIdRegExp ? { builderIdRegExp } : {}),
    ...(sourceRefRegExp ? { sourceRefRegExp } : {}),
    conditions,
  };
}
