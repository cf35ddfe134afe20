/**
 * cosign-style CUE policies (`verify-attestation --policy FILE.cue`), evaluated as cosign 2.5 does
 * (pkg/cosign/cue ValidateJSON): every policy file is loaded into ONE CUE instance, the decoded
 * in-toto statement is unified with it, and the result must have no error; values need not be
 * concrete (cosign validates with cue.Final(), not cue.Concrete), so a constraint on a field the
 * statement lacks passes. That is `cue eval` over the policies and the statement as a JSON file
 * (`cue vet` would demand concrete values). Because such a constraint passes silently, the fields
 * the policy declares and the statement lacks are named beside the verdict (fields.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { DEFAULT_DISCOVERY_LIMITS } from '../../discovery/reading.js';
import { TrustgateError, UsageError } from '../../errors.js';
import { createExclusive, readInputFile } from '../../util/safe-fs.js';
import { missingFields, policyFieldPaths } from './fields.js';
import { CUE_TIMEOUT_MS, runCue } from './runner.js';

/** A policy file is source text; anything near this size is not a policy. */
export const MAX_CUE_POLICY_BYTES = 1024 * 1024;
/** The largest statement given to CUE: discovery's default payload limit (the WASM build is slow on more). */
export const MAX_CUE_STATEMENT_BYTES = DEFAULT_DISCOVERY_LIMITS.maxPayloadBytes;

export interface CuePolicyFile {
  /** As the user named it; messages use this name. */
  path: string;
  source: Buffer;
  /** The regular field paths it declares (fields.ts). */
  fields: string[][];
}

export interface CuePolicies {
  files: CuePolicyFile[];
  timeoutMs: number;
}

export interface CueFailure {
  /** The path CUE reports for the first error (`predicate.builder.id`), when it names one. */
  path?: string;
  /** What failed there: `invalid value "…" (out of bound =~"…")`. */
  constraint: string;
  /** The first error with its positions, in the user's file names. */
  message: string;
}

export interface CueVerdict {
  passed: boolean;
  failure?: CueFailure;
  /** Fields the policy declares that the statement does not have (they constrained nothing). */
  unmatched: string[];
}

/**
 * The policy files, read once (bounded; a FIFO works, as it is read only here). cosign picks the
 * language by extension: `.cue` here; `.rego` and anything else are refused.
 */
export function loadCuePolicies(paths: readonly string[], o: { timeoutMs?: number } = {}): CuePolicies {
  const files = paths.map((path) => {
    const ext = extname(path);
    if (ext === '.rego')
      throw new UsageError('Rego is not supported', {
        hint: 'use a CUE policy (.cue) or a trustgate policy (trustgate verify --policy FILE.yaml)',
        option: 'policy',
      });
    if (ext !== '.cue')
      throw new UsageError(`${path} is not a CUE policy: its name must end in .cue, as in cosign`, {
        hint: "trustgate's own policy files are checked by `trustgate verify --policy FILE.yaml`",
        option: 'policy',
      });
    const source = readInputFile(path, MAX_CUE_POLICY_BYTES);
    return { path, source, fields: policyFieldPaths(source.toString('utf8')) };
  });
  return { files, timeoutMs: o.timeoutMs ?? CUE_TIMEOUT_MS };
}

/** A private folder holding copies of the policies (and a statement), removed after `f`. */
async function inScratch<T>(
  policies: CuePolicies,
  f: (names: { dir: string; policies: string[]; token: string }) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-cue-')); // mode 0700
  const token = randomBytes(6).toString('hex');
  try {
    const names = policies.files.map((p, i) => {
      const name = join(dir, `policy-${token}-${i}.cue`);
      createExclusive(name, p.source, 0o600);
      return name;
    });
    return await f({ dir, policies: names, token });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CUE's output with the scratch names replaced by the user's file names. */
function userNames(text: string, policies: CuePolicies, token: string): string {
  return text
    .replace(new RegExp(`[^\\s"]*policy-${token}-(\\d+)\\.cue`, 'g'), (_m, i: string) => {
      return policies.files[Number(i)]?.path ?? 'policy';
    })
    .replace(new RegExp(`[^\\s"]*statement-${token}\\.json`, 'g'), 'statement')
    .replace(new RegExp(`[^\\s"]*eval-${token}\\.cue`, 'g'), 'output');
}

const PATH_LABEL = String.raw`(?:[A-Za-z_$#][\w$#]*|"(?:[^"\\]|\\.)*"|\d+)`;
const HEADER = new RegExp(`^(${PATH_LABEL}(?:\\.${PATH_LABEL})*): (.*?):?$`);

/** The first error of CUE's report: its header line and the indented positions under it. */
export function firstCueError(stderr: string): CueFailure {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0] ?? 'cue reported an error without a message';
  const positions: string[] = [];
  for (const l of lines.slice(1)) {
    if (!/^\s/.test(l)) break;
    positions.push(l.trim());
  }
  const m = HEADER.exec(header);
  const where = positions.length > 0 ? ` (${positions.join(', ')})` : '';
  if (m) {
    const constraint = m[2] as string;
    return { path: m[1] as string, constraint, message: `${m[1]}: ${constraint}${where}` };
  }
  const constraint = header.replace(/:$/, '');
  return { constraint, message: `${constraint}${where}` };
}

/**
 * Checks that the policies load and agree with themselves (syntax, packages, conflicts), before any
 * statement is read: an error names the file, line and column.
 */
export async function checkCuePolicies(policies: CuePolicies): Promise<void> {
  await inScratch(policies, async ({ dir, policies: names, token }) => {
    const r = await runCue(
      'eval',
      ['-o', `cue:${join(dir, `eval-${token}.cue`)}`, ...names],
      policies.timeoutMs,
    );
    if (r.code === 0) return;
    const first = firstCueError(userNames(r.stderr, policies, token));
    throw new TrustgateError('POLICY_INVALID', `the CUE policy is not valid: ${first.message}`, {
      hint: 'fix the policy; check it with `cue eval FILE.cue`',
      option: 'policy',
    });
  });
}

/**
 * The policies unified with one verified in-toto statement (the exact payload bytes). A failure is a
 * verdict, not a throw; a statement CUE cannot be given (too large) fails closed.
 */
export async function evaluateCuePolicies(policies: CuePolicies, payload: Uint8Array): Promise<CueVerdict> {
  if (payload.length > MAX_CUE_STATEMENT_BYTES) {
    const constraint = `the statement is ${payload.length} bytes, over the ${MAX_CUE_STATEMENT_BYTES}-byte limit for CUE policies`;
    return { passed: false, failure: { constraint, message: constraint }, unmatched: [] };
  }
  let statement: unknown;
  try {
    statement = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    statement = undefined;
  }
  const unmatched = missingFields(
    policies.files.flatMap((f) => f.fields),
    statement,
  );
  return inScratch(policies, async ({ dir, policies: names, token }) => {
    const file = join(dir, `statement-${token}.json`);
    createExclusive(file, payload, 0o600);
    const out = `cue:${join(dir, `eval-${token}.cue`)}`;
    const r = await runCue('eval', ['-o', out, ...names, file], policies.timeoutMs);
    if (r.code === 0) return { passed: true, unmatched };
    return { passed: false, failure: firstCueError(userNames(r.stderr, policies, token)), unmatched };
  });
}
