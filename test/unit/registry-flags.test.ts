/** cosign's registry and run-control flags mapped onto library options (registry-options.ts and friends). */
import { describe, expect, test } from 'vitest';
import { imageConcurrencyOf } from '../../src/cli/batch-output.js';
import { discoveryFromFlags, localImages } from '../../src/cli/discovery-flags.js';
import { sourceOptionsFromFlags } from '../../src/cli/registry-options.js';
import { HttpTransport } from '../../src/oci/registry/transport.js';

const at = (f: Parameters<typeof sourceOptionsFromFlags>[0]) => sourceOptionsFromFlags(f, ['ghcr.io/a/b']);

describe('timeouts', () => {
  test("-t/--timeout is the run's deadline, as a Go duration; --run-timeout its older name", () => {
    expect(at({ timeout: '1h30m' }).runTimeoutMs).toBe(5_400_000);
    expect(at({ timeout: '90' }).runTimeoutMs).toBe(90_000);
    expect(at({ runTimeout: '3m' }).runTimeoutMs).toBe(180_000);
    expect(at({ timeout: '0' }).runTimeoutMs).toBe(0);
    expect(at({ timeout: '2m', runTimeout: '120s' })).toBeTruthy(); // the same text twice is fine…
    expect(() => at({ timeout: '2m', runTimeout: '3m' })).toThrow(/same setting/);
  });

  test('defaults: 30m for the run, 30s of silence, no own request deadline', () => {
    const o = at({});
    expect(o.runTimeoutMs).toBe(1_800_000);
    expect(o.timeoutMs).toBe(30_000);
    expect('requestTimeoutMs' in o).toBe(false);
  });

  test('--idle-timeout and --request-timeout take durations and refuse 0', () => {
    expect(at({ idleTimeout: '1500ms', requestTimeout: '1m' })).toMatchObject({
      timeoutMs: 1500,
      requestTimeoutMs: 60_000,
    });
    expect(() => at({ requestTimeout: '0s' })).toThrow(/--request-timeout must be more than 0/);
    expect(() => at({ timeout: 'soon' })).toThrow(/--timeout "soon" is not a duration/);
  });
});

describe('registry TLS and keychain flags', () => {
  test('--k8s-keychain is refused with what to use instead', () => {
    expect(() => at({ k8sKeychain: true })).toThrow(/--k8s-keychain is not supported; use docker config/);
    expect(() => at({ k8sKeychain: false })).not.toThrow();
  });

  test('mTLS files and the server name reach the transport; cert and key go together', () => {
    expect(
      at({ registryClientCert: 'c.pem', registryClientKey: 'k.pem', registryServerName: 'reg.internal' }),
    ).toMatchObject({ clientCertFile: 'c.pem', clientKeyFile: 'k.pem', serverName: 'reg.internal' });
    expect(() => at({ registryClientCert: 'c.pem' })).toThrow(/must be given together/);
  });

  test('an unreadable client certificate fails naming its flag', () => {
    expect(
      () => new HttpTransport({ clientCertFile: '/nonexistent.pem', clientKeyFile: '/nonexistent.key' }),
    ).toThrow(/client certificate \/nonexistent\.pem/);
  });

  test('-d/--verbose sets a debug hook; without it there is none', () => {
    expect(typeof at({ verbose: true }).onDebug).toBe('function');
    expect('onDebug' in at({})).toBe(false);
  });
});

describe('--max-workers, --local-image, discovery flags', () => {
  test('--max-workers is the number of images verified at once', () => {
    expect(imageConcurrencyOf({ output: [], maxWorkers: '10' })).toEqual({ imageConcurrency: 10 });
    expect(imageConcurrencyOf({ output: [] })).toEqual({});
    for (const bad of ['0', '-1', '2.5', 'many'])
      expect(() => imageConcurrencyOf({ output: [], maxWorkers: bad })).toThrow(/--max-workers/);
  });

  test('--local-image reads each argument as a layout folder (oci:PATH)', () => {
    expect(localImages(['dir', 'oci:other'], { localImage: true })).toEqual(['oci:dir', 'oci:other']);
    expect(localImages(['ghcr.io/a/b'], {})).toEqual(['ghcr.io/a/b']);
    expect(localImages(['dir'], { localImage: false })).toEqual(['dir']);
  });

  test('the discovery flags become run limits only when named', () => {
    expect(discoveryFromFlags({})).toEqual({});
    expect(discoveryFromFlags({ newBundleFormat: false })).toEqual({
      cosignFormat: { newBundleFormat: false },
    });
    expect(discoveryFromFlags({ experimentalOci11: true, attachmentTagPrefix: 'p-' })).toEqual({
      cosignFormat: { experimentalOci11: true },
      tagPrefix: 'p-',
    });
  });
});
