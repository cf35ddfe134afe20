/**
 * The option bag splits into a run's parts without losing or inventing anything, and a source
 * closes only the client it opened.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import {
  batchOf,
  limitsOf,
  sourceOptionsOf,
  trustInputOf,
  type VerifyOptions,
} from '../../src/run/options.js';
import { sourceFrom, withSource } from '../../src/run/source.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('trustInputOf', () => {
  test('keys, flags, and the embedded root by default', () => {
    expect(trustInputOf({ keys: ['k.pem'], ignoreTlog: true, requireDockerReference: false })).toEqual({
      keys: ['k.pem'],
      root: { embedded: 'public-good' },
      ignoreTlog: true,
      requireDockerReference: false,
    });
  });

  test('a private CA wins over a TUF mirror and a trusted root, and drops the Rekor key as today', () => {
    const o: VerifyOptions = {
      identity: { identity: 'me@example.com', issuer: 'https://issuer.example' },
      caRoots: 'ca.pem',
      caIntermediates: 'int.pem',
      tufMirror: 'https://tuf.example',
      trustedRoot: 'root.json',
      rekorPublicKey: 'rekor.pub',
      ignoreSct: true,
    };
    expect(trustInputOf(o)).toEqual({
      identity: { identity: 'me@example.com', issuer: 'https://issuer.example' },
      root: { caRoots: 'ca.pem', caIntermediates: 'int.pem' },
      ignoreSct: true,
    });
  });

  test('a TUF mirror wins over a trusted root', () => {
    expect(
      trustInputOf({ tufMirror: 'https://tuf.example', tufRoot: 'r.json', trustedRoot: 'root.json' }).root,
    ).toEqual({ tufMirror: 'https://tuf.example', tufRoot: 'r.json' });
  });

  test('a Rekor key goes with a trusted root, or alone', () => {
    expect(trustInputOf({ trustedRoot: 'root.json', rekorPublicKey: 'rekor.pub' }).root).toEqual({
      trustedRoot: 'root.json',
      rekorPublicKey: 'rekor.pub',
    });
    expect(trustInputOf({ rekorPublicKey: 'rekor.pub' }).root).toEqual({
      embedded: 'public-good',
      rekorPublicKey: 'rekor.pub',
    });
  });
});

describe('limitsOf and batchOf', () => {
  test('only what was asked for', () => {
    expect(limitsOf({})).toEqual({});
    expect(limitsOf({ discoveryLimits: { maxPayloadBytes: 5 }, imageConcurrency: 2 })).toEqual({
      discovery: { maxPayloadBytes: 5 },
      imageConcurrency: 2,
    });
    expect(batchOf({})).toBeUndefined();
    expect(batchOf({ failFast: false })).toBeUndefined();
    const onProgress = () => {};
    expect(batchOf({ failFast: true, onProgress })).toEqual({ failFast: true, onProgress });
  });
});

describe('sourceOptionsOf', () => {
  test('keeps the registry options, the client and the platform; drops trust, discovery and batch', () => {
    const client = {} as RegistryClient;
    const o: VerifyOptions = {
      keys: ['k.pem'],
      trustedRoot: 'root.json',
      signatureRepository: 'r.example/sigs',
      discoveryLimits: { maxPayloadBytes: 5 },
      imageConcurrency: 2,
      failFast: true,
      allSignatures: true,
      allowHttp: true,
      timeoutMs: 5000,
      username: 'u',
      password: 'p',
      registryHost: 'r.example',
      platform: 'linux/arm64',
      client,
    };
    expect(sourceOptionsOf(o)).toEqual({
      allowHttp: true,
      timeoutMs: 5000,
      username: 'u',
      password: 'p',
      registryHost: 'r.example',
      platform: 'linux/arm64',
      client,
    });
  });
});

describe('sourceFrom and withSource', () => {
  test("a caller's client is used and never closed", async () => {
    const close = vi.fn(async () => {});
    const client = { close } as unknown as RegistryClient;
    const s = sourceFrom({ client, platform: 'linux/amd64' });
    expect(s.client).toBe(client);
    expect(s.platform).toBe('linux/amd64');
    await s.close();
    await withSource({ client }, async (t) => expect(t.client).toBe(client));
    expect(close).not.toHaveBeenCalled();
  });

  test('a client it opened is closed, also when the work throws', async () => {
    const close = vi.spyOn(RegistryClient.prototype, 'close');
    const s = sourceFrom({});
    expect(s.client).toBeInstanceOf(RegistryClient);
    expect(s.platform).toBeUndefined();
    await s.close();
    expect(close).toHaveBeenCalledTimes(1);
    await expect(
      withSource({}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(close).toHaveBeenCalledTimes(2);
  });
});
