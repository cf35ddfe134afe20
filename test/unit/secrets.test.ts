import { afterEach, describe, expect, test } from 'vitest';
import { describeError, TrustgateError } from '../../src/errors.js';
import { truncate } from '../../src/reference/digest.js';
import { clearSecrets, redact, registerBasicSecret, registerSecret } from '../../src/util/secrets.js';

afterEach(() => clearSecrets());

describe('redaction of known secrets', () => {
  test('a secret is replaced in its plain, URL-encoded and JSON-escaped forms', () => {
    const s = 'p@ss "word"/tok+en';
    registerSecret(s);
    const texts = [`raw ${s}`, `url ${encodeURIComponent(s)}`, `json ${JSON.stringify({ s })}`];
    for (const t of texts) expect(redact(t)).not.toMatch(/ss|tok/);
    expect(redact(`raw ${s} end`)).toBe('raw [REDACTED] end');
  });

  test('Basic credentials are redacted as the base64 header value too', () => {
    registerBasicSecret('alice', 'hunter22');
    const b64 = Buffer.from('alice:hunter22').toString('base64');
    expect(redact(`Authorization: Basic ${b64}`)).toBe('Authorization: Basic [REDACTED]');
  });

  test('secrets shorter than 4 characters are not redacted verbatim (they would mangle all text)', () => {
    registerSecret('ab');
    expect(redact('a tab and a cab')).toBe('a tab and a cab');
    registerBasicSecret('u', 'ab');
    expect(redact(Buffer.from('u:ab').toString('base64'))).toBe('[REDACTED]');
  });

  test('errors are redacted when made and when rendered; truncation cannot cut a secret in half', () => {
    registerSecret('early-secret-value');
    const e = new TrustgateError('REGISTRY_ERROR', 'body said early-secret-value', {
      hint: 'early-secret-value',
    });
    expect(e.message).toBe('body said [REDACTED]');
    expect(e.hint).toBe('[REDACTED]');
    const later = new Error('the server echoed later-secret-value');
    registerSecret('later-secret-value');
    expect(describeError(later)).toBe('the server echoed [REDACTED]');
    registerSecret('straddling-secret-0123456789');
    expect(truncate(`${'x'.repeat(70)} straddling-secret-0123456789`, 80)).not.toContain('straddling');
  });
});

test('a token learned between lines (one per repository scope) does not make every line rebuild the pattern', () => {
  // 300 tokens of 1.3 KB interleaved with output lines took about a minute when each new token forced
  // the next redact() to sort and compile the whole alternation; text with no secret now skips it.
  const started = Date.now();
  for (let i = 0; i < 300; i++) {
    registerSecret(`${i}-${'t'.repeat(1300)}`);
    expect(redact(`error: manifest unknown for repository ${i}`)).toBe(
      `error: manifest unknown for repository ${i}`,
    );
  }
  expect(Date.now() - started).toBeLessThan(2000);
  expect(redact(`leaked 299-${'t'.repeat(1300)}`)).toBe('leaked [REDACTED]');
});
