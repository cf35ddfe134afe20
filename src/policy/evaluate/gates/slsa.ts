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
import { versionedTagMismatch } from './slsa-semver.js';

/** The fields slsa-verifier checks, from SLSA v0.2 or v1 provenance. */
export interface SlsaFields {
  builderId?: string;
  buildType?: string;
  /** The repository that triggered the build (v0.2 invocation.configSource, v1 the workflow). */
  sourceUri?: string;
  sourceRef?: string;
  entryPoint?: string;
  /** The first material / resolved dependency, `git+URI@REF` as written. */
  materialUri?: string;
  /** The git ref when the build ran for a tag (`refs/tags/…`), '' when it ran for a branch. */
  tagRef?: string;
  /** The branch ref (`refs/heads/…`): the trigger's, or for a tag the branch its event names. */
  branchRef?: string;
}

export function slsaFields(predicateType: string, predicate: unknown): SlsaFields {
  const p = obj(predicate) ?? {};
  if (predicateType === 'https://slsa.dev/provenance/v0.2') {
    const cs = obj(obj(p.invocation)?.configSource) ?? {};
    const uri = str(cs.uri);
    const [source, ref] = splitAt(uri);
    const env = obj(obj(p.invocation)?.environment) ?? {};
    return {
      ...opt('builderId', str(obj(p.builder)?.id)),
      ...opt('buildType', str(p.buildType)),
      ...opt('sourceUri', source),
      ...opt('sourceRef', ref),
      ...opt('entryPoint', str(cs.entryPoint)),
      ...opt('materialUri', str(obj(arr(p.materials)[0])?.uri)),
      ...gitRefs(env, (k) => k),
    };
  }
  const bd = obj(p.buildDefinition) ?? {};
  const ext = obj(bd.externalParameters) ?? {};
  const wf = obj(ext.workflow) ?? {};
  const dep = obj(arr(bd.resolvedDependencies)[0]) ?? {};
  const [depSource, depRef] = splitAt(str(dep.uri));
  const internal = obj(bd.internalParameters) ?? {};
  const sourceRef = str(wf.ref) ?? depRef;
  // The container-based builder records GITHUB_REF_TYPE/GITHUB_REF; the GitHub workflow build type
  // records only the workflow's ref, whose prefix says what it is.
  const refs =
    str(internal.GITHUB_REF_TYPE) !== undefined
      ? gitRefs(internal, (k) => k.toUpperCase())
      : sourceRef?.startsWith('refs/tags/')
        ? { tagRef: sourceRef }
        : sourceRef?.startsWith('refs/heads/')
          ? { tagRef: '', branchRef: sourceRef }
          : {};
  return {
    ...opt('builderId', str(obj(obj(p.runDetails)?.builder)?.id)),
    ...opt('buildType', str(bd.buildType)),
    ...opt('sourceUri', str(wf.repository) ? `git+${str(wf.repository)}` : depSource),
    ...opt('sourceRef', sourceRef),
    ...opt('entryPoint', str(wf.path)),
    ...opt('materialUri', str(dep.uri)),
    ...refs,
  };
}

/**
 * The tag and branch of a GitHub Actions environment (`github_ref_type`, `github_ref`, and for a tag
 * the branch its push or release event names), as slsa-verifier reads them.
 */
function gitRefs(
  env: Record<string, unknown>,
  key: (k: string) => string,
): Pick<SlsaFields, 'tagRef' | 'branchRef'> {
  const refType = str(env[key('github_ref_type')]);
  const ref = str(env[key('github_ref')]);
  if (refType === 'branch') return { tagRef: '', ...opt('branchRef', ref) };
  if (refType !== 'tag') return {};
  const baseRef = str(env[key('github_base_ref')]);
  const payload = obj(env[key('github_event_payload')]) ?? {};
  const event = str(env[key('github_event_name')]);
  const commitish = str(obj(payload.release)?.target_commitish);
  const branchRef = baseRef
    ? baseRef
    : event === 'push'
      ? str(payload.base_ref)
      : event === 'release' && commitish !== undefined
        ? `refs/heads/${commitish}`
        : undefined;
  return { ...opt('tagRef', ref), ...opt('branchRef', branchRef) };
}

/** `git+https://github.com/o/r@refs/tags/v1` → [`git+https://github.com/o/r`, `refs/tags/v1`]. */
function splitAt(uri: string | undefined): [string | undefined, string | undefined] {
  if (!uri) return [undefined, undefined];
  const i = uri.lastIndexOf('@');
  return i > uri.indexOf('://') ? [uri.slice(0, i), uri.slice(i + 1)] : [uri, undefined];
}

/**
 * Source URIs compare without the `git+` prefix and a trailing `.git`; one without a scheme
 * (`github.com/o/r`, slsa-verifier's --source-uri form) is https.
 */
const normaliseSource = (u: string) => {
  const bare = u.replace(/^git\+/, '').replace(/\.git$/, '');
  return bare.includes('://') ? bare : `https://${bare}`;
};

/**
 * slsa-verifier's loose builder-id match: the names must be equal; a version, when the expected id
 * has one, must be too, where `v1.9.0` stands for `refs/tags/v1.9.0`.
 */
export function builderIdMatches(actual: string, expected: string): boolean {
  const [name, version] = splitBuilderId(actual);
  const [wantName, wantVersion] = splitBuilderId(expected);
  if (name === undefined || wantName === undefined || name !== wantName) return false;
  return wantVersion === '' || wantVersion === version || `refs/tags/${wantVersion}` === version;
}

/** `name@version` → [name, version]; `name` → [name, '']; more than one `@`, or `name@` → []. */
function splitBuilderId(id: string): [string, string] | [] {
  const parts = id.split('@');
  if (parts.length === 1) return [id, ''];
  if (parts.length === 2 && parts[1] !== '') return [parts[0]!, parts[1]!];
  return [];
}

/** `refs/<kind>/<name>` → name, else undefined. */
function refName(ref: string | undefined, kind: 'tags' | 'heads'): string | undefined {
  const prefix = `refs/${kind}/`;
  return ref?.startsWith(prefix) && ref.length > prefix.length ? ref.slice(prefix.length) : undefined;
}

export interface SlsaWant {
  builderId?: string;
  builderIdRegExp?: FullMatch;
  sourceUri?: string;
  sourceRef?: string;
  sourceRefRegExp?: FullMatch;
  entryPoint?: string;
  /** The tag the build ran for, without `refs/tags/` (slsa-verifier's --source-tag). */
  sourceTag?: string;
  /** A semantic version the tag must satisfy (--source-versioned-tag: `v1` matches `v1.4.2`). */
  sourceVersionedTag?: string;
  /** The branch, without `refs/heads/` (--source-branch). */
  sourceBranch?: string;
  /** The first material must be the triggering repository, at a ref, as slsa-verifier requires. */
  sourceMaterial?: boolean;
}

export function slsaFindings(fields: SlsaFields, want: SlsaWant): Finding[] {
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
    check('builderId', a, a !== undefined && builderIdMatches(a, want.builderId), want.builderId);
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
  if (want.sourceMaterial) {
    const a = fields.materialUri;
    const [uri, ref] = splitAt(a);
    const trigger = fields.sourceUri;
    const ok =
      a !== undefined &&
      ref !== undefined &&
      ref !== '' &&
      trigger !== undefined &&
      uri === trigger &&
      ref === fields.sourceRef;
    check('materialUri', a, ok, `${trigger ?? 'the source'}@${fields.sourceRef ?? 'its ref'}`);
  }
  if (want.sourceTag !== undefined) {
    const a = refName(fields.tagRef, 'tags');
    check('sourceTag', a, a === want.sourceTag, want.sourceTag);
  }
  if (want.sourceVersionedTag !== undefined) {
    const a = refName(fields.tagRef, 'tags');
    const why = a === undefined ? 'no tag' : versionedTagMismatch(a, want.sourceVersionedTag);
    out.push({
      id: 'slsa/sourceVersionedTag',
      ok: why === undefined,
      reason:
        why === undefined
          ? `sourceVersionedTag: tag ${a} satisfies ${want.sourceVersionedTag}`
          : `sourceVersionedTag: ${a === undefined ? 'the build ran for no tag' : why}, expected ${want.sourceVersionedTag}`,
      expected: want.sourceVersionedTag,
      ...(a !== undefined ? { actual: a } : {}),
    });
  }
  if (want.sourceBranch !== undefined) {
    const a = refName(fields.branchRef, 'heads');
    check('sourceBranch', a, a === want.sourceBranch, want.sourceBranch);
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
