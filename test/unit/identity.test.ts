import { describe, expect, test } from 'vitest';
import { TrustgateError } from '../../src/errors.js';
import { anchored, identityPolicy } from '../../src/trust/identity.js';

const GH = 'https://token.actions.githubusercontent.com';
const RELEASE = 'https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.2.3';

describe('keyless identity policy', () => {
  test('an exact identity is an exact string match', () => {
    const p = identityPolicy({ identity: 'rian@dehamer.co', issuer: GH });
    expect(p.match({ subjectAlternativeName: 'rian@dehamer.co', issuer: GH })).toEqual({ ok: true });
    // sigstore-js treats a plain string as an unanchored regex: this would pass there.
    const trap = p.match({ subjectAlternativeName: 'brian@dehamer.com', issuer: GH });
    expect(trap.ok).toBe(false);
    expect(trap.ok ? '' : trap.reason).toContain('"brian@dehamer.com", expected rian@dehamer.co');
  });

  test('a mismatch that only the implied anchors caused says so; one that fails unanchored too does not', () => {
    const p = identityPolicy({ identityRegexp: 'github.com/org/repo', issuerRegexp: 'actions' });
    const partial = p.match({ subjectAlternativeName: RELEASE, issuer: GH });
    expect(partial.ok).toBe(false);
    const reason = partial.ok ? '' : partial.reason;
    expect(reason).toMatch(
      /identity is "[^"]+", expected \/github.com\/org\/repo\/ \(it matches part of the value only: trustgate anchors/,
    );
    expect(reason).toMatch(/OIDC issuer is "[^"]+", expected \/actions\/ \(it matches part/);
    const none = p.match({ subjectAlternativeName: 'https://gitlab.com/x', issuer: 'https://other' });
    expect(none.ok ? '' : none.reason).not.toContain('matches part');
    const exact = identityPolicy({ identity: 'github.com', issuer: GH });
    const e = exact.match({ subjectAlternativeName: RELEASE, issuer: GH });
    expect(e.ok ? '' : e.reason).not.toContain('matches part');
  });

  test('a regexp is anchored: one that matches only unanchored does not match', () => {
    const p = identityPolicy({
      identityRegexp: 'https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v.*',
      issuer: GH,
    });
    expect(p.match({ subjectAlternativeName: RELEASE, issuer: GH }).ok).toBe(true);
    expect(p.match({ subjectAlternativeName: `https://evil.example/?x=${RELEASE}`, issuer: GH }).ok).toBe(
      false,
    );
    expect(p.match({ subjectAlternativeName: `${RELEASE}-evil-suffix@refs/heads/main`, issuer: GH }).ok).toBe(
      true,
    );
    const tagsOnly = identityPolicy({
      identityRegexp:
        '^https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v[0-9]+\\.[0-9]+\\.[0-9]+$',
      issuer: GH,
    });
    expect(tagsOnly.match({ subjectAlternativeName: RELEASE, issuer: GH }).ok).toBe(true);
    expect(
      tagsOnly.match({
        subjectAlternativeName: RELEASE.replace('refs/tags/v1.2.3', 'refs/heads/main'),
        issuer: GH,
      }).ok,
    ).toBe(false);
    expect(tagsOnly.match({ subjectAlternativeName: `${RELEASE}-rc1`, issuer: GH }).ok).toBe(false);
  });

  test('the issuer must match too, exactly or by anchored regexp', () => {
    const p = identityPolicy({
      identity: RELEASE,
      issuerRegexp: 'https://token\\.actions\\.githubusercontent\\.com',
    });
    expect(p.match({ subjectAlternativeName: RELEASE, issuer: GH }).ok).toBe(true);
    const r = p.match({ subjectAlternativeName: RELEASE, issuer: `${GH}.evil.example` });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain('OIDC issuer');
    expect(p.match({ subjectAlternativeName: RELEASE, issuer: undefined }).ok).toBe(false);
  });

  test('one identity flag and one issuer flag are required', () => {
    expect(() => identityPolicy({ identity: 'a' })).toThrow(TrustgateError);
    expect(() => identityPolicy({ issuer: GH })).toThrow(/exactly one/);
    expect(() => identityPolicy({ identity: 'a', identityRegexp: 'a', issuer: GH })).toThrow(/exactly one/);
  });

  test('a bad or overlong regexp is a usage error', () => {
    expect(() => anchored('(unclosed', '--certificate-identity-regexp')).toThrow(
      /not a valid regular expression/,
    );
    expect(() => anchored('a'.repeat(2000), '--certificate-identity-regexp')).toThrow(/longer than/);
  });
});

test('a regexp cannot break out of the anchors', () => {
  for (const breakout of ['https://github.com/org/repo/.*)|(.*', 'x)|(?:.*']) {
    expect(() => anchored(breakout, '--certificate-identity-regexp')).toThrow(
      /not a valid regular expression/,
    );
  }
});

test('registry text is printed without control characters', async () => {
  const { printable } = await import('../../src/util/printable.js');
  expect(printable('ok\u001b[2K\r✓ verified\u0007')).toBe('ok?[2K?✓ verified?');
  // Outside text never adds a line of its own: newlines, separators and bidi overrides go too.
  expect(printable('tab stays\tbut\nnot a\r\nnewline\u2028or\u202eoverride\u009b')).toBe(
    'tab stays\tbut?not a??newline?or?override?',
  );
  expect(printable('a lone \ud800 surrogate; a pair 😀 stays')).toBe('a lone ? surrogate; a pair 😀 stays');
});

describe('keyless identity without the RE2 engine (identity-match.ts)', () => {
  test('an exact identity needs no engine; a pattern without one fails closed', async () => {
    const { hasPattern, identityPolicyWith } = await import('../../src/trust/identity-match.js');
    const exact = { identity: 'rian@dehamer.co', issuer: GH };
    expect(hasPattern(exact)).toBe(false);
    const p = identityPolicyWith(undefined, exact);
    expect(p.match({ subjectAlternativeName: 'rian@dehamer.co', issuer: GH })).toEqual({ ok: true });
    expect(p.match({ subjectAlternativeName: 'brian@dehamer.com', issuer: GH }).ok).toBe(false);
    for (const input of [
      { identityRegexp: '.*', issuer: GH },
      { identity: 'rian@dehamer.co', issuerRegexp: '.*' },
    ]) {
      expect(hasPattern(input)).toBe(true);
      expect(() => identityPolicyWith(undefined, input)).toThrow(/without a regexp engine/);
    }
  });
});
