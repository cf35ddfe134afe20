/**
 * stdout is the machine result, as in cosign: for images cosign itself signed and attested in a real
 * registry, `trustgate verify` and `verify-attestation` print the very bytes `cosign verify` and
 * `cosign verify-attestation` print on stdout, and cosign's summary on stderr. cosign runs offline
 * (--tlog-upload=false, --insecure-ignore-tlog, a private TUF_ROOT; --trusted-root for bundles).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { buildImage } from '../support/image-builder.js';
import { cosignEnv, peer, peersMissingReason } from '../support/peers.js';
import { pushImage } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { repoRoot } from '../support/repo-root.js';

const missing = peersMissingReason('cosign');
if (missing) console.warn(`cosign stdout suite skipped: ${missing}`);

describe.skipIf(missing !== undefined)('stdout and stderr byte for byte as cosign 2.5 prints them', () => {
  let reg: RunningRegistry;
  const client = new RegistryClient({ useDockerConfig: false });
  const work = mkdtempSync(join(tmpdir(), 'tg-cosign-stdout-'));
  const env = cosignEnv(work, 'pw');
  const trustedRoot = join(repoRoot(), 'fixtures', 'trust', 'trusted_root.json');
  const key = () => ['--key', join(work, 'k1.pub'), '--insecure-ignore-tlog'];
  const cosign = (args: string[]) =>
    spawnSync(peer('cosign')!, args, { env, encoding: 'utf8', cwd: work, timeout: 60_000 });
  const trustgate = (args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot(), 'bin', 'trustgate.js'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
  const ok = (r: { status: number | null; stderr: string }) => {
    if (r.status !== 0) throw new Error(r.stderr);
  };
  let signed: { digestRef: string; tagRef: string };
  let bundled: string;

  beforeAll(async () => {
    reg = await startRegistry();
    execFileSync(peer('cosign')!, ['generate-key-pair', '--output-key-prefix', 'k1'], {
      env,
      cwd: work,
      stdio: 'ignore',
    });
    writeFileSync(join(work, 'pred.json'), '{"a":1,"html":"<b>&</b>"}\n');
    const img = buildImage({ seed: 'cosign-stdout-legacy' });
    await pushImage(client, reg.host, 'legacy', img, 'v1');
    signed = {
      digestRef: `${reg.host}/legacy@${img.manifest.digest}`,
      tagRef: `${reg.host}/legacy:v1`,
    };
    const sign = ['--key', 'k1.key', '--tlog-upload=false', '--allow-http-registry', '-y'];
    // An annotation with the characters Go's JSON escapes (<, >, &) and a second signature.
    ok(cosign(['sign', ...sign, '-a', 'team=<a&b>', '-a', 'z=1', signed.digestRef]));
    ok(cosign(['sign', ...sign, signed.digestRef]));
    ok(cosign(['attest', ...sign, '--type', 'custom', '--predicate', 'pred.json', signed.digestRef]));
    const img2 = buildImage({ seed: 'cosign-stdout-bundle' });
    await pushImage(client, reg.host, 'bundled', img2, 'v1');
    bundled = `${reg.host}/bundled@${img2.manifest.digest}`;
    ok(
      cosign([
        'attest',
        ...sign,
        '--new-bundle-format',
        '--type',
        'custom',
        '--predicate',
        'pred.json',
        bundled,
      ]),
    );
  }, 180_000);

  afterAll(async () => {
    await client.close();
    await reg?.stop();
  });

  const cases: Array<[string, () => string[], () => string[]]> = [
    ['verify, digest reference (-o json, the default)', () => [], () => [signed.digestRef]],
    ['verify, tag reference', () => [], () => [signed.tagRef]],
    ['verify -o text', () => ['-o', 'text'], () => [signed.digestRef]],
    ['verify -o json, two images', () => ['-o', 'json'], () => [signed.digestRef, signed.tagRef]],
  ];
  for (const [name, flags, images] of cases) {
    test(name, () => {
      const theirs = cosign(['verify', ...key(), '--allow-http-registry', ...flags(), ...images()]);
      const ours = trustgate(['verify', ...key(), ...flags(), ...images()]);
      expect(theirs.status).toBe(0);
      expect(ours.status).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
      expect(ours.stderr).toBe(theirs.stderr);
    });
  }

  test('verify-attestation, legacy .att: the layer as stored, one line each; -o and --type change nothing', () => {
    for (const extra of [[], ['-o', 'text'], ['--type', 'custom']]) {
      const theirs = cosign([
        'verify-attestation',
        ...key(),
        '--allow-http-registry',
        ...extra,
        signed.digestRef,
      ]);
      const ours = trustgate(['verify-attestation', ...key(), ...extra, signed.digestRef]);
      expect(theirs.status).toBe(0);
      expect(ours.status).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
      expect(ours.stderr).toBe(theirs.stderr);
      expect(JSON.parse(ours.stdout).payloadType).toBe('application/vnd.in-toto+json');
    }
  });

  test('verify-attestation, a --new-bundle-format attestation: the envelope as cosign re-encodes it', () => {
    const theirs = cosign([
      'verify-attestation',
      ...key(),
      '--allow-http-registry',
      '--new-bundle-format',
      '--trusted-root',
      trustedRoot,
      bundled,
    ]);
    const ours = trustgate(['verify-attestation', ...key(), bundled]);
    expect(theirs.status).toBe(0);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.stderr).toBe(theirs.stderr);
    expect(Object.keys(JSON.parse(ours.stdout))).toEqual(['payload', 'payloadType', 'signatures']);
  });

  test('a failure: nothing on stdout for either; cosign and trustgate each give their reason on stderr', () => {
    const theirs = cosign(['verify', ...key(), '--allow-http-registry', bundled]);
    const ours = trustgate(['verify', ...key(), bundled]);
    expect(theirs.status).not.toBe(0);
    expect(ours.status).not.toBe(0);
    expect(theirs.stdout).toBe('');
    expect(ours.stdout).toBe('');
    expect(ours.stderr).toMatch(/^Error: /m);
  });
});
