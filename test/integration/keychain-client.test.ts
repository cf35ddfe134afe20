import { describe, expect, test } from 'vitest';
import { describeError } from '../../src/errors.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import type { Keychain } from '../../src/oci/registry/keychain.js';
import { recordingServer } from '../support/cli-async.js';

const PASSWORD = 'keychain-pw-3b7d1';
const BASIC = `Basic ${Buffer.from(`bot:${PASSWORD}`).toString('base64')}`;

describe('RegistryClient with a caller-supplied keychain', () => {
  test('the keychain credential reaches its registry; an echo of it in an error is redacted', async () => {
    const asked: string[] = [];
    const keychain: Keychain = {
      async get(registry) {
        asked.push(registry);
        return { username: 'bot', password: PASSWORD };
      },
    };
    // Challenges anonymous requests; answers authenticated ones with a denial that echoes the header.
    const server = await recordingServer('127.0.0.1', (req, res) => {
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
        return;
      }
      const body = { errors: [{ code: 'DENIED', message: `no access for ${req.headers.authorization}` }] };
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    const client = new RegistryClient({ keychain, maxRetries: 0 });
    let err: unknown;
    try {
      await client.repository(server.host, 'app').listTags();
    } catch (e) {
      err = e;
    } finally {
      await client.close();
      await server.close();
    }
    expect(asked).toEqual([server.host]);
    expect(server.seen.map((s) => s.authorization)).toEqual([undefined, BASIC]);
    expect(err).toMatchObject({ code: 'DENIED' });
    const shown = describeError(err);
    expect(shown).toContain('[REDACTED]');
    expect(shown).not.toContain(PASSWORD);
    expect(shown).not.toContain(BASIC.slice('Basic '.length));
  });
});
