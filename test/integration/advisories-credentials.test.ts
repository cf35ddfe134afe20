/**
 * Regression tests for published advisories about registry credentials in other tools, reproduced
 * against trustgate's CLI: each shows the attack shape and that trustgate does not leak.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { recordingServer, runCliAsync } from '../support/cli-async.js';
import { buildImage } from '../support/image-builder.js';

const img = buildImage({ seed: 'advisories' });
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-advisories-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dockerConfig(auths: Record<string, string>): string {
  const d = mkdtempSync(join(dir, 'docker-'));
  const entries = Object.fromEntries(
    Object.entries(auths).map(([k, userPass]) => [k, { auth: Buffer.from(userPass).toString('base64') }]),
  );
  writeFileSync(join(d, 'config.json'), JSON.stringify({ auths: entries }));
  return d;
}

describe('advisories about registry credentials', () => {
  test('GHSA-pf56-329r-95rw (@sigstore/oci CVE-2026-59891): Docker config credentials of a host that contains the requested host are not sent to it', async () => {
    // The attacker's registry is `localhost:P`; the victim's config holds credentials for a registry
    // whose name contains that string. A substring match would hand them over.
    const attacker = await recordingServer('127.0.0.1', (_req, res) =>
      res.writeHead(401, { 'www-authenticate': 'Basic realm="attacker"' }).end(),
    );
    try {
      const host = `localhost:${attacker.host.split(':')[1]}`;
      const victim = dockerConfig({
        [`registry.${host}`]: 'victim:victim-password-1',
        [`https://mirror.${host}/v1/`]: 'victim:victim-password-2',
        [`${host}.evil.example`]: 'victim:victim-password-3',
      });
      const r = await runCliAsync(['resolve', `${host}/app:v1`], { env: { DOCKER_CONFIG: victim } });
      expect(r.code).toBe(ExitCode.FAILURE);
      expect(r.stderr).toContain('requires credentials and none were found');
      expect(attacker.seen.length).toBeGreaterThan(0);
      expect(attacker.seen.filter((s) => s.authorization !== undefined)).toEqual([]);

      // Control: an entry for exactly this host is used, so the test sees credentials when sent.
      const exact = dockerConfig({ [`https://${host}`]: 'owner:owner-password-1' });
      await runCliAsync(['resolve', `${host}/app:v1`], { env: { DOCKER_CONFIG: exact } });
      const basic = `Basic ${Buffer.from('owner:owner-password-1').toString('base64')}`;
      expect(attacker.seen.some((s) => s.authorization === basic)).toBe(true);
    } finally {
      await attacker.close();
    }
  });

  for (const creds of ['token', 'password'] as const) {
    test(`@sigstore/oci 0.8.0 fix (credentials replayed on cross-origin redirects): a manifest redirected to another origin gets no Authorization (${creds})`, async () => {
      const storage = await recordingServer('127.0.0.2', (req, res) => {
        // No digest header on HEAD: the client must GET, so both methods follow the redirect.
        const head = { 'content-type': MANIFEST_TYPE, 'content-length': String(img.manifest.bytes.length) };
        if (req.method === 'HEAD') res.writeHead(200, { 'content-type': MANIFEST_TYPE }).end();
        else res.writeHead(200, head).end(img.manifest.bytes);
      });
      const registry = await recordingServer('127.0.0.1', (req, res) => {
        if (!req.headers.authorization) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
          return;
        }
        res.writeHead(307, { location: `http://${storage.host}${req.url}` }).end();
      });
      try {
        const auth: Record<string, string> =
          creds === 'token'
            ? { TRUSTGATE_REGISTRY_TOKEN: 'redirect-token-5e6f7a8b9c' }
            : { TRUSTGATE_REGISTRY_USERNAME: 'alice', TRUSTGATE_REGISTRY_PASSWORD: 'redirect-password-1' };
        const r = await runCliAsync(['resolve', `${registry.host}/app:v1`], { env: auth });
        expect(r.stderr).toBe('');
        expect(r.stdout.trim()).toBe(`${registry.host}/app@${img.manifest.digest}`);
        expect(registry.seen.some((s) => s.authorization !== undefined)).toBe(true);
        expect(storage.seen.map((s) => s.method).sort()).toEqual(['GET', 'HEAD']);
        expect(storage.seen.filter((s) => s.authorization !== undefined)).toEqual([]);
      } finally {
        await storage.close();
        await registry.close();
      }
    });
  }
});
