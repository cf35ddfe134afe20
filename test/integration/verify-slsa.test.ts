/**
 * `verify-slsa` (slsa-verifier verify-image) end to end, offline: images in a real registry (and a
 * layout) carrying keyless SLSA provenance, v0.2 as a legacy `.att` and v1 as a bundle referrer,
 * signed by a throwaway Fulcio-like CA for slsa-github-generator's container generator workflow and
 * logged in a throwaway log. Every flag passes once and fails once, each for its own reason.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CosignAnnotation, CosignMediaType } from '../../src/discovery/media-types.js';
import { ExitCode } from '../../src/exit-codes.js';
import { REF_NAME_ANNOTATION } from '../../src/oci/layout/index-walk.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { sourceFrom } from '../../src/run/source.js';
import { runVerifySlsa, type SlsaJob } from '../../src/run/verify-slsa.js';
import { statementEmbedding } from '../support/attest-builder.js';
import { attLayer } from '../support/cosign-att.js';
import { type Blob, type BuiltImage, buildImage, descriptorOf } from '../support/image-builder.js';
import { type KeylessIdentity, type KeylessWorld, keylessWorld } from '../support/keyless.js';
import { writeLayout } from '../support/layout-writer.js';
import { pushBundleReferrer, pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const GENERATOR =
  'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml';
const BUILDER = `${GENERATOR}@refs/tags/v1.9.0`;
const SHA = 'a'.repeat(40);
const V02 = 'https://slsa.dev/provenance/v0.2';
const V1 = 'https://slsa.dev/provenance/v1';

/** The certificate slsa-github-generator's workflow gets: its own SAN, the caller's repository. */
const generator = (san = BUILDER, repo = 'example/app'): KeylessIdentity => ({
  san,
  issuer: ISSUER,
  claims: {
    '1.3.6.1.4.1.57264.1.12': `https://github.com/${repo}`, // sourceRepositoryURI
    '1.3.6.1.4.1.57264.1.13': SHA, // sourceRepositoryDigest
    '1.3.6.1.4.1.57264.1.14': 'refs/tags/v1.2.3', // sourceRepositoryRef
  },
});

/** v0.2 provenance as generator_container_slsa3 writes it. */
function v02(o: { builder?: string; ref?: string; refType?: 'tag' | 'branch' } = {}) {
  const ref = o.ref ?? 'refs/tags/v1.2.3';
  const uri = `git+https://github.com/example/app@${ref}`;
  return {
    builder: { id: o.builder ?? BUILDER },
    buildType: 'https://github.com/slsa-framework/slsa-github-generator/container@v1',
    invocation: {
      configSource: { uri, digest: { sha1: SHA }, entryPoint: '.github/workflows/release.yml' },
      parameters: {},
      environment: {
        github_event_name: 'push',
        github_ref: ref,
        github_ref_type: o.refType ?? 'tag',
        github_base_ref: '',
        github_event_payload: { base_ref: 'refs/heads/main' },
        github_sha1: SHA,
      },
    },
    metadata: { buildInvocationID: '1234-1', completeness: { parameters: true } },
    materials: [{ uri, digest: { sha1: SHA } }],
  };
}

/** v1 provenance (GitHub workflow build type). */
function v1() {
  return {
    buildDefinition: {
      buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
      externalParameters: {
        workflow: {
          ref: 'refs/tags/v1.2.3',
          repository: 'https://github.com/example/app',
          path: '.github/workflows/release.yml',
        },
      },
      internalParameters: { github: { event_name: 'push' } },
      resolvedDependencies: [
        { uri: 'git+https://github.com/example/app@refs/tags/v1.2.3', digest: { gitCommit: SHA } },
      ],
    },
    runDetails: { builder: { id: BUILDER }, metadata: { invocationId: 'run-1' } },
  };
}

const statement = (digest: Digest, type: string, predicate: unknown) =>
  statementEmbedding(digest, type, Buffer.from(JSON.stringify(predicate)));

describe('verify-slsa (slsa-verifier verify-image), offline throwaway PKI', () => {
  let reg: RunningRegistry;
  let world: KeylessWorld;
  const client = new RegistryClient({ useDockerConfig: false });
  const work = mkdtempSync(join(tmpdir(), 'tg-slsa-'));
  const rootFile = join(work, 'trusted_root.json');
  const refs: Record<string, string> = {};
  const statements: Record<string, Buffer> = {};
  let layoutPath = '';

  async function pushed(name: string): Promise<BuiltImage> {
    const img = buildImage({ seed: `slsa-${name}` });
    await reg.push(`slsa/${name}`, img, 'v1');
    refs[name] = `${reg.host}/slsa/${name}@${img.manifest.digest}`;
    return img;
  }

  /** A legacy `.att` carrying `stmt`, signed keyless as `who`, in `repo` (default: beside the image). */
  async function att(
    name: string,
    img: BuiltImage,
    stmt: Buffer,
    who: KeylessIdentity,
    repo = `slsa/${name}`,
  ) {
    const s = await world.signLegacyAttestation(stmt, who);
    const layer = attLayer(s.envelope, V02, {
      [CosignAnnotation.CERTIFICATE]: s.certificate!,
      [CosignAnnotation.CHAIN]: s.chain!,
      [CosignAnnotation.BUNDLE]: s.rekorBundle,
    });
    await pushSig(client, reg.host, repo, img.manifest.digest, [layer], '.att');
    statements[name] = stmt;
  }

  beforeAll(async () => {
    reg = await startRegistry();
    world = await keylessWorld();
    writeFileSync(rootFile, world.trustedRootJson);

    const a = await pushed('v02');
    await att('v02', a, statement(a.manifest.digest, V02, v02()), generator());

    const b = await pushed('v1');
    const s1 = statement(b.manifest.digest, V1, v1());
    await pushBundleReferrer(
      client,
      reg.host,
      'slsa/v1',
      b.manifest.digest,
      b.manifest.bytes.length,
      await world.signBundle(s1, generator()),
    );
    statements.v1 = s1;

    const c = await pushed('branch');
    await att(
      'branch',
      c,
      statement(c.manifest.digest, V02, v02({ ref: 'refs/heads/main', refType: 'branch' })),
      generator(),
    );

    const release = 'https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.2.3';
    const d = await pushed('untrusted');
    await att(
      'untrusted',
      d,
      statement(d.manifest.digest, V02, v02({ builder: release })),
      generator(release),
    );

    const e = await pushed('other-digest');
    const other = buildImage({ seed: 'slsa-elsewhere' }).manifest.digest;
    await att('other-digest', e, statement(other, V02, v02()), generator());

    const f = await pushed('builder-mismatch');
    await att(
      'builder-mismatch',
      f,
      statement(f.manifest.digest, V02, v02({ builder: `${GENERATOR}@refs/tags/v1.8.0` })),
      generator(),
    );

    const g = await pushed('builder-at-branch');
    const atMain = `${GENERATOR}@refs/heads/main`;
    await att(
      'builder-at-branch',
      g,
      statement(g.manifest.digest, V02, v02({ builder: atMain })),
      generator(atMain),
    );

    await pushed('nothing');

    // The provenance lives in another repository, as with COSIGN_REPOSITORY.
    const h = await pushed('elsewhere');
    await att('elsewhere', h, statement(h.manifest.digest, V02, v02()), generator(), 'slsa/provenance');

    // A layout (cosign save shape): the image and a v1 bundle referrer naming it.
    const img = buildImage({ seed: 'slsa-layout' });
    const bundle = await world.signBundle(statement(img.manifest.digest, V1, v1()), generator());
    const layer: Blob = {
      digest: sha256Digest(bundle),
      bytes: bundle,
      mediaType: CosignMediaType.SIGSTORE_BUNDLE_V03,
    };
    const config: Blob = {
      digest: sha256Digest('{}'),
      bytes: Buffer.from('{}'),
      mediaType: MediaType.OCI_EMPTY,
    };
    const referrerBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_MANIFEST,
        artifactType: CosignMediaType.SIGSTORE_BUNDLE_V03,
        config: descriptorOf(config),
        layers: [descriptorOf(layer)],
        subject: descriptorOf(img.manifest),
        annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' },
      }),
    );
    const referrer: Blob = {
      digest: sha256Digest(referrerBytes),
      bytes: referrerBytes,
      mediaType: MediaType.OCI_MANIFEST,
    };
    layoutPath = join(work, 'layout');
    writeLayout(
      layoutPath,
      [...img.blobs, layer, config, referrer],
      [
        descriptorOf(img.manifest, { annotations: { [REF_NAME_ANNOTATION]: 'latest' } }),
        descriptorOf(referrer),
      ],
    );
  });
  afterAll(async () => {
    await client.close();
    await reg?.stop();
  });

  async function slsa(name: string, job: Partial<SlsaJob> = {}) {
    return runVerifySlsa(
      refs[name] ?? name,
      { sourceUri: 'github.com/example/app', root: { trustedRoot: rootFile }, ...job },
      { source: sourceFrom({ client }), limits: {} },
    );
  }

  test('v0.2 (.att) and v1 (bundle referrer) from the container generator pass', async () => {
    for (const name of ['v02', 'v1']) {
      const r = await slsa(name);
      expect(r.exitCode, `${name}: ${r.reason}`).toBe(ExitCode.OK);
      expect(r.builder).toMatchObject({ id: BUILDER, sourceRepository: 'example/app', sourceSha: SHA });
      expect(Buffer.from(r.provenance!).equals(statements[name]!)).toBe(true);
    }
    expect((await slsa('v02', { sourceUri: 'git+https://github.com/example/app' })).exitCode).toBe(
      ExitCode.OK,
    );
  });

  test('--source-uri: another repository fails, in the certificate and in the provenance', async () => {
    const r = await slsa('v02', { sourceUri: 'github.com/example/other' });
    expect(r.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(r.reason).toContain("expected source 'example/other', the certificate says 'example/app'");
    await expect(slsa('v02', { sourceUri: 'gitlab.com/example/app' })).rejects.toThrow(
      /not a github.com repository/,
    );
  });

  test('--source-tag: the exact tag passes, another fails; a branch build has no tag', async () => {
    expect((await slsa('v02', { sourceTag: 'v1.2.3' })).exitCode).toBe(ExitCode.OK);
    expect((await slsa('v1', { sourceTag: 'v1.2.3' })).exitCode).toBe(ExitCode.OK);
    const wrong = await slsa('v02', { sourceTag: 'v1.2.4' });
    expect(wrong.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(wrong.reason).toContain('sourceTag is "v1.2.3", expected v1.2.4');
    const branch = await slsa('branch', { sourceTag: 'v1.2.3' });
    expect(branch.reason).toContain('sourceTag is missing');
  });

  test('--source-versioned-tag: v1, v1.2 and v1.2.3 match v1.2.3; v2, v1.3 and v1.2.4 do not', async () => {
    for (const v of ['v1', 'v1.2', 'v1.2.3'])
      expect((await slsa('v02', { sourceVersionedTag: v })).exitCode, v).toBe(ExitCode.OK);
    expect((await slsa('v1', { sourceVersionedTag: 'v1' })).exitCode).toBe(ExitCode.OK);
    const cases: Array<[string, string]> = [
      ['v2', "major version expected 'v2', got 'v1'"],
      ['v1.3', "minor version expected '3', got '2'"],
      ['v1.2.4', "patch version expected '4', got '3'"],
      ['1.2', '"1.2" is not a semantic version'],
    ];
    for (const [v, why] of cases) {
      const r = await slsa('v02', { sourceVersionedTag: v });
      expect(r.exitCode, v).toBe(ExitCode.NONE_MATCHED);
      expect(r.reason).toContain(why);
    }
    await expect(slsa('v02', { sourceTag: 'v1.2.3', sourceVersionedTag: 'v1' })).rejects.toThrow(
      /cannot be used together/,
    );
  });

  test('--source-branch: the branch of a branch build, and of a tag pushed from main', async () => {
    expect((await slsa('branch', { sourceBranch: 'main' })).exitCode).toBe(ExitCode.OK);
    expect((await slsa('v02', { sourceBranch: 'main' })).exitCode).toBe(ExitCode.OK);
    const r = await slsa('branch', { sourceBranch: 'dev' });
    expect(r.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(r.reason).toContain('sourceBranch is "main", expected dev');
  });

  test('--builder-id: the name, name@refs/tags/vX and name@vX pass; another version or builder fails', async () => {
    for (const id of [GENERATOR, BUILDER, `${GENERATOR}@v1.9.0`])
      expect((await slsa('v02', { builderId: id })).exitCode, id).toBe(ExitCode.OK);
    const version = await slsa('v02', { builderId: `${GENERATOR}@refs/tags/v1.8.0` });
    expect(version.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(version.reason).toContain(
      `the certificate names ${BUILDER}, expected ${GENERATOR}@refs/tags/v1.8.0`,
    );
    const go =
      'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml';
    expect((await slsa('v02', { builderId: go })).reason).toContain('builderID does not match');
  });

  test('a workflow that is not a trusted builder fails, with or without --builder-id', async () => {
    const r = await slsa('untrusted');
    expect(r.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(r.reason).toContain(
      'untrusted reusable workflow: https://github.com/example/app/.github/workflows/release.yml',
    );
    const named = await slsa('untrusted', {
      builderId: 'https://github.com/example/app/.github/workflows/release.yml',
    });
    expect(named.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(named.reason).toContain('is not a slsa-github-generator builder');
  });

  test("the builder must run at a vX.Y.Z tag, and the provenance's builder.id must be the certificate's", async () => {
    const atMain = await slsa('builder-at-branch');
    expect(atMain.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(atMain.reason).toContain('invalid ref: the builder ran at refs/heads/main');
    const mismatch = await slsa('builder-mismatch');
    expect(mismatch.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(mismatch.reason).toContain(`builderId is "${GENERATOR}@refs/tags/v1.8.0", expected ${BUILDER}`);
  });

  test('provenance for another digest fails; an image with none is "nothing found" (10)', async () => {
    const other = await slsa('other-digest');
    expect(other.exitCode).toBe(ExitCode.NONE_MATCHED);
    expect(other.reason).toContain("the statement's subject does not name this image");
    const none = await slsa('nothing');
    expect(none.exitCode).toBe(ExitCode.NO_SIGNATURES);
    expect(none.reason).toContain('no SLSA provenance found');
  });

  test('--provenance-repository reads the .att tag from another repository', async () => {
    expect((await slsa('elsewhere')).exitCode).toBe(ExitCode.NO_SIGNATURES);
    const r = await slsa('elsewhere', { provenanceRepository: `${reg.host}/slsa/provenance` });
    expect(r.exitCode, r.reason).toBe(ExitCode.OK);
    await expect(
      slsa('elsewhere', { provenanceRepository: `${reg.host}/slsa/provenance:v1` }),
    ).rejects.toThrow(/no tag or digest/);
  });

  test('a mutable (tag) reference is refused; a layout passes', async () => {
    await expect(slsa(`${reg.host}/slsa/v02:v1`)).rejects.toThrow(/mutable/);
    const r = await slsa(`oci:${layoutPath}:latest`);
    expect(r.exitCode, r.reason).toBe(ExitCode.OK);
  });

  test('CLI: slsa-verifier words on stderr, the statement on stdout with --print-provenance', () => {
    const common = [
      '--trusted-root',
      rootFile,
      '--allow-http-registry',
      '--source-uri',
      'github.com/example/app',
    ];
    const ok = runCli([
      'verify-slsa',
      ...common,
      '--source-versioned-tag',
      'v1',
      '--print-provenance',
      refs.v02!,
    ]);
    expect(ok.code, ok.stderr).toBe(ExitCode.OK);
    expect(ok.stdout).toBe(`${statements.v02!.toString('utf8')}\n`);
    expect(ok.stderr).toContain(`Verified build using builder "${BUILDER}" at commit ${SHA}`);
    expect(ok.stderr.trimEnd().endsWith('PASSED: SLSA verification passed')).toBe(true);
    const quiet = runCli(['verify-slsa', ...common, refs.v02!]);
    expect(quiet.code).toBe(ExitCode.OK);
    expect(quiet.stdout).toBe('');
    const bad = runCli(['verify-slsa', ...common, '--source-tag', 'v9.9.9', '--print-provenance', refs.v02!]);
    expect(bad.code).toBe(ExitCode.NONE_MATCHED);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(
      'FAILED: SLSA verification failed: provenance sourceTag is "v1.2.3", expected v9.9.9',
    );
    const none = runCli(['verify-slsa', ...common, refs.nothing!]);
    expect(none.code).toBe(ExitCode.NO_SIGNATURES);
    const missing = runCli(['verify-slsa', '--trusted-root', rootFile, refs.v02!]);
    expect(missing.code).toBe(ExitCode.USAGE);
    expect(missing.stderr).toContain('--source-uri is required');
  });
});
