/**
 * cosign's trust and crypto flags on `trustgate verify` / `verify-attestation`, through the built CLI:
 * the refused ones exit 2 with their one line; --certificate, --certificate-chain and --rekor-url
 * against a throwaway keyless world; -a and --signature-digest-algorithm against signatures the
 * real cosign 2.5 made (skipped when it is absent).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COSIGN_REFUSALS } from '../../src/cli/cosign-refusals.js';
import { CosignAnnotation } from '../../src/discovery/media-types.js';
import { ExitCode } from '../../src/exit-codes.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { simpleSigningPayload } from '../support/cosign-sig.js';
import { buildImage } from '../support/image-builder.js';
import { type KeylessIdentity, type KeylessWorld, keylessWorld } from '../support/keyless.js';
import { cosignEnv, peer } from '../support/peers.js';
import { pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';

const IMAGE = 'registry.invalid/x@sha256:0000000000000000000000000000000000000000000000000000000000000000';
const work = mkdtempSync(join(tmpdir(), 'tg-cosign-trust-'));
const pub = join(work, 'unused.pub');

/** The lines of stderr, so that "one line" is checked, not just contained. */
function errLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '');
}

describe('refused cosign flags: exit 2 with their one line', () => {
  const valued: Record<string, string> = {
    '--slot': 'signature',
    '--sct': 'sct.json',
    '--signature': 'sig.b64',
    '--payload': 'payload.json',
    '--attachment': 'sbom',
    '--timestamp-certificate-chain': 'tsa.pem',
  };
  for (const r of COSIGN_REFUSALS) {
    const flag = r.flags.split(' ')[0]!;
    const commands = r.only ? [r.only] : ['verify', 'verify-attestation'];
    for (const command of commands) {
      test(`${command} ${flag}`, () => {
        const args = flag in valued ? [flag, valued[flag]!] : [flag];
        const out = runCli([command, '--key', pub, ...args, IMAGE]);
        expect(out.code).toBe(ExitCode.USAGE);
        expect(errLines(out.stderr)).toEqual([`error: ${r.message}`]);
        expect(out.stderr).not.toContain('unknown option');
      });
    }
  }

  test.each([
    'awskms:///arn:aws:kms:x',
    'gcpkms://projects/p/keys/k',
    'azurekms://v.vault/k',
    'hashivault://k',
    'k8s://ns/secret',
    'pkcs11:token=t',
  ])('a key only a KMS or token holds, %s: refused with the export hint', (key) => {
    for (const command of ['verify', 'verify-attestation']) {
      const out = runCli([command, '--key', key, IMAGE]);
      expect(out.code).toBe(ExitCode.USAGE);
      expect(errLines(out.stderr)).toEqual([
        `error: --key ${key} is not supported; export the public key with \`cosign public-key --key ${key}\` and pass the PEM file with --key`,
      ]);
    }
  });

  test('--no-check-claims (cosign: --check-claims=false) is refused; --check-claims is accepted', () => {
    const off = runCli(['verify', '--key', pub, '--no-check-claims', IMAGE]);
    expect(off.code).toBe(ExitCode.USAGE);
    expect(errLines(off.stderr)).toEqual([
      'error: --check-claims=false is refused: trustgate always checks that the signature names the image digest; drop the flag',
    ]);
    const on = runCli(['verify-attestation', '--key', pub, '--check-claims', IMAGE]);
    expect(on.stderr).not.toContain('--check-claims');
  });

  test('--signature-digest-algorithm other than sha256/384/512 is refused', () => {
    const out = runCli(['verify', '--key', pub, '--signature-digest-algorithm', 'md5', IMAGE]);
    expect(out.code).toBe(ExitCode.USAGE);
    expect(out.stderr).toContain(
      '--signature-digest-algorithm md5 is not supported; use sha256, sha384 or sha512',
    );
  });

  test('-a that is not one key=value is refused, as cosign does', () => {
    for (const a of ['novalue', 'a=b=c', '=v']) {
      const out = runCli(['verify', '--key', pub, '-a', a, IMAGE]);
      expect(out.code, a).toBe(ExitCode.USAGE);
      expect(out.stderr).toContain('is not key=value');
    }
  });

  test('--type that is neither a cosign name nor a URI is refused, as cosign does; names and URIs pass', () => {
    const typo = runCli(['verify-attestation', '--key', pub, '--type', 'spdx-json', IMAGE]);
    expect(typo.code).toBe(ExitCode.USAGE);
    expect(errLines(typo.stderr)).toHaveLength(1);
    expect(typo.stderr).toContain('--type spdx-json is neither a predicate type name');
    for (const t of ['spdxjson', 'https://example.com/predicate/v1']) {
      const ok = runCli(['verify-attestation', '--key', pub, '--type', t, IMAGE]);
      expect(ok.stderr, t).not.toContain('--type');
    }
  });

  test('--certificate-chain with --ca-roots is refused (cosign: they conflict)', () => {
    const out = runCli([
      'verify',
      '--certificate-identity',
      'a',
      '--certificate-oidc-issuer',
      'b',
      '--certificate-chain',
      'c.pem',
      '--ca-roots',
      'r.pem',
      IMAGE,
    ]);
    expect(out.code).toBe(ExitCode.USAGE);
    expect(out.stderr).toContain('--certificate-chain cannot be combined with --ca-roots');
  });
});

const ISSUER = 'https://token.actions.githubusercontent.com';
const SAN = 'https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.2.3';
const who: KeylessIdentity = { san: SAN, issuer: ISSUER };

describe('--certificate, --certificate-chain, --rekor-url (throwaway keyless world)', () => {
  let reg: RunningRegistry;
  let world: KeylessWorld;
  let foreign: KeylessWorld;
  const client = new RegistryClient({ useDockerConfig: false });
  const root = join(work, 'trusted_root.json');
  const files: Record<string, string> = {};
  let ref = '';

  beforeAll(async () => {
    reg = await startRegistry();
    world = await keylessWorld();
    foreign = await keylessWorld();
    writeFileSync(root, world.trustedRootJson);
    const img = buildImage({ seed: 'cosign-certificate-flag' });
    await reg.push('certflag/img', img, 'v1');
    const payload = simpleSigningPayload(img.manifest.digest, `${reg.host}/certflag/img`);
    const s = await world.signLegacy(payload, who);
    // As `cosign sign --key` writes it: no certificate in the manifest, only the signature and the log entry.
    await pushSig(client, reg.host, 'certflag/img', img.manifest.digest, [
      {
        payload,
        annotations: { [CosignAnnotation.SIGNATURE]: s.signature, [CosignAnnotation.BUNDLE]: s.rekorBundle },
      },
    ]);
    ref = `${reg.host}/certflag/img:v1`;
    const other = await world.signLegacy(payload, who);
    for (const [name, text] of Object.entries({
      cert: s.certificate,
      otherCert: other.certificate,
      chain: world.rootPem,
      foreignChain: foreign.rootPem,
    })) {
      files[name] = join(work, `${name}.pem`);
      writeFileSync(files[name]!, text);
    }
    files.certText = s.certificate;
  });

  afterAll(async () => {
    await client.close();
    await reg?.stop();
  });

  const verify = (extra: string[], identity = SAN) =>
    runCli([
      'verify',
      '--trusted-root',
      root,
      '--certificate-identity',
      identity,
      '--certificate-oidc-issuer',
      ISSUER,
      '-o',
      'json',
      ...extra,
      ref,
    ]);

  test('without --certificate the key-signed manifest does not verify keyless (exit 12)', () => {
    const out = verify([]);
    expect(out.code, out.stderr).toBe(ExitCode.NONE_MATCHED);
  });

  test('--certificate FILE: verified against the trusted root, the log and the identity (exit 0)', () => {
    const out = verify(['--certificate', files.cert!]);
    expect(out.code, out.stderr).toBe(ExitCode.OK);
  });

  test('--certificate with the PEM text itself (exit 0)', () => {
    const out = verify(['--certificate', files.certText!]);
    expect(out.code, out.stderr).toBe(ExitCode.OK);
  });

  test('--certificate of another key: none matched (exit 12)', () => {
    const out = verify(['--certificate', files.otherCert!]);
    expect(out.code, out.stderr).toBe(ExitCode.NONE_MATCHED);
  });

  test('--certificate still needs the identity to match (exit 12)', () => {
    const out = verify(['--certificate', files.cert!], 'https://github.com/evil/repo/x.yml@refs/tags/v1');
    expect(out.code, out.stderr).toBe(ExitCode.NONE_MATCHED);
  });

  test('--certificate-chain: the issuing root passes, a foreign root does not', () => {
    const ok = verify(['--certificate', files.cert!, '--certificate-chain', files.chain!]);
    expect(ok.code, ok.stderr).toBe(ExitCode.OK);
    const bad = verify(['--certificate', files.cert!, '--certificate-chain', files.foreignChain!]);
    expect(bad.code, bad.stderr).toBe(ExitCode.NONE_MATCHED);
  });

  test('--certificate with --key is refused', () => {
    const out = runCli(['verify', '--key', files.chain!, '--certificate', files.cert!, ref]);
    expect(out.code).toBe(ExitCode.USAGE);
  });

  test('a certificate given as --key is refused with a hint to --certificate (exit 2)', () => {
    const out = runCli(['verify', '--key', files.cert!, ref]);
    expect(out.code).toBe(ExitCode.USAGE);
    expect(errLines(out.stderr)).toHaveLength(1);
    expect(out.stderr).toContain('this is a certificate, not a public key');
    expect(out.stderr).toContain('--certificate');
  });

  test('--rekor-url naming the trusted root’s log passes; another log is a usage error; cosign’s default is accepted', () => {
    const ok = verify(['--certificate', files.cert!, '--rekor-url', 'https://rekor.trustgate.invalid/']);
    expect(ok.code, ok.stderr).toBe(ExitCode.OK);
    const other = verify(['--certificate', files.cert!, '--rekor-url', 'https://rekor.example.org']);
    expect(other.code).toBe(ExitCode.USAGE);
    expect(other.stderr).toContain(
      '--rekor-url https://rekor.example.org: no transparency log of the trusted root',
    );
    const dflt = verify(['--certificate', files.cert!, '--rekor-url', 'https://rekor.sigstore.dev']);
    expect(dflt.code, dflt.stderr).toBe(ExitCode.OK);
  });
});

const cosign = peer('cosign');
if (!cosign)
  console.warn('cosign-trust-flags: .tools/bin/cosign missing (run scripts/peer-tools); -a cases skipped');

describe.skipIf(!cosign)('-a and --signature-digest-algorithm on signatures cosign made', () => {
  let reg: RunningRegistry;
  const env = cosignEnv(work, 'test-password');
  let ref = '';
  const key = join(work, 'k1.pub');

  beforeAll(async () => {
    reg = await startRegistry();
    execFileSync(cosign!, ['generate-key-pair', '--output-key-prefix', 'k1'], {
      env,
      cwd: work,
      stdio: 'ignore',
    });
    const img = buildImage({ seed: 'cosign-annotations' });
    await reg.push('annotated/img', img, 'v1');
    ref = `${reg.host}/annotated/img@${img.manifest.digest}`;
    const signed = spawnSync(
      cosign!,
      [
        'sign',
        '--key',
        join(work, 'k1.key'),
        '--tlog-upload=false',
        '--allow-http-registry',
        '-y',
        '-a',
        'team=blue',
        '-a',
        'tier=1',
        ref,
      ],
      { env, cwd: work, encoding: 'utf8', timeout: 60_000 },
    );
    if (signed.status !== 0) throw new Error(`cosign sign failed: ${signed.stderr}`);
  });

  afterAll(async () => {
    await reg?.stop();
  });

  const ours = (extra: string[]) =>
    runCli([
      'verify',
      '--key',
      key,
      '--insecure-ignore-tlog',
      '--allow-http-registry',
      '-o',
      'json',
      ...extra,
      ref,
    ]);
  const theirs = (extra: string[]) =>
    spawnSync(
      cosign!,
      ['verify', '--key', key, '--insecure-ignore-tlog', '--allow-http-registry', ...extra, ref],
      {
        env,
        cwd: work,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );

  test('matching annotations verify, as in cosign (exit 0)', () => {
    for (const extra of [
      ['-a', 'team=blue'],
      ['-a', 'team=blue', '--annotations', 'tier=1'],
      ['-a', 'team=blue,tier=1'],
    ]) {
      expect(theirs(extra).status, extra.join(' ')).toBe(0);
      const out = ours(extra);
      expect(out.code, `${extra.join(' ')}: ${out.stderr}`).toBe(ExitCode.OK);
    }
  });

  test('a differing or missing annotation: none matched (exit 12), naming the key; cosign fails too', () => {
    for (const [a, k] of [
      ['team=red', 'team'],
      ['owner=me', 'owner'],
    ] as const) {
      expect(theirs(['-a', a]).status, a).not.toBe(0);
      const out = ours(['-a', a]);
      expect(out.code, out.stderr).toBe(ExitCode.NONE_MATCHED);
      // The report is JSON, where the quotes come escaped.
      expect(`${out.stdout}${out.stderr}`).toMatch(new RegExp(`annotation \\\\?"${k}\\\\?"`));
    }
  });

  test('--signature-digest-algorithm: sha256 verifies, sha512 does not (as in cosign)', () => {
    expect(theirs(['--signature-digest-algorithm', 'sha256']).status).toBe(0);
    expect(ours(['--signature-digest-algorithm', 'sha256']).code).toBe(ExitCode.OK);
    expect(theirs(['--signature-digest-algorithm', 'sha512']).status).not.toBe(0);
    const out = ours(['--signature-digest-algorithm', 'sha512']);
    expect(out.code, out.stderr).toBe(ExitCode.NONE_MATCHED);
  });

  test('--private-infrastructure stands for --insecure-ignore-tlog, with trustgate’s warning', () => {
    const out = runCli(['verify', '--key', key, '--private-infrastructure', '--allow-http-registry', ref]);
    expect(out.code, out.stderr).toBe(ExitCode.OK);
    expect(out.stderr).toMatch(/tlog/i);
    const without = runCli(['verify', '--key', key, '--allow-http-registry', ref]);
    expect(without.code).toBe(ExitCode.NONE_MATCHED);
  });
});
