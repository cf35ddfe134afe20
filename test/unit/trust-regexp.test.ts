/**
 * One regular-expression engine and one identity matcher for CLI flags and policy files: RE2 (what
 * cosign uses), one length cap, and the same rejection wording whichever front end asked.
 */
import { describe, expect, test } from 'vitest';
import { compilePolicy } from '../../src/policy/load.js';
import { buildPolicyVerifiers } from '../../src/policy/policy-trust.js';
import { FULCIO_V2_CLAIMS } from '../../src/trust/claims.js';
import { anchored, identityPolicy } from '../../src/trust/identity.js';
import { compileRegExp, MAX_PATTERN, patternMessage } from '../../src/trust/regexp.js';
import type { KeylessVerifiers } from '../../src/verify/verify-signatures.js';

const GH = 'https://token.actions.githubusercontent.com';
const FLAG = '--certificate-identity-regexp';

describe('CLI identity patterns are RE2', () => {
  test('lookaround and backreferences, which only JS RegExp knows, are refused', () => {
    for (const p of ['https://github.com/(?!evil).*', '(?<=x)y', '(a)\\1']) {
      expect(() => anchored(p, FLAG)).toThrow(/not a valid regular expression/);
    }
  });

  test('an RE2 pattern is still matched against the whole value', () => {
    const re = anchored('^https://github\\.com/org/.*$', FLAG);
    expect(re.test('https://github.com/org/repo')).toBe(true);
    expect(re.test('x-https://github.com/org/repo')).toBe(false);
    expect(anchored('a|b', FLAG).test('ab')).toBe(false);
  });

  test('a nested quantifier runs in linear time', () => {
    const re = anchored('(a+)+b', FLAG);
    // JS RegExp backtracks exponentially here: about 8 s for 29 characters on a laptop.
    let start = performance.now();
    expect(re.test(`${'a'.repeat(29)}c`)).toBe(false);
    expect(performance.now() - start).toBeLessThan(1000);
    start = performance.now();
    expect(re.test(`${'a'.repeat(100_000)}c`)).toBe(false);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('one cap for flags and policy files', () => {
  test(`${MAX_PATTERN} characters pass, one more does not`, () => {
    expect(MAX_PATTERN).toBe(1024);
    expect('regexp' in compileRegExp('a'.repeat(1024))).toBe(true);
    expect(compileRegExp('a'.repeat(1025))).toEqual({ error: 'longer than 1024 characters' });
    expect(() => anchored('a'.repeat(1025), FLAG)).toThrow(`${FLAG} is longer than 1024 characters`);
  });

  test('a policy pattern over the cap is a policy issue at its field', () => {
    const r = compilePolicy(
      `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: t }
authorities:
  ci:
    keyless: { issuer: ${GH}, subjectRegExp: "${'a'.repeat(2000)}" }
`,
      'p.yaml',
    );
    expect('issues' in r && r.issues).toMatchObject([
      {
        path: 'authorities.ci.keyless.subjectRegExp',
        message: 'not a valid RE2 regular expression: longer than 1024 characters',
      },
    ]);
  });

  test('the two phrasings', () => {
    expect(patternMessage('missing closing )', { policy: true })).toBe(
      'not a valid RE2 regular expression: missing closing )',
    );
    expect(patternMessage('missing closing )', { flag: FLAG, pattern: '(x' })).toBe(
      `${FLAG} "(x" is not a valid regular expression: missing closing )`,
    );
  });
});

describe('one identity matcher', () => {
  test('a label prefixes every reason; a description can be given', () => {
    const p = identityPolicy(
      { identity: 'a@example.com', issuer: GH, claims: { [FULCIO_V2_CLAIMS.sourceRepositoryRef!]: 'main' } },
      { label: 'ci', describe: 'ci (keyless)' },
    );
    expect(p.describe).toBe('ci (keyless)');
    const r = p.match({ subjectAlternativeName: 'b@example.com', issuer: GH, claims: new Map() });
    expect(r).toEqual({
      ok: false,
      reason:
        'ci: certificate identity is "b@example.com", expected a@example.com; certificate claim sourceRepositoryRef is missing, expected "main"',
    });
  });

  test('a policy authority is matched and worded as the CLI flags are', () => {
    const r = compilePolicy(
      `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: t }
authorities:
  ci:
    keyless: { issuer: ${GH}, subject: a@example.com, claims: { sourceRepositoryRef: main } }
`,
      'p.yaml',
    );
    if ('issues' in r) throw new Error(JSON.stringify(r.issues));
    const ci = buildPolicyVerifiers(r.policy).byAuthority.get('ci') as KeylessVerifiers;
    const signer = { subjectAlternativeName: 'b@example.com', issuer: 'https://evil.example' };
    const cli = identityPolicy(
      { identity: 'a@example.com', issuer: GH, claims: { [FULCIO_V2_CLAIMS.sourceRepositoryRef!]: 'main' } },
      { label: 'ci' },
    );
    expect(ci.trust.identity.match(signer)).toEqual(cli.match(signer));
    expect(
      ci.trust.identity.match({ ...signer, issuer: GH, subjectAlternativeName: 'a@example.com' }),
    ).toEqual({
      ok: false,
      reason: 'ci: certificate claim sourceRepositoryRef is missing, expected "main"',
    });
  });
});
