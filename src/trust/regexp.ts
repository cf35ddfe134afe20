/**
 * Every regular expression trustgate takes (CLI identity flags, policy files, image globs) is
 * matched with RE2: linear time whatever the pattern or the registry-supplied text, and the syntax
 * cosign and policy-controller (Go's regexp) accept, so a pattern means the same thing in both. A
 * match is always against the whole value, as if `^…$` were written.
 */
import { RE2JS } from '@bufbuild/re2';
import { type CompiledPattern, MAX_PATTERN } from './pattern.js';

export { type CompileRegExp, type FullMatch, MAX_PATTERN, patternMessage } from './pattern.js';

export function compileRegExp(pattern: string): CompiledPattern {
  if (pattern.length > MAX_PATTERN) return { error: `longer than ${MAX_PATTERN} characters` };
  try {
    const re = RE2JS.compile(pattern);
    return { regexp: { source: pattern, test: (v) => re.matches(v), find: (v) => re.test(v) } };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] ?? 'invalid' };
  }
}
