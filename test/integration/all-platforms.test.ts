/**
 * `--all-platforms` on verify and verify-attestation, in a real registry and an OCI layout: every
 * platform image of the index is verified as if it had been named on the command line (its own
 * result, its own cosign JSON line), the BuildKit attestation manifest is no platform, and the run
 * verifies only when the index and every platform image verify. extract and export act on each the
 * same way, writing each platform image's output beside the index's (F.<platform>, DIR-<platform>),
 * and exit with the worst code over the index and its platform images.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

describe.each(['registry', 'layout'] as const)('extract and export --all-platforms on a %s', (where) => {
  const extract = (...args: string[]) =>
    runCli(['extract', ...trust, '--type', 'slsaprovenance1', '--all-platforms', ...args]);
  const subjectOf = (text: string) => JSON.parse(text).subject[0].digest.sha256;

  test('extract to stdout: the amd64 provenance followed by a newline; the others fail, named; exit 10', () => {
    const r = extract(refs[where].indexOnly);
    expect(r.code, r.stderr).toBe(ExitCode.NO_SIGNATURES);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(subjectOf(r.stdout)).toBe(m.amd64.slice(7));
    expect(r.stderr).toMatch(/error: .*index-only:v1: no attestation/);
    expect(r.stderr).toMatch(new RegExp(`error: \\S+@${m.arm64} \\[linux/arm64\\]: no attestation`));
    expect(r.stderr).toContain('verified https://slsa.dev/provenance/v1 for linux/amd64 [0]');
    // Without the flag, the index alone: nothing to extract, as before.
    expect(runCli(['extract', ...trust, '--type', 'slsaprovenance1', refs[where].indexOnly]).code).toBe(
      ExitCode.NO_SIGNATURES,
    );
  });

  test('extract --output F: a platform image goes to F.<os>-<arch>, with --all F.<os>-<arch>.<n>; --json lists each', () => {
    const out = join(dir, `${where}-prov.json`);
    const r = extract('--output', out, '--json', refs[where].indexOnly);
    expect(r.code, r.stderr).toBe(ExitCode.NO_SIGNATURES);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.linux-arm64`)).toBe(false);
    expect(subjectOf(readFileSync(`${out}.linux-amd64`, 'utf8'))).toBe(m.amd64.slice(7));
    const summary = JSON.parse(r.stdout);
    expect(summary).toEqual([
      expect.objectContaining({
        platform: 'linux/amd64',
        digest: m.amd64,
        verified: true,
        written: [expect.objectContaining({ path: `${out}.linux-amd64`, index: 0 })],
      }),
    ]);
    const all = extract('--output', out, '--all', refs[where].indexOnly);
    expect(all.code, all.stderr).toBe(ExitCode.NO_SIGNATURES);
    expect(subjectOf(readFileSync(`${out}.linux-amd64.0`, 'utf8'))).toBe(m.amd64.slice(7));
  });

  test('export --dir DIR: the index in DIR, each platform image in DIR-<os>-<arch>; exit 0', () => {
    const base = join(dir, `${where}-evidence`);
    const r = runCli(['export', ...trust, '--all-platforms', '--dir', `${base}/`, refs[where].indexOnly]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    const digestIn = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).digest;
    expect([base, `${base}-linux-amd64`, `${base}-linux-arm64`].map(digestIn)).toEqual([
      m.index.digest,
      m.amd64,
      m.arm64,
    ]);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/to \S+-evidence\/: 1 verified signature\(s\), 0 verified attestation/),
      expect.stringMatching(
        /-evidence-linux-amd64 \(linux\/amd64\): 0 verified signature\(s\), 1 verified attestation/,
      ),
      expect.stringMatching(/-evidence-linux-arm64 \(linux\/arm64\): 0 verified signature\(s\), 0 verified/),
    ]);
  });

  test('export: a platform image whose folder is taken fails, named; the others are still written; worst code', () => {
    const base = join(dir, `${where}-taken`);
    mkdirSync(`${base}-linux-arm64`, { recursive: true });
    writeFileSync(join(`${base}-linux-arm64`, 'mine.txt'), 'not yours');
    const r = runCli(['export', ...trust, '--all-platforms', '--dir', base, refs[where].indexOnly]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toMatch(new RegExp(`error: \\S+@${m.arm64} \\[linux/arm64\\]: .*${base}-linux-arm64`));
    expect(existsSync(join(base, 'summary.json'))).toBe(true);
    expect(existsSync(join(`${base}-linux-amd64`, 'summary.json'))).toBe(true);
    expect(readFileSync(join(`${base}-linux-arm64`, 'mine.txt'), 'utf8')).toBe('not yours');
  });
});

test('extract and export: --all-platforms with --platform, and extract with --allow-unverified, are usage errors', () => {
  for (const cmd of [
    ['extract', '--type', 'slsaprovenance1'],
    ['export', '--dir', join(dir, 'never')],
  ]) {
    const r = runCli([
      ...cmd,
      ...trust,
      '--all-platforms',
      '--platform',
      'linux/amd64',
      refs.registry.indexOnly,
    ]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain('--all-platforms and --platform cannot be combined');
  }
  expect(existsSync(join(dir, 'never'))).toBe(false);
  const unverified = runCli([
    'extract',
    ...trust,
    '--type',
    'slsaprovenance1',
    '--all-platforms',
    '--allow-unverified',
    refs.registry.indexOnly,
  ]);
  expect(unverified.code).toBe(ExitCode.USAGE);
  expect(unverified.stderr).toContain('use --platform OS/ARCH --allow-unverified');
  expect(unverified.stdout).toBe('');
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
