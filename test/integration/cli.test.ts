import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { buildImage } from '../support/image-builder.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';

const _root = resolve(import.meta.dirname, '..', '..');
const DEMO_LATEST = 'sha256:33c94403be9e506bab4e6600e4251f05e8c61645a68db4373d5f8c06c8dc2f56';
const DEMO_MULTI = 'sha256:ea6c5a6478c4779add93e93e1818aa9ae7cac7fb4cc71bc7091f71e322c8fb6a';

function run(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { env });
}

describe('trustgate resolve (embedded fixture, no network)', () => {
  test('prints one canonical digest reference per image, like crane digest', () => {
    const r = run(['resolve', 'oci:fixtures/demo:latest', 'oci:fixtures/demo:multi']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.stdout).toBe(`oci:fixtures/demo@${DEMO_LATEST}\noci:fixtures/demo@${DEMO_MULTI}\n`);
    expect(r.stderr).toBe('');
  });

  test('--json gives reference, digest, mediaType and platform', () => {
    const r = run(['resolve', '--json', '--platform', 'linux/arm64', 'oci:fixtures/demo:multi']);
    expect(r.code).toBe(ExitCode.OK);
    const out = JSON.parse(r.stdout);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      reference: 'oci:fixtures/demo:multi',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      platform: 'linux/arm64/v8',
    });
    expect(out[0].digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(out[0].digest).not.toBe(DEMO_MULTI);
  });

  test('an unknown tag exits 1 with a one-line reason on stderr; the good image still prints', () => {
    const r = run(['resolve', 'oci:fixtures/demo:latest', 'oci:fixtures/demo:nope']);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.stdout).toBe(`oci:fixtures/demo@${DEMO_LATEST}\n`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('tag nope not found');
    expect(r.stderr).toContain('latest, multi');
  });

  test('an invalid reference is a usage error (exit 2), before any work', () => {
    const r = run(['resolve', 'oci:fixtures/demo:latest', 'Bad/Repo']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('must be lowercase');
  });

  test('missing arguments and unknown options are usage errors', () => {
    expect(run(['resolve']).code).toBe(ExitCode.USAGE);
    expect(run(['resolve', '--no-such-flag', 'x']).code).toBe(ExitCode.USAGE);
    expect(run(['frobnicate']).code).toBe(ExitCode.USAGE);
  });

  test('non-TTY output carries no colour codes', () => {
    const r = run(['resolve', 'oci:fixtures/demo:nope'], { FORCE_COLOR: '1' });
    expect(r.stderr).not.toMatch(/\u001b\[/);
  });

  test('--help and --version work', () => {
    expect(run(['--help']).stdout).toContain('resolve');
    expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('trustgate resolve against a real registry', () => {
  let reg: RunningRegistry;
  const img = buildImage({ seed: 'cli' });

  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd', tls: true });
    await reg.push('cli/app', img, 'v1');
  });
  afterAll(async () => reg?.stop());

  test('resolves with cosign-style registry flags', () => {
    const r = run([
      'resolve',
      `${reg.host}/cli/app:v1`,
      '--registry-username',
      reg.username!,
      '--registry-password',
      reg.password!,
      '--registry-cacert',
      reg.caFile!,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${reg.host}/cli/app@${img.manifest.digest}`);
  });

  test('credentials from the environment; a wrong password is never echoed', () => {
    const ok = run(['resolve', `${reg.host}/cli/app:v1`, '--registry-cacert', reg.caFile!], {
      TRUSTGATE_REGISTRY_USERNAME: reg.username!,
      TRUSTGATE_REGISTRY_PASSWORD: reg.password!,
    });
    expect(ok.code).toBe(0);
    const secret = 'Wr0ng-Pa55word-Value';
    const bad = run([
      'resolve',
      '--json',
      `${reg.host}/cli/app:v1`,
      '--registry-cacert',
      reg.caFile!,
      '--registry-username',
      reg.username!,
      '--registry-password',
      secret,
    ]);
    expect(bad.code).toBe(ExitCode.FAILURE);
    expect(bad.stderr).toContain('authentication');
    expect(bad.stdout + bad.stderr).not.toContain(secret);
    expect(JSON.parse(bad.stdout)[0].error.code).toBe('AUTH_FAILED');
  });

  test('an unreachable registry exits 1 naming the host', () => {
    const r = run(['resolve', '127.0.0.1:1/app:v1', '--max-retries', '0']);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.stderr).toContain('127.0.0.1:1');
  });
});

describe('trustgate verify (embedded fixture, offline)', () => {
  const trust = ['--key', 'fixtures/trust/cosign.pub', '--trusted-root', 'fixtures/trust/trusted_root.json'];

  test('the demo image verifies (exit 0), with its log time, and says what was checked', () => {
    const r = run(['verify', ...trust, '-o', 'tree', 'oci:fixtures/demo']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.stdout).toContain(`oci:fixtures/demo@${DEMO_LATEST}: verified`);
    expect(r.stdout).toContain('tlog 2026-01-01T00:00:00.000Z #1');
    expect(r.stderr).toContain('trust root: trusted root fixtures/trust/trusted_root.json');
  });

  test('the wrong key exits 12 and names the key', () => {
    const r = run([
      'verify',
      '--key',
      'fixtures/trust/wrong.pub',
      '--trusted-root',
      'fixtures/trust/trusted_root.json',
      '-o',
      'tree',
      'oci:fixtures/demo',
    ]);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout).toContain('none verified with fixtures/trust/wrong.pub');
    expect(r.stdout).not.toMatch(/: verified/);
  });

  test('an unsigned image exits 10 and says where it looked', () => {
    const r = run(['verify', ...trust, '-o', 'tree', 'oci:fixtures/demo:multi']);
    expect(r.code).toBe(ExitCode.NO_SIGNATURES);
    expect(r.stdout).toContain('no signatures found');
    expect(r.stdout).toContain('.sig');
  });

  test('without the demo log in the trust root, the SET does not verify (exit 12)', () => {
    const r = run(['verify', '--key', 'fixtures/trust/cosign.pub', '-o', 'tree', 'oci:fixtures/demo']);
    expect(r.code).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout).toContain('Rekor SET does not verify');
  });

  test('-o json follows the documented schema', () => {
    const r = run(['verify', ...trust, '-o', 'report', 'oci:fixtures/demo', 'oci:fixtures/demo:multi']);
    expect(r.code).toBe(ExitCode.NO_SIGNATURES);
    const out = JSON.parse(r.stdout);
    expect(out.schemaVersion).toBe(1);
    expect(out.summary).toEqual({ images: 2, verified: 1, exitCode: ExitCode.NO_SIGNATURES });
    expect(out.images[0]).toMatchObject({ verdict: 'verified', digest: DEMO_LATEST });
    expect(out.images[0].signatures[0]).toMatchObject({
      format: 'simplesigning',
      verified: true,
      tlog: { logIndex: '1' },
    });
    expect(out.images[1]).toMatchObject({ verdict: 'no-signatures', signatures: [] });
  });

  test('by default, the verified payloads as cosign prints them, checks on stderr', () => {
    const r = run(['verify', ...trust, 'oci:fixtures/demo']);
    expect(r.code).toBe(ExitCode.OK);
    const payloads = JSON.parse(r.stdout);
    expect(payloads).toHaveLength(1);
    expect(payloads[0].critical.image['docker-manifest-digest']).toBe(DEMO_LATEST);
    expect(payloads[0].critical.type).toBe('cosign container image signature');
    expect(payloads[0].optional.Bundle.Payload.logIndex).toBe(1);
    expect(r.stderr).toContain('The following checks were performed on each of these signatures:');
    expect(r.stderr).toContain('Existence of the claims in the transparency log was verified offline');
  });

  test('no --key is a usage error; a corrupt key fails with its reason', () => {
    expect(run(['verify', 'oci:fixtures/demo']).code).toBe(ExitCode.USAGE);
    const bad = run(['verify', '--key', 'fixtures/demo/index.json', 'oci:fixtures/demo']);
    expect(bad.code).toBe(ExitCode.FAILURE);
    expect(bad.stderr).toContain('not a valid PEM public key');
  });
});

describe('trustgate attestations / extract on the demo fixture (offline)', () => {
  const trust = ['--key', 'fixtures/trust/cosign.pub', '--trusted-root', 'fixtures/trust/trusted_root.json'];
  const ORAS = 'application/aa.trivy.sbom';

  test('tree lists the signature, both attestations by type, and the ORAS attachment as unsigned', () => {
    const r = run(['tree', ...trust, 'oci:fixtures/demo']);
    expect(r.code).toBe(ExitCode.OK);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toContain('├── signatures: 1');
    expect(lines.find((l) => l.includes('simplesigning'))).toMatch(/^│ {3}└── simplesigning .* verified /);
    expect(lines).toContain('│   ├── https://cyclonedx.org/bom ×1');
    expect(lines).toContain('│   └── https://slsa.dev/provenance/v1 ×1');
    expect(lines.at(-2)).toBe('└── unsigned attachments (never counted as verified): 1');
    expect(lines.at(-1)).toMatch(
      new RegExp(`^ {4}└── ${ORAS.replaceAll('.', '\\.')} {2}sha256:[0-9a-f]{64} {2}layout$`),
    );
  });

  test('an unsigned ORAS attachment is extracted only with --allow-unverified, and marked so', () => {
    const refused = run(['extract', ...trust, '--type', ORAS, 'oci:fixtures/demo']);
    expect(refused.code).toBe(ExitCode.NO_SIGNATURES);
    expect(refused.stdout).toBe('');
    const allowed = run(['extract', ...trust, '--type', ORAS, '--allow-unverified', 'oci:fixtures/demo']);
    expect(allowed.code).toBe(ExitCode.OK);
    expect(JSON.parse(allowed.stdout).metadata).toEqual({ tool: 'trivy' });
    expect(allowed.stderr).toContain('UNVERIFIED:');
  });
});
