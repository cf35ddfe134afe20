/**
 * Regular expressions from a policy file, matched with RE2 (linear time: no catastrophic
 * backtracking whatever the pattern or the registry-supplied text) against the whole value, as
 * Go's regexp does for cosign and policy-controller patterns that are anchored.
 */
import { RE2JS } from '@bufbuild/re2';

export interface FullMatch {
  source: string;
  test(value: string): boolean;
}

/** Longest pattern accepted. */
const MAX_PATTERN = 4096;

export function compileRegExp(pattern: string): { regexp: FullMatch } | { error: string } {
  if (pattern.length > MAX_PATTERN) return { error: `longer than ${MAX_PATTERN} characters` };
  try {
    const re = RE2JS.compile(pattern);
    return { regexp: { source: pattern, test: (v) => re.matches(v) } };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] ?? 'invalid' };
  }
}
