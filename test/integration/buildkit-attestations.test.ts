/**
 * BuildKit's in-index attestations (`docker buildx build --attest type=provenance,sbom`), end to end
 * through the CLI, on the real registry and on an OCI layout: `tree` lists them under the image they
 * describe, marked unsigned; `extract` writes one only with --allow-unverified, marked UNVERIFIED;
 * verify-attestation never verifies them; a policy accepts them only with `allowUnsigned: buildkit`,
 * and warns when it does; a requirement naming a signer never accepts them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { REF_NAME_ANNOTATION } from '../../src/oci/layout/layout-source.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import {
  type BuiltBuildkitIndex,
  buildBuildkitIndex,
  pushBuildkitIndex,
  SLSA_V02,
  SPDX,
} from '../support/buildkit-builder.js';
import { descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import { fakeLog, generateKey, trustedRootFor } from '../support/signing.js';

const work = mkdtempSync(join(tmpdir(), 'tg-buildkit-'));
const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };
let reg: RunningRegistry;

/** Both platforms attested (provenance + SBOM), plus a stray manifest naming an image not in the index. */
const full = buildBuildkitIndex({ seed: 'bk-full', name: 'app:v1', platforms: [amd64, arm64], orphan: true });
/** Provenance for amd64 only (the OCI-artifact form). */
const partial = buildBuildkitIndex({
  seed: 'bk-partial',
  name: 'app:v1',
  platforms: [amd64, arm64],
  form: 'artifact',
  attest: (p) => (p.architecture === 'amd64' ? [SLSA_V02, SPDX] : [SPDX]),
});
/** Its only provenance names an image that is not in the index. */
const stray = buildBuildkitIndex({
  seed: 'bk-stray',
  name: 'app:v1',
  platforms: [amd64],
  attest: () => [],
  orphan: true,
});

const keyFile = join(work, 'team.pub');
const rootFile = join(work, 'trusted_root.json');
const trust = ['--key', keyFile, '--trusted-root', rootFile];

const refs: Record<'registry' | 'layout', Record<string, string>> = { registry: {}, layout: {} };

function layout(name: string, built: BuiltBuildkitIndex): string {
  const dir = join(work, name);
  writeLayout(dir, built.blobs, [
    descriptorOf(built.index, { annotations: { [REF_NAME_ANNOTATION]: 'v1' } }),
  ]);
  return `oci:${dir}:v1`;
}

function policy(requirement: string): string {
  const file = join(work, `policy-${Buffer.from(requirement).toString('hex').slice(0, 40)}.yaml`);
  writeFileSync(
    file,
    [
      'apiVersion: trustgate.dev/v1',
      'kind: Policy',
      'metadata: {name: buildkit}',
      'noMatch: deny',
      'trustRoots:',
      `  test: {trustedRoot: ${JSON.stringify(rootFile)}}`,
      'authorities:',
      '  team:',
      `    keys: [{file: ${JSON.stringify(keyFile)}}]`,
      '    trustRoot: test',
      'rules:',
      '  - name: built',
      `    images: ["${reg.host}/bk/**", "registry.example/bk/**"]`,
      '    attestations:',
      `      - {name: provenance, type: slsaprovenance${requirement}}`,
    ].join('\n'),
  );
  return file;
}

beforeAll(async () => {
  const key = generateKey('p256');
  writeFileSync(keyFile, key.pem);
  writeFileSync(rootFile, trustedRootFor(fakeLog(generateKey('p256'))));
  reg = await startRegistry();
  const client = new RegistryClient();
  try {
    for (const [name, built] of Object.entries({ full, partial, stray })) {
      await pushBuildkitIndex(client, reg.host, `bk/${name}`, built, 'v1');
      refs.registry[name] = `${reg.host}/bk/${name}:v1`;
      refs.layout[name] = layout(name, built);
    }
  } finally {
    await client.close();
  }
}, 60_000);

afterAll(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

const imageName = (where: 'registry' | 'layout', name: string) =>
  where === 'layout' ? ['--image-name', `registry.example/bk/${name}`] : [];

describe.each(['registry', 'layout'] as const)('BuildKit attestations (%s)', (where) => {
  test('tree lists them under the image each describes, marked unsigned, and the stray one as ignored', () => {
    const r = runCli(['tree', refs[where].full!]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    const lines = r.stdout.trimEnd().split('\n');
    const at = lines.indexOf(
      '└── BuildKit attestations in the index (unsigned, never counted as verified): 4',
    );
    expect(at).toBeGreaterThan(0);
    const [amd, arm] = full.images.map((i) => i.manifest.digest);
    const [m0, m1, orphan] = full.attestations.map((a) => a.manifest.digest);
    expect(lines.slice(at + 1)).toEqual([
      `    ├── linux/amd64  ${amd}`,
      `    │   ├── ${SLSA_V02}  unsigned  ${m0}  [type from annotation]`,
      `    │   └── ${SPDX}  unsigned  ${m0}  [type from annotation]`,
      `    ├── linux/arm64  ${arm}`,
      `    │   ├── ${SLSA_V02}  unsigned  ${m1}  [type from annotation]`,
      `    │   └── ${SPDX}  unsigned  ${m1}  [type from annotation]`,
      `    └── ignored ${orphan}: its vnd.docker.reference.digest names ${full.attestations[2]!.child}, which is no image of this index`,
    ]);
    expect(lines).toContain('├── unsigned attachments (never counted as verified): 0');
    const json = JSON.parse(runCli(['tree', '--json', refs[where].full!]).stdout);
    expect(
      json.buildkit.attestations.every(
        (a: { signed: boolean; verified: boolean }) => !a.signed && !a.verified,
      ),
    ).toBe(true);
    expect(json.signatures).toEqual([]);
    expect(json.attestations).toEqual([]);
  });

  test('tree --platform lists only that image', () => {
    const r = runCli(['tree', '--platform', 'linux/arm64', refs[where].full!]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    expect(r.stdout).toContain(`    └── linux/arm64  ${full.images[1]!.manifest.digest}`);
    expect(r.stdout).not.toContain('linux/amd64');
  });

  test('extract refuses without --allow-unverified, and with it writes the statement marked UNVERIFIED', () => {
    const args = [
      'extract',
      ...trust,
      '--type',
      'slsaprovenance',
      '--platform',
      'linux/amd64',
      refs[where].full!,
    ];
    const refused = runCli(args);
    expect(refused.code).toBe(ExitCode.NO_SIGNATURES);
    expect(refused.stdout).toBe('');
    const allowed = runCli([...args, '--allow-unverified']);
    expect(allowed.code, allowed.stderr).toBe(ExitCode.OK);
    const layer = full.attestations[0]!.blobs[2]!;
    expect(allowed.stdout).toBe(Buffer.from(layer.bytes).toString());
    expect(allowed.stderr).toContain(
      `UNVERIFIED: BuildKit ${SLSA_V02} attestation for linux/amd64 ${full.images[0]!.manifest.digest}`,
    );
    const predicate = runCli([...args, '--allow-unverified', '--predicate-only']);
    expect(JSON.parse(predicate.stdout).buildType).toBe('https://mobyproject.org/buildkit@v1');
    // The index has one per platform: which one is a choice, never a guess.
    const both = runCli([
      'extract',
      ...trust,
      '--type',
      'slsaprovenance',
      '--allow-unverified',
      refs[where].full!,
    ]);
    expect(both.code).toBe(ExitCode.USAGE);
    expect(both.stderr).toContain('2 unsigned BuildKit https://slsa.dev/provenance/v0.2 attestations match');
    expect(both.stdout).toBe('');
  });

  test('verify-attestation never verifies them: exit 10 on an image that has only these', () => {
    for (const type of ['slsaprovenance', 'any']) {
      const r = runCli(['verify-attestation', ...trust, '--type', type, refs[where].full!]);
      expect(r.code, r.stderr).toBe(ExitCode.NO_SIGNATURES);
      expect(r.stdout).toBe('');
    }
  });

  test('verify-attestation exiting 10 says, in one hint line, that the index holds BuildKit attestations', () => {
    const hint = (r: { stderr: string }) => r.stderr.split('\n').filter((l) => l.includes('BuildKit'));
    const va = (...args: string[]) =>
      runCli(['verify-attestation', ...trust, '--type', 'slsaprovenance', ...args]);
    // The index: its two platform images' manifests (the stray one names no image of it and is not counted).
    const index = va(refs[where].full!);
    expect(index.code).toBe(ExitCode.NO_SIGNATURES);
    expect(hint(index)).toEqual([
      `hint: ${refs[where].full}: its index holds 2 BuildKit attestation manifest(s) for it, which are unsigned and never verified: list them with \`trustgate tree\`, write one with \`trustgate extract --allow-unverified\`, or accept them in a policy with \`allowUnsigned: buildkit\``,
    ]);
    // A platform selected from the index: only the manifest for that image.
    const arm = va('--platform', 'linux/arm64', refs[where].partial!);
    expect(arm.code).toBe(ExitCode.NO_SIGNATURES);
    expect(hint(arm)).toEqual([
      expect.stringContaining('its index holds 1 BuildKit attestation manifest(s)'),
    ]);
    // None for the selected image (only a stray one naming another): no hint.
    const stray = va('--platform', 'linux/amd64', refs[where].stray!);
    expect(stray.code).toBe(ExitCode.NO_SIGNATURES);
    expect(hint(stray)).toEqual([]);
    // A platform image named by digest was not resolved from an index: no index is read, no hint.
    const byDigest = refs[where].full!.replace(/:v1$/, `@${full.images[0]!.manifest.digest}`);
    const child = va(byDigest);
    expect(child.code, child.stderr).toBe(ExitCode.NO_SIGNATURES);
    expect(hint(child)).toEqual([]);
  });

  test('a requirement is not satisfied by them unless it says allowUnsigned: buildkit, and then it warns', () => {
    const verify = (file: string, ref: string, extra: string[] = []) =>
      runCli(['verify', '--policy', file, '-o', 'report', ...imageName(where, 'full'), ...extra, ref]);
    const strict = verify(policy(''), refs[where].full!);
    expect(strict.code, strict.stderr).toBe(ExitCode.FAILURE);
    const strictCheck = JSON.parse(strict.stdout).decisions[0].rules[0].checks[0];
    expect(strictCheck).toMatchObject({ id: 'attestations/provenance', status: 'fail' });
    expect(strictCheck.reason).toMatch(/^no verified slsaprovenance attestation/);

    const lenient = verify(policy(', allowUnsigned: buildkit'), refs[where].full!);
    expect(lenient.code, lenient.stderr).toBe(ExitCode.WARNINGS);
    const d = JSON.parse(lenient.stdout).decisions[0];
    expect(d).toMatchObject({ decision: 'allow', status: 'warn', signers: [] });
    const checks = d.rules[0].checks;
    expect(checks.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      ['attestations/provenance', 'pass'],
      ['attestations/provenance', 'pass'],
      ['attestations/provenance/unsigned', 'warn'],
    ]);
    expect(checks[0].reason).toContain(`unsigned BuildKit slsaprovenance attestation for linux/amd64`);
    expect(checks[1].reason).toContain(`for linux/arm64`);
    const tree = runCli([
      'verify',
      '--policy',
      policy(', allowUnsigned: buildkit'),
      ...imageName(where, 'full'),
      refs[where].full!,
    ]);
    expect(tree.code).toBe(ExitCode.WARNINGS);
    expect(tree.stdout).toContain('satisfied only by unsigned BuildKit attestations');

    // The child by itself (selected by platform) is judged on its own attestation.
    const child = verify(policy(', allowUnsigned: buildkit'), refs[where].full!, [
      '--platform',
      'linux/arm64',
    ]);
    expect(child.code, child.stderr).toBe(ExitCode.WARNINGS);
    expect(JSON.parse(child.stdout).decisions[0].rules[0].checks.length).toBe(2);
  });

  test('for the index, every image needs one: a platform without provenance fails, named', () => {
    const r = runCli([
      'verify',
      '--policy',
      policy(', allowUnsigned: buildkit'),
      '-o',
      'report',
      ...imageName(where, 'partial'),
      refs[where].partial!,
    ]);
    expect(r.code, r.stderr).toBe(ExitCode.FAILURE);
    const check = JSON.parse(r.stdout).decisions[0].rules[0].checks[0];
    expect(check.status).toBe('fail');
    expect(check.reason).toContain(
      `no unsigned BuildKit one for linux/arm64 ${partial.images[1]!.manifest.digest}`,
    );
    expect(check.reason).not.toContain('linux/amd64');
  });

  test('a stray attestation naming an image not in the index satisfies nothing, and is reported', () => {
    const r = runCli([
      'verify',
      '--policy',
      policy(', allowUnsigned: buildkit'),
      '-o',
      'report',
      ...imageName(where, 'stray'),
      refs[where].stray!,
    ]);
    expect(r.code, r.stderr).toBe(ExitCode.FAILURE);
    const reason = JSON.parse(r.stdout).decisions[0].rules[0].checks[0].reason;
    expect(reason).toContain(
      `BuildKit attestation manifest ${stray.attestations[0]!.manifest.digest} ignored`,
    );
    expect(reason).toContain('which is no image of this index');
  });

  test('a requirement naming a signer is never satisfied by them', () => {
    const r = runCli([
      'verify',
      '--policy',
      policy(', signedBy: [team]'),
      '-o',
      'report',
      ...imageName(where, 'full'),
      refs[where].full!,
    ]);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(JSON.parse(r.stdout).decisions[0].rules[0].checks[0].reason).toBe(
      'no verified slsaprovenance attestation signed by team',
    );
  });
});

test('allowUnsigned together with signedBy is refused when the policy is compiled', () => {
  const r = runCli(['policy', 'validate', policy(', signedBy: [team], allowUnsigned: buildkit')]);
  expect(r.code).toBe(ExitCode.FAILURE);
  expect(r.stdout + r.stderr).toContain('allowUnsigned: buildkit cannot be combined with signedBy');
});
