/**
 * `--all-platforms` on verify and verify-attestation, in a real registry and an OCI layout: every
 * platform image of the index is verified as if it had been named on the command line (its own
 * result, its own cosign JSON line), the BuildKit attestation manifest is no platform, and the run
 * verifies only when the index and every platform image verify.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import {
  keySignature,
  type MultiArch,
  pushMultiArch,
  signedMultiArch,
  writeMultiArchLayout,
} from '../support/multiarch.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import { ed25519FromLabel, fakeLog, generateKey, trustedRootFor } from '../support/signing.js';

const log = fakeLog(ed25519FromLabel('all-platforms log'));
const key = generateKey('p256');
let dir: string;
let reg: RunningRegistry;
let m: MultiArch;
/** Signed at the index only, and with every platform image signed too. */
let m2: MultiArch;
const refs: Record<'registry' | 'layout', { indexOnly: string; everyOne: string }> = {} as never;
let trust: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-all-platforms-'));
  writeFileSync(join(dir, 'root.json'), trustedRootFor(log));
  writeFileSync(join(dir, 'k.pub'), key.pem);
  trust = ['--key', join(dir, 'k.pub'), '--trusted-root', join(dir, 'root.json')];
  m = signedMultiArch({ seed: 'all-platforms', key, log, dockerReference: 'registry.example/multi/app' });
  const base = signedMultiArch({
    seed: 'all-signed',
    key,
    log,
    dockerReference: 'registry.example/multi/app',
  });
  m2 = {
    ...base,
    attached: [
      ...base.attached,
      ...[base.amd64, base.arm64].map((d) => ({
        subject: d,
        suffix: '.sig' as const,
        layers: [keySignature(key, log, d, 'registry.example/multi/app')],
      })),
    ],
  };
  reg = await startRegistry();
  const client = new RegistryClient(reg.clientOptions());
  await pushMultiArch(client, reg.host, 'multi/index-only', m);
  await pushMultiArch(client, reg.host, 'multi/every-one', m2);
  refs.registry = {
    indexOnly: `${reg.host}/multi/index-only:v1`,
    everyOne: `${reg.host}/multi/every-one:v1`,
  };
  refs.layout = {
    indexOnly: `oci:${writeMultiArchLayout(dir, 'index-only', m)}:v1`,
    everyOne: `oci:${writeMultiArchLayout(dir, 'every-one', m2)}:v1`,
  };
}, 60_000);
afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Img {
  reference: string;
  platform?: string;
  digest: string;
  verdict: string;
}
const images = (stdout: string): Img[] => JSON.parse(stdout).images;
const digestsIn = (jsonLines: string) =>
  jsonLines
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l)[0].critical.image['docker-manifest-digest']);

describe.each(['registry', 'layout'] as const)('--all-platforms on a %s', (where) => {
  test('verify: signed at the index only, the platform images are not: not verified, each named', () => {
    const r = runCli(['verify', ...trust, '--all-platforms', '-o', 'report', refs[where].indexOnly]);
    expect(r.code, r.stderr).toBe(ExitCode.NO_SIGNATURES);
    expect(images(r.stdout).map((i) => [i.platform, i.digest, i.verdict])).toEqual([
      [undefined, m.index.digest, 'verified'],
      ['linux/amd64', m.amd64, 'no-signatures'],
      ['linux/arm64', m.arm64, 'no-signatures'],
    ]);
    expect(r.stdout).not.toContain(m.buildkit.digest);
    // Without the flag, the index alone: verified, as before.
    expect(runCli(['verify', ...trust, refs[where].indexOnly]).code).toBe(ExitCode.OK);
  });

  test('verify: every one signed: verified, one cosign JSON line per image, as if each were given', () => {
    const r = runCli(['verify', ...trust, '--all-platforms', refs[where].everyOne]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    expect(digestsIn(r.stdout)).toEqual([m2.index.digest, m2.amd64, m2.arm64]);
    const tree = runCli(['verify', ...trust, '--all-platforms', '-o', 'tree', refs[where].everyOne]);
    expect(tree.stdout).toContain(`@${m2.arm64} [linux/arm64]: verified`);
  });

  test('verify-attestation: provenance on amd64 only: amd64 verified, the index and arm64 not', () => {
    const r = runCli([
      'verify-attestation',
      ...trust,
      '--type',
      'slsaprovenance1',
      '--all-platforms',
      '-o',
      'report',
      refs[where].indexOnly,
    ]);
    expect(r.code, r.stderr).toBe(ExitCode.NO_SIGNATURES);
    expect(images(r.stdout).map((i) => [i.platform, i.digest, i.verdict])).toEqual([
      [undefined, m.index.digest, 'no-signatures'],
      ['linux/amd64', m.amd64, 'verified'],
      ['linux/arm64', m.arm64, 'no-signatures'],
    ]);
    // The default cosign output: one envelope line, the amd64 one.
    const cosign = runCli([
      'verify-attestation',
      ...trust,
      '--type',
      'slsaprovenance1',
      '--all-platforms',
      refs[where].indexOnly,
    ]);
    expect(cosign.stdout.trim().split('\n')).toHaveLength(1);
    const statement = JSON.parse(Buffer.from(JSON.parse(cosign.stdout).payload, 'base64').toString());
    expect(statement.subject[0].digest.sha256).toBe(m.amd64.slice(7));
  });
});

test('--all-platforms with --platform, or with --policy, is a usage error', () => {
  const both = runCli([
    'verify',
    ...trust,
    '--all-platforms',
    '--platform',
    'linux/amd64',
    refs.registry.indexOnly,
  ]);
  expect(both.code).toBe(ExitCode.USAGE);
  expect(both.stderr).toContain('--all-platforms and --platform cannot be combined');
  const att = runCli([
    'verify-attestation',
    ...trust,
    '--all-platforms',
    '--platform',
    'linux/amd64',
    refs.registry.indexOnly,
  ]);
  expect(att.code).toBe(ExitCode.USAGE);
  const policy = runCli([
    'verify',
    '--policy',
    join(dir, 'none.yaml'),
    '--all-platforms',
    refs.registry.indexOnly,
  ]);
  expect(policy.code).toBe(ExitCode.USAGE);
  expect(policy.stderr).toContain('platforms: each');
});
