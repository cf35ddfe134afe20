/**
 * UsageError is a TrustgateError with code USAGE, and the CLI names the flag of an option an error
 * is about (src/cli/flags.ts) without changing any message that names no option.
 */
import { describe, expect, test } from 'vitest';
import { cliMessage, FLAG_FOR_OPTION } from '../../src/cli/flags.js';
import { UsageError as CliUsageError } from '../../src/cli/registry-options.js';
import { describeError, isTrustgateError, TrustgateError, UsageError } from '../../src/errors.js';
import { parsePlatform } from '../../src/oci/schema.js';
import { parseExtensionFlag } from '../../src/trust/claims.js';
import { parsePublicKey } from '../../src/trust/keys.js';
import { embeddedPublicGoodRoot } from '../../src/trust/roots.js';
import { registerSecret } from '../../src/util/secrets.js';
import { KeyVerifiers } from '../../src/verify/verify-signatures.js';

describe('UsageError', () => {
  test('is a TrustgateError with code USAGE, the same class the CLI throws', () => {
    const e = new UsageError('--tuf-root needs --tuf-mirror', { hint: 'add --tuf-mirror URL' });
    expect(CliUsageError).toBe(UsageError);
    expect(isTrustgateError(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: 'USAGE', name: 'UsageError', option: undefined });
    expect(describeError(e)).toBe('--tuf-root needs --tuf-mirror (add --tuf-mirror URL)');
  });

  test('carries the option it is about', () => {
    expect(new UsageError('bad', { option: 'signatureRepository' }).option).toBe('signatureRepository');
    expect(new TrustgateError('KEY_INVALID', 'bad', { option: 'keys' }).option).toBe('keys');
  });

  test('a known secret in its message is redacted, as in every TrustgateError', () => {
    registerSecret('hunter2-usage-secret');
    expect(new UsageError('--registry-password hunter2-usage-secret is wrong').message).not.toContain(
      'hunter2-usage-secret',
    );
  });
});

describe('cliMessage', () => {
  test('an error naming no option reads exactly as describeError', () => {
    for (const e of [
      new UsageError('give --verify (with trust flags) or --policy, not both'),
      new TrustgateError('TIMEOUT', 'the registry was silent for 30 s', { hint: 'raise --timeout' }),
      new Error('first line\nsecond line'),
      'a thrown string',
    ])
      expect(cliMessage(e)).toBe(describeError(e));
  });

  test('an error about an option is led by its flag', () => {
    const e = new TrustgateError('USAGE', 'registry/repo:tag must be registry/repository, with no tag', {
      option: 'signatureRepository',
    });
    expect(cliMessage(e)).toBe(`--signature-repository: ${describeError(e)}`);
    expect(cliMessage(new UsageError('must be more than 0', { option: 'timeoutMs' }))).toBe(
      '--idle-timeout: must be more than 0',
    );
  });

  test('the flag is not repeated, and an option without a flag changes nothing', () => {
    const named = new UsageError('--key k.pem: not a PEM public key', { option: 'keys' });
    expect(cliMessage(named)).toBe('--key k.pem: not a PEM public key');
    const unknown = new UsageError('bad', { option: 'noSuchOption' });
    expect(cliMessage(unknown)).toBe('bad');
  });

  test('every mapped flag is a long flag', () => {
    for (const flag of Object.values(FLAG_FOR_OPTION)) expect(flag).toMatch(/^--[a-z][a-z-]*[a-z]$/);
  });

  test('library errors about real options speak of the option; the CLI prints the flag in its place', () => {
    const thrown = (f: () => unknown): TrustgateError => {
      try {
        f();
      } catch (e) {
        if (isTrustgateError(e)) return e;
      }
      throw new Error('expected a TrustgateError');
    };
    const key = thrown(() => parsePublicKey('garbage', 'k.pem'));
    expect(key).toMatchObject({ option: 'keys', code: 'KEY_INVALID' });
    expect(key.message).toBe('keys k.pem: not a valid PEM public key');
    expect(cliMessage(key)).toMatch(/^--key k\.pem: not a valid PEM public key \(expected/);
    const platform = thrown(() => parsePlatform('linux'));
    expect(platform.message).toBe('platform "linux" is not os/arch[/variant]');
    expect(cliMessage(platform)).toMatch(/^--platform "linux" is not os\/arch\[\/variant\] \(/);
    const claim = thrown(() => parseExtensionFlag('nope'));
    expect(claim.message).not.toContain('--');
    expect(cliMessage(claim)).toBe('--certificate-extension "nope" is not NAME=VALUE');
    // Only a leading option name is swapped: a word that merely starts with it is not.
    expect(cliMessage(new UsageError('platforms differ', { option: 'platform' }))).toBe(
      '--platform: platforms differ',
    );
  });

  test('a key verifier given no keys says so in option words; the CLI names --key', () => {
    let e: unknown;
    try {
      new KeyVerifiers({
        keys: [],
        trustRoot: embeddedPublicGoodRoot(),
        ignoreTlog: false,
        requireDockerReference: false,
      });
    } catch (err) {
      e = err;
    }
    expect(e).toMatchObject({ code: 'USAGE', option: 'keys' });
    expect((e as Error).message).not.toContain('--');
    expect(cliMessage(e)).toBe('--key is empty: key verification needs at least one key');
  });
});
