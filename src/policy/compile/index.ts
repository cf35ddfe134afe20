/**
 * Compiling a policy text: parsed and schema-checked, then every check a schema cannot express (names
 * that must exist, exactly-one-of, regular expressions and CEL that must compile). Every problem is
 * reported at once, each with its line and column and a fix. No file is read here except through
 * `io.readKeyFile`, so a caller decides how (and whether) key files are read; nothing depends on an image.
 */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import { compileAuthorities } from './authorities.js';
import { compileDenyIdentities } from './deny.js';
import { compileExceptions } from './exceptions.js';
import { parsePolicy } from './parse.js';
import { compileRules } from './rules.js';
import { compileTrustRoots } from './trust-roots.js';
import type { CompileIO, CompileResult } from './types.js';

export * from './types.js';

/** `file` names the policy in issues and anchors its relative paths; it is not read. */
export function compilePolicyDocument(text: string, file: string, io: CompileIO): CompileResult {
  const parsed = parsePolicy(text);
  if ('failed' in parsed) return { issues: parsed.failed };
  const { policy, issues } = parsed;
  const base = dirname(resolve(file));
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(base, p));

  // The order of these steps is the order issues are listed in.
  const trustRoots = compileTrustRoots(policy, rel, issues);
  const authorities = compileAuthorities(policy, { issues, trustRoots, rel, io });
  const rules = compileRules(policy, issues);
  const exceptions = compileExceptions(policy, new Set(policy.rules.map((r) => r.name)), issues);
  const denyIdentities = compileDenyIdentities(policy, issues);

  if (issues.count > 0) return { issues: issues.list };
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
