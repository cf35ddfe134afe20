/**
 * The SLSA provenance gate: the fields slsa-verifier checks, read from the verified predicate and
 * compared as its flags do.
 */
import type { FullMatch } from '../../../trust/regexp.js';
import type { AttestationEvidence } from '../../evidence.js';
import type { CompiledAttestation } from '../../load.js';
import { fromFinding } from '../describe.js';
import type { CheckResult } from '../types.js';
import { arr, type Finding, obj, opt, str } from './finding.js';

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

/** The attestation requirement's `slsa:` block, judged on one verified provenance attestation. */
export function slsaChecks(req: CompiledAttestation, a: AttestationEvidence, base: string): CheckResult[] {
  if (!req.raw.slsa) return [];
  const { builderIdRegExp: _b, sourceRefRegExp: _s, ...exact } = req.raw.slsa;
  const want = {
    ...exact,
    ...(req.builderIdRegExp ? { builderIdRegExp: req.builderIdRegExp } : {}),
    ...(req.sourceRefRegExp ? { sourceRefRegExp: req.sourceRefRegExp } : {}),
  };
  return slsaFindings(slsaFields(a.predicateType, a.statement.predicate), want).map((f) =>
    fromFinding(f, base),
  );
}
