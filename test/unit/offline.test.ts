/** --offline in the library: a key URL and a TUF refresh fail with OFFLINE before any request. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { loadKey } from '../../src/trust/keys.js';
import { loadRootSpec } from '../../src/trust/roots.js';
import { buildTrust } from '../../src/verify/trust.js';
import { expectFailure } from '../support/expect-failure.js';

describe('offline', () => {
  test('a key URL is not fetched: OFFLINE, naming the key, with the file to pass instead', async () => {
    let asked = 0;
    const server = createServer((_q, r) => {
      asked++;
      r.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cosign.pub`;
    try {
      const e = await expectFailure(loadKey(url, { offline: true }));
      expect(e.code).toBe('OFFLINE');
      expect(e.option).toBe('keys');
      expect(e.message).toContain(url);
      expect(e.hint).toContain('pass the file');
      expect(asked).toBe(0);
      // Online, the same URL is fetched (and 404s): the refusal above is offline's doing.
      expect((await expectFailure(loadKey(url))).code).toBe('KEY_UNAVAILABLE');
      expect(asked).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  test('buildTrust passes offline to the keys', async () => {
    const e = await expectFailure(buildTrust({ keys: ['https://example.invalid/k.pub'], offline: true }));
    expect(e.code).toBe('OFFLINE');
  });

  test('a TUF refresh is refused, pointing at --trusted-root', async () => {
    const e = await expectFailure(loadRootSpec({ tufMirror: 'https://tuf.invalid' }, { offline: true }));
    expect(e.code).toBe('OFFLINE');
    expect(e.option).toBe('tufMirror');
    expect(e.hint).toContain('--trusted-root');
  });

  test('files and the embedded root still load offline', async () => {
    const root = await loadRootSpec(undefined, { offline: true });
    expect(root.description).toBeTruthy();
    const key = await loadKey('fixtures/trust/cosign.pub', { offline: true });
    expect(key.algorithm).toBe('ed25519');
  });
});
