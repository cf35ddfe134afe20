/**
 * Signed SLSA VSAs end to end against a real registry and the real cosign 2.5: trustgate issues and
 * attaches one in CI (`verify --policy --vsa --vsa-key --vsa-attach`), cosign verifies it, and a
 * deploy policy (`requireVSA`) and `verify-vsa` accept it; a VSA cosign made is accepted too. Every
 * way a VSA must not vouch for an image is refused, and the private key and its password never
 * appear in any output or file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { sha256Digest } from '../../src/reference/digest.js';
import { buildImage } from '../support/image-builder.js';
import { cosignEnv, peer, peersMissingReason } from '../support/peers.js';
import { pushBundleReferrer, pushImage } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { repoRoot } from '../support/repo-root.js';
import { type CliResult, runCli } from '../support/run-cli.js';

const run = promisify(execFile);
const VSA_TYPE = 'https://slsa.dev/verification_summary/v1';
const PASSWORD = 'vsa-pass-9f3e1c';
const TRUSTED_ROOT = join(repoRoot(), 'fixtures', 'trust', 'trusted_root.json');
const missing = peersMissingReason('cosign');

describe.skipIf(missing)('SLSA VSA out and in (cosign 2.5 interop)', () => {
  let reg: RunningRegistry;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const client = new RegistryClient({ useDockerConfig: false });
  const imgs: Record<string, { ref: string; digest: string; size: number }> = {};
  const outputs: CliResult[] = [];
  let ciPolicySha = '';

  const cosign = async (args: string[]) => {
    try {
      return await run(peer('cosign')!, args, { env, cwd: work, timeout: 60_000 });
    } catch (e) {
      const x = e as { stderr?: string; code?: number };
      return { stdout: '', stderr: x.stderr ?? String(e), code: x.code };
    }
  };
  const tg = (args: string[], extraEnv: Record<string, string> = {}) => {
    const r = runCli(args, { cwd: work, env: { TRUSTGATE_VSA_PASSWORD: PASSWORD, ...extraEnv } });
    outputs.push(r);
    return r;
  };
  const deployPolicy = (
    o: { key?: string; policyDigest?: string; maxAge?: string; minLevel?: string; verifierId?: string } = {},
  ) => {
    const file = join(work, `deploy-${outputs.length}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      `apiVersion: trustgate.dev/v1
kind: Policy
metadata: {name: deploy}
authorities:
  ci-verifier: {keys: [{file: ${o.key ?? 'vsa.pub'}}], ignoreTlog: true}
rules:
  - name: vsa
    images: ["${reg.host}/**"]
    requireVSA:
      authority: ci-verifier
      policyDigest: ${o.policyDigest ?? `sha256:${ciPolicySha}`}
${o.minLevel === '' ? '' : `      minLevel: ${o.minLevel ?? 'SLSA_BUILD_LEVEL_2'}\n`}      maxAge: ${o.maxAge ?? '24h'}
${o.verifierId ? `      verifierId: ${o.verifierId}\n` : ''}    attestations:
      - {name: provenance, type: slsaprovenance1}
`,
    );
    return file;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tg-vsa-'));
    env = cosignEnv(work, PASSWORD);
    reg = await startRegistry();
    for (const k of ['vsa', 'signer', 'other']) {
      const r = await cosign(['generate-key-pair', '--output-key-prefix', k]);
      if ('code' in r && r.code) throw new Error(r.stderr);
    }
    for (const name of ['app', 'unsigned', 'victim']) {
      const img = buildImage({ seed: `vsa-${name}` });
      await pushImage(client, reg.host, name, img, 'v1');
      imgs[name] = {
        ref: `${reg.host}/${name}@${img.manifest.digest}`,
        digest: img.manifest.digest,
        size: img.manifest.bytes.length,
      };
    }
    // The same image under a second name: a VSA for one name must not vouch for the other.
    await pushImage(client, reg.host, 'copy', buildImage({ seed: 'vsa-app' }), 'v1');
    imgs.copy = { ...imgs.app!, ref: `${reg.host}/copy@${imgs.app!.digest}` };
    const signFlags = ['--key', 'signer.key', '--tlog-upload=false', '--allow-http-registry', '-y'];
    await cosign(['sign', ...signFlags, imgs.app!.ref]);
    const ci = `apiVersion: trustgate.dev/v1
kind: Policy
metadata: {name: ci}
authorities:
  release: {keys: [{file: signer.pub}], ignoreTlog: true}
rules:
  - name: signed
    images: ["${reg.host}/**"]
    signatures: {anyOf: [release]}
    vsaLevel: SLSA_BUILD_LEVEL_2
`;
    writeFileSync(join(work, 'ci.yaml'), ci);
    ciPolicySha = sha256Digest(Buffer.from(ci)).slice('sha256:'.length);
  }, 180_000);

  afterAll(async () => {
    await reg?.stop();
  });

  test('CI: verify --policy --vsa --vsa-key --vsa-attach writes a signed VSA per image and attaches it', () => {
    const r = tg([
      'verify',
      '--policy',
      'ci.yaml',
      '--vsa',
      'vsas/',
      '--vsa-key',
      'vsa.key',
      '--vsa-attach',
      '--allow-http-registry',
      imgs.app!.ref,
      imgs.unsigned!.ref,
    ]);
    expect(r.code, r.stderr).toBe(1); // unsigned is denied; its VSA says FAILED
    expect(r.stderr).toMatch(
      /VSA: .*app@sha256:\S+: PASSED signed → vsas\/.*; attached sha256:\S+ \(tag-schema\)/,
    );
    expect(r.stderr).toMatch(/VSA: .*unsigned@sha256:\S+: FAILED signed/);
    const files = readdirSync(join(work, 'vsas')).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.sigstore.json'))).toBe(true);
    const bundle = JSON.parse(
      readFileSync(join(work, 'vsas', files.find((f) => /_app-[0-9a-f]{8}@/.test(f))!), 'utf8'),
    );
    // cosign's own field set: a public-key hint, no tlog entry, no keyid.
    expect(Object.keys(bundle).sort()).toEqual(['dsseEnvelope', 'mediaType', 'verificationMaterial']);
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(Object.keys(bundle.verificationMaterial)).toEqual(['publicKey']);
    expect(bundle.dsseEnvelope.signatures).toEqual([{ sig: expect.any(String) }]);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
    expect(statement).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: VSA_TYPE,
      subject: [{ name: `${reg.host}/app`, digest: { sha256: imgs.app!.digest.slice(7) } }],
      predicate: {
        resourceUri: `oci://${imgs.app!.ref}`,
        policy: { digest: { sha256: ciPolicySha } },
        verificationResult: 'PASSED',
        verifiedLevels: ['SLSA_BUILD_LEVEL_2'],
        slsaVersion: '1.0',
      },
    });
    expect(statement.predicate.inputAttestations.length).toBeGreaterThan(0);
  });

  test('cosign 2.5 verify-attestation --new-bundle-format verifies the attached VSA offline', async () => {
    const r = await cosign([
      'verify-attestation',
      '--new-bundle-format',
      '--insecure-ignore-tlog',
      '--key',
      'vsa.pub',
      '--trusted-root',
      TRUSTED_ROOT,
      '--type',
      VSA_TYPE,
      '--allow-http-registry',
      imgs.app!.ref,
    ]);
    expect('code' in r ? r.code : 0, r.stderr).toBe(0);
    const wrong = await cosign([
      'verify-attestation',
      '--new-bundle-format',
      '--insecure-ignore-tlog',
      '--key',
      'other.pub',
      '--trusted-root',
      TRUSTED_ROOT,
      '--type',
      VSA_TYPE,
      '--allow-http-registry',
      imgs.app!.ref,
    ]);
    expect('code' in wrong ? wrong.code : 0).not.toBe(0);
  });

  test('deploy: requireVSA allows the image on the VSA alone, and the tree says provenance was not re-checked', () => {
    const r = tg([
      'verify',
      '--policy',
      deployPolicy(),
      '-o',
      'report',
      '--allow-http-registry',
      imgs.app!.ref,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const checks = JSON.parse(r.stdout).decisions[0].rules[0].checks;
    expect(checks.find((c: { id: string }) => c.id === 'vsa')).toMatchObject({ status: 'pass' });
    expect(checks.find((c: { id: string }) => c.id === 'attestations/provenance')).toMatchObject({
      status: 'skip',
      reason: expect.stringContaining('not re-checked'),
    });
    const tree = tg(['verify', '--policy', deployPolicy(), '--allow-http-registry', imgs.app!.ref]);
    expect(tree.stdout).toMatch(/VSA by ci-verifier: PASSED SLSA_BUILD_LEVEL_2/);
  });

  test('a requireVSA without minLevel vouches for no provenance: the requirement is checked as usual', () => {
    const r = tg([
      'verify',
      '--policy',
      deployPolicy({ minLevel: '' }),
      '-o',
      'report',
      '--allow-http-registry',
      imgs.app!.ref,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(1); // the image has no provenance attestation
    const checks = JSON.parse(r.stdout).decisions[0].rules[0].checks;
    expect(checks.find((c: { id: string }) => c.id === 'vsa')).toMatchObject({ status: 'pass' });
    expect(checks.find((c: { id: string }) => c.id === 'attestations/provenance')).toMatchObject({
      status: 'fail',
    });
  });

  test('verify-vsa mirrors slsa-verifier verify-vsa', () => {
    const ok = tg([
      'verify-vsa',
      '--key',
      'vsa.pub',
      '--policy-digest',
      `sha256:${ciPolicySha}`,
      '--verified-levels',
      'SLSA_BUILD_LEVEL_1',
      '--print-attestation',
      '--allow-http-registry',
      imgs.app!.ref,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('Verifying VSA: PASSED');
    expect(JSON.parse(ok.stdout).predicateType).toBe(VSA_TYPE);
    const level = tg([
      'verify-vsa',
      '--key',
      'vsa.pub',
      '--verified-levels',
      'SLSA_BUILD_LEVEL_3',
      '--allow-http-registry',
      imgs.app!.ref,
    ]);
    expect(level.code).toBe(12);
    expect(level.stderr).toMatch(/Verifying VSA: FAILED: .*below SLSA_BUILD_LEVEL_3/);
    const uri = tg([
      'verify-vsa',
      '--key',
      'vsa.pub',
      '--resource-uri',
      'oci://elsewhere/app@sha256:00',
      '--allow-http-registry',
      imgs.app!.ref,
    ]);
    expect(uri.code).toBe(12);
    expect(uri.stderr).toMatch(/another resource/);
  });

  describe('refused', () => {
    test('another policy digest', () => {
      const r = tg([
        'verify',
        '--policy',
        deployPolicy({ policyDigest: `sha256:${'0'.repeat(64)}` }),
        '--allow-http-registry',
        imgs.app!.ref,
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/made under another policy/);
    });

    test('a FAILED VSA', () => {
      const r = tg(['verify', '--policy', deployPolicy(), '--allow-http-registry', imgs.unsigned!.ref]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/records a FAILED verification/);
    });

    test('an expired VSA (older than maxAge)', () => {
      const later = new Date(Date.now() + 25 * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
      const r = tg([
        'verify',
        '--policy',
        deployPolicy(),
        '--effective-time',
        later,
        '--allow-http-registry',
        imgs.app!.ref,
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/over maxAge 24h/);
      const fresh = tg([
        'verify',
        '--policy',
        deployPolicy({ maxAge: '2d' }),
        '--effective-time',
        later,
        '--allow-http-registry',
        imgs.app!.ref,
      ]);
      expect(fresh.code).toBe(0);
    });

    test('signed by a key that is not the authority', () => {
      const r = tg([
        'verify',
        '--policy',
        deployPolicy({ key: 'other.pub' }),
        '--allow-http-registry',
        imgs.app!.ref,
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/no verified VSA signed by ci-verifier/);
      const v = tg(['verify-vsa', '--key', 'other.pub', '--allow-http-registry', imgs.app!.ref]);
      expect(v.code).toBe(12);
    });

    test('a VSA below minLevel', () => {
      const r = tg([
        'verify',
        '--policy',
        deployPolicy({ minLevel: 'SLSA_BUILD_LEVEL_3' }),
        '--allow-http-registry',
        imgs.app!.ref,
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/below SLSA_BUILD_LEVEL_3/);
    });

    test('replayed from another image: another digest, and the same digest under another name', async () => {
      const file = readdirSync(join(work, 'vsas')).find((f) => /_app-[0-9a-f]{8}@/.test(f))!;
      const bundle = readFileSync(join(work, 'vsas', file));
      const victim = imgs.victim!;
      await pushBundleReferrer(
        client,
        reg.host,
        'victim',
        victim.digest as `sha256:${string}`,
        victim.size,
        bundle,
      );
      const r = tg(['verify', '--policy', deployPolicy(), '--allow-http-registry', victim.ref]);
      expect(r.code).toBe(1);
      // The statement's subject names app's digest: verification refuses it before it is judged.
      expect(r.stdout).toMatch(/FAIL vsa: no verified VSA signed by ci-verifier/);
      const rv = tg(['verify-vsa', '--key', 'vsa.pub', '--allow-http-registry', victim.ref]);
      expect(rv.code).toBe(12);
      const copy = imgs.copy!;
      await pushBundleReferrer(
        client,
        reg.host,
        'copy',
        copy.digest as `sha256:${string}`,
        copy.size,
        bundle,
      );
      const c = tg(['verify', '--policy', deployPolicy(), '--allow-http-registry', copy.ref]);
      expect(c.code).toBe(1);
      expect(c.stdout).toMatch(/another resource/);
      const v = tg(['verify-vsa', '--key', 'vsa.pub', '--allow-http-registry', copy.ref]);
      expect(v.code).toBe(12);
    });
  });

  test('trustgate verifies a VSA made by cosign attest --new-bundle-format --type <VSA>', async () => {
    const img = buildImage({ seed: 'vsa-cosign-made' });
    await pushImage(client, reg.host, 'cosignmade', img, 'v1');
    const ref = `${reg.host}/cosignmade@${img.manifest.digest}`;
    const predicate = {
      verifier: { id: 'https://ci.example/cosign-verifier' },
      timeVerified: new Date().toISOString(),
      resourceUri: `oci://${ref}`,
      policy: { uri: 'https://ci.example/policy.yaml', digest: { sha256: ciPolicySha } },
      verificationResult: 'PASSED',
      verifiedLevels: ['SLSA_BUILD_LEVEL_3'],
      slsaVersion: '1.0',
    };
    writeFileSync(join(work, 'vsa-pred.json'), JSON.stringify(predicate));
    const made = await cosign([
      'attest',
      '--key',
      'other.key',
      '--tlog-upload=false',
      '--allow-http-registry',
      '-y',
      '--new-bundle-format',
      '--type',
      VSA_TYPE,
      '--predicate',
      'vsa-pred.json',
      ref,
    ]);
    expect('code' in made ? made.code : 0, made.stderr).toBe(0);
    const v = tg([
      'verify-vsa',
      '--key',
      'other.pub',
      '--verifier-id',
      'https://ci.example/cosign-verifier',
      '--verified-levels',
      'SLSA_BUILD_LEVEL_3',
      '--allow-http-registry',
      ref,
    ]);
    expect(v.code, v.stderr).toBe(0);
    const p = tg([
      'verify',
      '--policy',
      deployPolicy({ key: 'other.pub', verifierId: 'https://ci.example/cosign-verifier' }),
      '--allow-http-registry',
      ref,
    ]);
    expect(p.code, p.stdout).toBe(0);
    // The verifier id is part of the trust: the same VSA under trustgate's default id is refused.
    const other = tg([
      'verify',
      '--policy',
      deployPolicy({ key: 'other.pub' }),
      '--allow-http-registry',
      ref,
    ]);
    expect(other.code).toBe(1);
  });

  test('the private key and its password never appear in any output or written file', () => {
    const wrongPw = tg(
      ['verify', '--policy', 'ci.yaml', '--vsa', 'x.json', '--vsa-key', 'vsa.key', imgs.app!.ref],
      {
        TRUSTGATE_VSA_PASSWORD: `${PASSWORD}-wrong`,
      },
    );
    expect(wrongPw.code).not.toBe(0);
    expect(wrongPw.stderr).toMatch(/wrong password/);
    const keyText = readFileSync(join(work, 'vsa.key'), 'utf8');
    const body = keyText.split('\n').filter((l) => l && !l.startsWith('-----'));
    const written = readdirSync(join(work, 'vsas')).map((f) => readFileSync(join(work, 'vsas', f), 'utf8'));
    const everything = [...outputs.flatMap((o) => [o.stdout, o.stderr]), ...written].join('\n');
    expect(everything).not.toContain(PASSWORD);
    for (const line of body) expect(everything).not.toContain(line);
  });
});
