/**
 * `policy test` runs every case through one registry source: the session a registry asks for (here a
 * bearer token) is set up once for all cases of the run, not once per case.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { type RecordingServer, recordingServer, runCliAsync } from '../support/cli-async.js';

let dir = '';
let registry: RecordingServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-cases-source-'));
  let self = '';
  // A token-auth registry that holds no image: every case is an error (it cannot be read), after authenticating.
  registry = await recordingServer('127.0.0.1', (req, res) => {
    if (req.url?.startsWith('/token')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t0k3n","expires_in":300}');
      return;
    }
    if (!req.headers.authorization) {
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${self}/token",service="reg",scope="repository:app:pull"`,
          'content-type': 'application/json',
        })
        .end('{}');
      return;
    }
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  });
  self = registry.host;
});
afterAll(async () => {
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('every case of one run shares one registry session: one token request for three cases', async () => {
  const cases = join(dir, 'cases.yaml');
  writeFileSync(
    cases,
    ['one', 'two', 'three']
      .map((n) => `  - { name: ${n}, image: "${registry.host}/app:v1", expect: deny }`)
      .join('\n')
      .replace(/^/, 'cases:\n'),
  );
  const r = await runCliAsync(['policy', 'test', 'fixtures/demo-policy.yaml', '--cases', cases]);
  // An image that cannot be read is an error, never a pass, whatever the case expects.
  expect(r.code, r.stdout + r.stderr).toBe(ExitCode.FAILURE);
  expect(r.stderr).toContain('0 passed, 3 failed');
  const tokens = registry.seen.filter((s) => s.url.startsWith('/token'));
  expect(tokens).toHaveLength(1);
  // The cases did reach the registry, with the token.
  expect(registry.seen.filter((s) => s.authorization === 'Bearer t0k3n').length).toBeGreaterThanOrEqual(3);
});
