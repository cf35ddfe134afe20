/**
 * Keyless identity matching with the RE2 engine bound: for callers that have it loaded anyway (the
 * policy engine, tests). `verify` goes through identity-match.ts and loads RE2 only for a pattern flag.
 */
import {
  anchoredWith,
  type IdentityPolicy,
  type IdentityPolicyInput,
  type IdentityPolicyOptions,
  identityPolicyWith,
} from './identity-match.js';
import type { FullMatch } from './pattern.js';
import { compileRegExp } from './regexp.js';

export type { IdentityPolicy, IdentityPolicyInput, IdentityPolicyOptions } from './identity-match.js';

export function anchored(pattern: string, name: string, option?: string): FullMatch {
  return anchoredWith(compileRegExp, pattern, name, option);
}

export function identityPolicy(input: IdentityPolicyInput, o: IdentityPolicyOptions = {}): IdentityPolicy {
  return identityPolicyWith(compileRegExp, input, o);
}
