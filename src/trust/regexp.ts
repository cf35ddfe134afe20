/**
 * Every regular expression trustgate takes (CLI identity flags, policy files, image globs) is
 * matched with RE2: linear time whatever the pattern or the registry-supplied text, and the syntax
 * cosign and policy-controller (Go's regexp) accept, so a pattern means the same thing in both. A
 * match is always against the whole value, as if `^…$` were written.
 */
import { RE2JS } from '@bufbuild/re2';

export interface FullMatch {
  source: string;
  test(value: string): boolean;
  /** Whether some part of the value matches: what cosign's unanchored match would have accepted. */
  find(value: string): boolean;
}

/**
 * Longest pattern accepted, for flags and policy files alike. Real identity and glob patterns are a
 * few hundred characters at most; the cap bounds compile time and memory for hostile input.
 */
export const MAX_PATTERN = 1024;

export function compileRegExp(pattern: string): { regexp: FullMatch } | { error: string } {
  if (pattern.length > MAX_PATTERN) return { error: `longer than ${MAX_PATTERN} characters` };
  try {
    const re = RE2JS.compile(pattern);
    return { regexp: { source: pattern, test: (v) => re.matches(v), find: (v) => re.test(v) } };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] ?? 'invalid' };
  }
}

/**
 * How a refused pattern is reported. A flag names itself and its value; a policy file's issue already
 * points at the field, and says RE2 because the file format documents RE2 syntax. Both phrasings live
 * here so the two front ends cannot drift apart on what counts as invalid.
 */
export function patternMessage(
  error: string,
  where: { policy: true } | { flag: string; pattern: string },
): string {
  if ('policy' in where) return `not a valid RE2 regular expression: ${error}`;
  if (error.startsWith('longer than')) return `${where.flag} is ${error}`;
  return `${where.flag} "${where.pattern}" is not a valid regular expression: ${error}`;
}
