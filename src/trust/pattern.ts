/**
 * What a compiled pattern is and how a refused one is reported, apart from regexp.ts so the modules
 * that only name them (keyless identity matching) do not load the RE2 engine: `verify --key` and an
 * exact `--certificate-identity` never compile a pattern.
 */

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

export type CompiledPattern = { regexp: FullMatch } | { error: string };

/** compileRegExp (regexp.ts), passed in by whoever already loaded the engine. */
export type CompileRegExp = (pattern: string) => CompiledPattern;

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
