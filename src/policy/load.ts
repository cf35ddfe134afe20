/**
 * Reading a policy file: YAML or JSON (one parser, so positions work for both), validated by the zod
 * schema and then by the checks a schema cannot express (names that must exist, exactly-one-of,
 * regular expressions and CEL that must compile). Every problem is reported at once, each with its
 * line and column and a fix. Nothing is evaluated here that depends on an image.
 */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { describeError, TrustgateError } from '../errors.js';
import { readInputFile } from '../util/safe-fs.js';
import { predicateTypeFor } from '../verify/attestations.js';
import { FULCIO_V2_CLAIMS, GITHUB_V1_CLAIMS } from '../verify/claims.js';
import { parsePublicKey, type VerificationKey } from '../verify/keys.js';
import { type CompiledCondition, compileCondition } from './cel.js';
import { parseDuration } from './duration.js';
import { compileGlob, type ImageGlob } from './glob.js';
import { policyJsonSchema } from './json-schema.js';
import { compileRegExp, type FullMatch } from './regexp.js';
import {
  type AttestationRequirement,
  type PolicyAuthority,
  type PolicyDocument,
  type PolicyException,
  type PolicyRule,
  policySchema,
} from './schema.js';

export interface PolicyIssue {
  /** Where in the document, as a dotted path (rules.0.signatures.anyOf.1). */
  path: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export class PolicyInvalidError extends TrustgateError {
  constructor(
    readonly file: string,
    readonly issues: PolicyIssue[],
  ) {
    super(
      'USAGE',
      `${file}: ${issues.length} problem(s): ${issues.map((i) => formatIssue(file, i)).join('; ')}`,
      {
        hint: 'run `trustgate policy validate` for the full list',
      },
    );
  }
}

export function formatIssue(file: string, i: PolicyIssue): string {
  const where = i.line ? `${file}:${i.line}:${i.column}` : file;
  return `${where}: ${i.path ? `${i.path}: ` : ''}${i.message}${i.hint ? ` (fix: ${i.hint})` : ''}`;
}

export interface CompiledKey {
  key: VerificationKey;
  notBefore?: Date;
  notAfter?: Date;
}

export interface CompiledAuthority {
  name: string;
  raw: PolicyAuthority;
  keys: CompiledKey[];
  revoked: Set<string>;
  keyless?: {
    issuer?: string;
    issuerRegExp?: FullMatch;
    subject?: string;
    subjectRegExp?: FullMatch;
    /** By Fulcio claim name. */
    claims: Record<string, string>;
  };
  trustRoot: string;
  describe: string;
}

export interface CompiledAttestation {
  raw: AttestationRequirement;
  predicateType: string;
  maxAgeMs?: number;
  builderIdRegExp?: FullMatch;
  sourceRefRegExp?: FullMatch;
  conditions: CompiledCondition[];
}

export interface CompiledRule {
  raw: PolicyRule;
  index: number;
  images: ImageGlob[];
  exclude: ImageGlob[];
  attestations: CompiledAttestation[];
  vulnMaxAgeMs?: number;
}

export interface CompiledException {
  raw: PolicyException;
  images: ImageGlob[];
  checks: ImageGlob[];
  expiresAt: Date;
}

export interface CompiledPolicy {
  file: string;
  /** sha256 of the policy file's bytes, for audit records. */
  sha256: string;
  doc: PolicyDocument;
  /** Trust roots by name, as written (loaded when verification needs them). */
  trustRoots: Record<string, NonNullable<PolicyDocument['trustRoots']>[string]>;
  authorities: Map<string, CompiledAuthority>;
  rules: CompiledRule[];
  exceptions: CompiledException[];
  denyIdentities: Array<{
    subject?: string;
    subjectRegExp?: FullMatch;
    issuer?: string;
    reason: string;
    reference?: string;
  }>;
}

/** Far above any real policy or PEM key; the caps only stop unbounded inputs. */
const MAX_POLICY_FILE_BYTES = 16 * 1024 * 1024;
const MAX_KEY_FILE_BYTES = 1024 * 1024;
/** Alias uses a policy may make (the yaml package's own default); a policy needs few, if any. */
const MAX_ALIAS_COUNT = 100;

/** Reads and compiles a policy file; throws PolicyInvalidError listing every problem. */
export function loadPolicy(file: string): CompiledPolicy {
  let bytes: Buffer;
  try {
    // Bounded, so /dev/zero or an endless pipe fails instead of filling memory.
    bytes = readInputFile(file, MAX_POLICY_FILE_BYTES);
  } catch (e) {
    throw new TrustgateError('USAGE', `--policy ${file}: cannot read the file (${describeError(e)})`);
  }
  const r = compilePolicy(bytes.toString('utf8'), file);
  if ('issues' in r) throw new PolicyInvalidError(file, r.issues);
  return r.policy;
}

/** Every problem in a policy text, or the compiled policy. */
export function compilePolicy(
  text: string,
  file: string,
): { policy: CompiledPolicy } | { issues: PolicyIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const issues: PolicyIssue[] = [];
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    issues.push({
      path: '',
      line: pos.line,
      column: pos.col,
      message: e.message.split('\n')[0] ?? e.message,
    });
  }
  if (issues.length > 0) return { issues };
  const at = (path: ReadonlyArray<PropertyKey>, key?: string): { line?: number; column?: number } => {
    let node: unknown = doc.getIn(path as unknown[], true);
    if (key !== undefined && isMap(node)) {
      node = node.items.find((p) => isScalar(p.key) && p.key.value === key)?.key ?? node;
    }
    // Walk up to the nearest ancestor that exists (a missing key is reported at its parent).
    for (let n = path.length; node === undefined && n > 0; n--)
      node = doc.getIn(path.slice(0, n - 1) as unknown[], true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (!range) return {};
    const p = lines.linePos(range[0]);
    return { line: p.line, column: p.col };
  };
  const issue = (path: ReadonlyArray<PropertyKey>, message: string, hint?: string, key?: string) => {
    issues.push({
      path: [...path, ...(key ? [key] : [])].map(String).join('.'),
      ...at(path, key),
      message,
      ...(hint ? { hint } : {}),
    });
  };

  // Building the document expands aliases; the yaml package refuses a document whose aliases expand
  // too far (a billion-laughs bomb) by throwing, which here is one more problem in the file.
  let plain: unknown;
  try {
    plain = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return {
      issues: [
        {
          path: '',
          message: `the YAML cannot be expanded: ${(e as Error).message.split('\n')[0]} (at most ${MAX_ALIAS_COUNT} alias uses)`,
        },
      ],
    };
  }
  const parsed = policySchema.safeParse(plain);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      if (i.code === 'unrecognized_keys') {
        for (const k of i.keys) issue(i.path, `unknown key "${k}"`, unknownKeyHint(k), k);
      } else {
        issue(i.path, i.message, schemaHint(i.path));
      }
    }
    return { issues };
  }
  const policy = parsed.data;
  const base = dirname(resolve(file));
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(base, p));

  // Paths resolved against the policy file's folder, in copies: the document stays as written (diff).
  const trustRoots: CompiledPolicy['trustRoots'] = { 'public-good': { embedded: 'public-good' } };
  for (const [n, t] of Object.entries(policy.trustRoots ?? {})) {
    if (n === 'public-good' && !('embedded' in t))
      issue(['trustRoots', n], '"public-good" names the embedded root');
    trustRoots[n] =
      'trustedRoot' in t
        ? { trustedRoot: rel(t.trustedRoot) }
        : 'caRoots' in t
          ? {
              caRoots: rel(t.caRoots),
              ...(t.caIntermediates ? { caIntermediates: rel(t.caIntermediates) } : {}),
            }
          : t;
  }

  const regexp = (path: ReadonlyArray<PropertyKey>, pattern: string): FullMatch | undefined => {
    const r = compileRegExp(pattern);
    if ('error' in r) {
      issue(
        path,
        `not a valid RE2 regular expression: ${r.error}`,
        'policy regexps use RE2 syntax (as Go and cosign), matched against the whole value',
      );
      return undefined;
    }
    return r.regexp;
  };

  const authorities = new Map<string, CompiledAuthority>();
  for (const [n, a] of Object.entries(policy.authorities)) {
    const path = ['authorities', n];
    if (Boolean(a.keys) === Boolean(a.keyless)) {
      issue(path, 'an authority has either `keys` or `keyless`, not both or neither');
      continue;
    }
    const trustRoot = a.trustRoot ?? 'public-good';
    if (!(trustRoot in trustRoots))
      issue(
        [...path, 'trustRoot'],
        `no trust root named "${trustRoot}"`,
        `define it under trustRoots, or use one of: ${Object.keys(trustRoots).join(', ')}`,
      );
    const keys: CompiledKey[] = [];
    for (const [i, k] of (a.keys ?? []).entries()) {
      const kp = [...path, 'keys', i];
      if (Boolean(k.pem) === Boolean(k.file)) {
        issue(kp, 'a key has either `pem` (inline) or `file`, not both or neither');
        continue;
      }
      let pem = k.pem;
      if (pem === undefined) {
        try {
          pem = readInputFile(rel(k.file!), MAX_KEY_FILE_BYTES).toString('utf8');
        } catch {
          issue(
            [...kp, 'file'],
            `cannot read the key file ${rel(k.file!)}`,
            'paths are relative to the policy file',
          );
          continue;
        }
      }
      try {
        const key = parsePublicKey(pem, k.file ?? `authorities.${n}.keys.${i}`);
        keys.push({
          key,
          ...(k.notBefore ? { notBefore: new Date(k.notBefore) } : {}),
          ...(k.notAfter ? { notAfter: new Date(k.notAfter) } : {}),
        });
        if (k.notBefore && k.notAfter && new Date(k.notBefore) >= new Date(k.notAfter))
          issue(kp, 'notBefore is not before notAfter');
      } catch (e) {
        issue(
          kp,
          (e as Error).message.split('\n')[0] ?? 'not a public key',
          'a PEM SubjectPublicKeyInfo (cosign.pub)',
        );
      }
    }
    let keyless: CompiledAuthority['keyless'];
    if (a.keyless) {
      const kl = a.keyless;
      const kp = [...path, 'keyless'];
      if ((kl.issuer === undefined) === (kl.issuerRegExp === undefined))
        issue(
          kp,
          'give exactly one of `issuer` and `issuerRegExp`',
          'issuer: https://token.actions.githubusercontent.com',
        );
      if ((kl.subject === undefined) === (kl.subjectRegExp === undefined))
        issue(kp, 'give exactly one of `subject` and `subjectRegExp`');
      for (const c of Object.keys(kl.claims ?? {})) {
        if (!(c in FULCIO_V2_CLAIMS) && !(c in GITHUB_V1_CLAIMS))
          issue(
            [...kp, 'claims'],
            `unknown certificate claim "${c}"`,
            `one of ${Object.keys(FULCIO_V2_CLAIMS).join(', ')}`,
            c,
          );
      }
      const issuerRegExp =
        kl.issuerRegExp !== undefined ? regexp([...kp, 'issuerRegExp'], kl.issuerRegExp) : undefined;
      const subjectRegExp =
        kl.subjectRegExp !== undefined ? regexp([...kp, 'subjectRegExp'], kl.subjectRegExp) : undefined;
      keyless = {
        ...(kl.issuer !== undefined ? { issuer: kl.issuer } : {}),
        ...(issuerRegExp ? { issuerRegExp } : {}),
        ...(kl.subject !== undefined ? { subject: kl.subject } : {}),
        ...(subjectRegExp ? { subjectRegExp } : {}),
        claims: kl.claims ?? {},
      };
    }
    authorities.set(n, {
      name: n,
      raw: a,
      keys,
      revoked: new Set(a.revoked ?? []),
      ...(keyless ? { keyless } : {}),
      trustRoot,
      describe: keyless
        ? `${n} (keyless: ${a.keyless?.subject ?? `/${a.keyless?.subjectRegExp}/`} from ${a.keyless?.issuer ?? `/${a.keyless?.issuerRegExp}/`})`
        : `${n} (${keys.length} key(s))`,
    });
  }
  const known = (path: ReadonlyArray<PropertyKey>, names: string[]) => {
    for (const [i, n] of names.entries())
      if (!policy.authorities[n])
        issue(
          [...path, i],
          `no authority named "${n}"`,
          `define it under authorities, or use one of: ${Object.keys(policy.authorities).join(', ') || '(none defined)'}`,
        );
  };

  const ruleNames = new Set<string>();
  const rules: CompiledRule[] = [];
  for (const [ri, r] of policy.rules.entries()) {
    const path = ['rules', ri];
    if (ruleNames.has(r.name)) issue([...path, 'name'], `a second rule named "${r.name}"`);
    ruleNames.add(r.name);
    const globs = (key: 'images' | 'exclude') =>
      (r[key] ?? []).flatMap((g, i) => {
        const c = compileGlob(g);
        if ('error' in c) {
          issue([...path, key, i], c.error, 'e.g. ghcr.io/org/** or registry.example/team/*');
          return [];
        }
        return [c.glob];
      });
    if (r.signatures) {
      const s = r.signatures;
      const names = 'anyOf' in s ? s.anyOf : 'allOf' in s ? s.allOf : s.of;
      const key = 'anyOf' in s ? 'anyOf' : 'allOf' in s ? 'allOf' : 'of';
      known([...path, 'signatures', key], names);
      if ('threshold' in s && s.threshold > s.of.length)
        issue(
          [...path, 'signatures', 'threshold'],
          `threshold ${s.threshold} is more than the ${s.of.length} authorities listed`,
        );
    }
    const attNames = new Set<string>();
    const attestations: CompiledAttestation[] = [];
    for (const [ai, a] of (r.attestations ?? []).entries()) {
      const ap = [...path, 'attestations', ai];
      if (attNames.has(a.name)) issue([...ap, 'name'], `a second attestation requirement named "${a.name}"`);
      attNames.add(a.name);
      if (a.signedBy) known([...ap, 'signedBy'], a.signedBy);
      const conditions: CompiledCondition[] = [];
      for (const [ci, c] of (a.conditions ?? []).entries()) {
        const compiled = compileCondition(c, ci);
        if ('error' in compiled) {
          const where = at([...ap, 'conditions', ci, 'expr']);
          issues.push({
            path: [...ap, 'conditions', ci, 'expr'].join('.'),
            ...(where.line ? { line: where.line, column: (where.column ?? 0) + compiled.column } : {}),
            message: `CEL: ${compiled.error}`,
            hint: 'variables: predicate, predicateType, subject, signer (san, issuer, claims)',
          });
        } else conditions.push(compiled.condition);
      }
      const builderIdRegExp = a.slsa?.builderIdRegExp
        ? regexp([...ap, 'slsa', 'builderIdRegExp'], a.slsa.builderIdRegExp)
        : undefined;
      const sourceRefRegExp = a.slsa?.sourceRefRegExp
        ? regexp([...ap, 'slsa', 'sourceRefRegExp'], a.slsa.sourceRefRegExp)
        : undefined;
      attestations.push({
        raw: a,
        predicateType: predicateTypeFor(a.type),
        ...(a.maxAge ? { maxAgeMs: parseDuration(a.maxAge) } : {}),
        ...(builderIdRegExp ? { builderIdRegExp } : {}),
        ...(sourceRefRegExp ? { sourceRefRegExp } : {}),
        conditions,
      });
    }
    if (r.vulnerabilities?.signedBy)
      known([...path, 'vulnerabilities', 'signedBy'], r.vulnerabilities.signedBy);
    if (r.sbom?.signedBy) known([...path, 'sbom', 'signedBy'], r.sbom.signedBy);
    rules.push({
      raw: r,
      index: ri,
      images: globs('images'),
      exclude: globs('exclude'),
      attestations,
      ...(r.vulnerabilities?.maxAge ? { vulnMaxAgeMs: parseDuration(r.vulnerabilities.maxAge) } : {}),
    });
  }

  const exceptions: CompiledException[] = [];
  for (const [ei, e] of (policy.exceptions ?? []).entries()) {
    const path = ['exceptions', ei];
    for (const [i, rn] of (e.rules ?? []).entries())
      if (!ruleNames.has(rn)) issue([...path, 'rules', i], `no rule named "${rn}"`);
    const images = e.images.flatMap((g, i) => {
      const c = compileGlob(g);
      if ('error' in c) issue([...path, 'images', i], c.error);
      return 'glob' in c ? [c.glob] : [];
    });
    const checks = e.checks.flatMap((g) => {
      const c = compileGlob(g);
      return 'glob' in c ? [c.glob] : [];
    });
    exceptions.push({ raw: e, images, checks, expiresAt: new Date(e.expiresAt) });
  }

  const denyIdentities: CompiledPolicy['denyIdentities'] = [];
  for (const [i, d] of (policy.deny?.identities ?? []).entries()) {
    const path = ['deny', 'identities', i];
    if ((d.subject === undefined) === (d.subjectRegExp === undefined)) {
      issue(path, 'give exactly one of `subject` and `subjectRegExp`');
      continue;
    }
    const re =
      d.subjectRegExp !== undefined ? regexp([...path, 'subjectRegExp'], d.subjectRegExp) : undefined;
    denyIdentities.push({
      ...(d.subject !== undefined ? { subject: d.subject } : {}),
      ...(re ? { subjectRegExp: re } : {}),
      ...(d.issuer !== undefined ? { issuer: d.issuer } : {}),
      reason: d.reason,
      ...(d.reference ? { reference: d.reference } : {}),
    });
  }

  if (issues.length > 0) return { issues };
  return {
    policy: {
      file,
      sha256: `sha256:${createHash('sha256').update(text).digest('hex')}`,
      doc: policy,
      trustRoots,
      authorities,
      rules,
      exceptions,
      denyIdentities,
    },
  };
}

/** Every key the schema knows, anywhere in a policy: read off the generated JSON Schema, so it cannot drift. */
let knownKeys: string[] | undefined;
function allSchemaKeys(): string[] {
  if (knownKeys) return knownKeys;
  const keys = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) for (const n of node) walk(n);
    else if (node !== null && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.properties && typeof o.properties === 'object')
        for (const k of Object.keys(o.properties)) keys.add(k);
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(policyJsonSchema());
  knownKeys = [...keys].sort();
  return knownKeys;
}

/** "did you mean": the known key at the smallest edit distance, when it is close. */
function unknownKeyHint(key: string): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of allSchemaKeys()) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best && bestD <= Math.max(2, Math.floor(key.length / 4))
    ? `did you mean "${best}"?`
    : 'remove it; unknown keys are errors';
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

function schemaHint(path: ReadonlyArray<PropertyKey>): string | undefined {
  const last = String(path.at(-1) ?? '');
  if (last === 'apiVersion') return 'apiVersion: trustgate.dev/v1';
  if (last === 'kind') return 'kind: Policy';
  if (last === 'expiresAt' || last === 'notBefore' || last === 'notAfter')
    return 'an RFC 3339 time, e.g. 2026-12-31T00:00:00Z';
  if (last === 'signatures') return 'one of anyOf: [...], allOf: [...], or threshold: N with of: [...]';
  return undefined;
}
