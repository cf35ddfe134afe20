/**
 * The parity suite's world, built once: one registry, one cosign key pair (and a wrong one), images
 * that the real cosign signed and attested (legacy .sig/.att, and --new-bundle-format referrers), a
 * tampered .sig, a keyless image from a throwaway Sigstore world (cosign 2.5 cannot sign keyless
 * offline, so the repo's builders make those and cosign only verifies them), the key served on
 * loopback, and the CUE policies of the published commands.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CosignAnnotation } from '../../../src/discovery/media-types.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { RegistryClient } from '../../../src/oci/registry/client.js';
import { pushBlob, pushManifest } from '../../../src/oci/registry/push.js';
import { digestTag } from '../../../src/reference/digest.js';
import { attLayer } from '../../support/cosign-att.js';
import { simpleSigningPayload } from '../../support/cosign-sig.js';
import { buildImage } from '../../support/image-builder.js';
import { type KeylessIdentity, keylessWorld } from '../../support/keyless.js';
import { cosignEnv, peer } from '../../support/peers.js';
import { pushBundleReferrer, pushImage, pushSig } from '../../support/push.js';
import { type RunningRegistry, startRegistry } from '../../support/registry.js';
import { repoRoot } from '../../support/repo-root.js';
import { COSIGN_SIGN_V1, simpleSigningAnnotations } from '../../support/signing.js';

const run = promisify(execFile);

export interface ParityWorld {
  work: string;
  /** PATH and cosign's offline environment, with `cosign` and `trustgate` on PATH. */
  env: NodeJS.ProcessEnv;
  /**
   * What cosign alone needs on top: its legacy (.sig/.att) keyless path reads the CT log key, the Rekor
   * key and the Fulcio roots from the environment or from TUF (online), even when given --trusted-root.
   */
  cosignOnlyEnv: Record<string, string>;
  /** The values of the rows' `${NAME}` variables. */
  vars: Record<string, string>;
  stop(): Promise<void>;
}

const SLSA_BUILDER =
  'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.9.0';
const RELEASE_SAN = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.3';
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** Fulcio's GitHub claims of a tag push in acme/app (v1 OIDs: trigger, sha, workflow name, repository, ref). */
const ACME_CLAIMS = {
  '1.3.6.1.4.1.57264.1.2': 'push',
  '1.3.6.1.4.1.57264.1.3': '0123456789abcdef0123456789abcdef01234567',
  '1.3.6.1.4.1.57264.1.4': 'release',
  '1.3.6.1.4.1.57264.1.5': 'acme/app',
  '1.3.6.1.4.1.57264.1.6': 'refs/tags/v1.2.3',
};

const PREDICATES: Record<string, unknown> = {
  spdxjson: { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'app', packages: [] },
  cyclonedx: {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    components: [{ type: 'library', name: 'left-pad', version: '1.3.0' }],
  },
};

/** slsa-github-generator's container provenance (SLSA v0.2) for a tag build of acme/app. */
function slsaPredicate(repo: string): unknown {
  return {
    builder: { id: SLSA_BUILDER },
    buildType: 'https://github.com/slsa-framework/slsa-github-generator/container@v1',
    invocation: {
      configSource: {
        uri: `git+https://github.com/${repo}@refs/tags/v1.2.3`,
        digest: { sha1: '0123456789abcdef0123456789abcdef01234567' },
        entryPoint: '.github/workflows/release.yml',
      },
      environment: {
        github_event_name: 'push',
        github_ref: 'refs/tags/v1.2.3',
        github_ref_type: 'tag',
        github_repository: repo,
        github_sha1: '0123456789abcdef0123456789abcdef01234567',
      },
    },
    metadata: { buildInvocationID: '1-1', completeness: { parameters: true } },
    materials: [
      {
        uri: `git+https://github.com/${repo}@refs/tags/v1.2.3`,
        digest: { sha1: '0123456789abcdef0123456789abcdef01234567' },
      },
    ],
  };
}

function statement(digest: string, name: string, predicateType: string, predicate: unknown): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType,
      subject: [{ name, digest: { sha256: digest.slice('sha256:'.length) } }],
      predicate,
    }),
  );
}

const SLSA_POLICY = (repo: string) => `// As slsa-github-generator's documentation publishes it.
predicateType: "https://slsa.dev/provenance/v0.2"
predicate: {
  builder: {
    id: =~"^https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v[0-9]+.[0-9]+.[0-9]+$"
  }
  invocation: {
    configSource: {
      uri: =~"^git\\\\+https://github.com/${repo}@refs/tags/v[0-9]+.[0-9]+.[0-9]+$"
    }
  }
}
`;

const SBOM_POLICY = `predicateType: "https://cyclonedx.org/bom"
predicate: {
  bomFormat: "CycloneDX"
  specVersion: =~"^1\\\\."
}
`;

export async function startParityWorld(): Promise<ParityWorld> {
  const cosign = peer('cosign');
  if (!cosign) throw new Error('cosign is missing: run scripts/peer-tools');
  const work = mkdtempSync(join(tmpdir(), 'tg-parity-'));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(cosign, join(bin, 'cosign'));
  // The built CLI under the project's Node, whatever node the shell would find.
  writeFileSync(
    join(bin, 'trustgate'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot(), 'bin', 'trustgate.js')}" "$@"\n`,
  );
  chmodSync(join(bin, 'trustgate'), 0o755);
  const env = { ...cosignEnv(work, 'parity'), PATH: `${bin}:${process.env.PATH ?? ''}` };
  const cosignRun = async (args: string[]) => {
    try {
      await run(cosign, args, { env, cwd: work, timeout: 60_000 });
    } catch (e) {
      throw new Error(`cosign ${args.join(' ')} failed: ${(e as { stderr?: string }).stderr ?? e}`);
    }
  };

  const reg: RunningRegistry = await startRegistry();
  const client = new RegistryClient({ useDockerConfig: false });
  let keyServer: Server | undefined;
  try {
    await Promise.all(['k1', 'wrong'].map((k) => cosignRun(['generate-key-pair', '--output-key-prefix', k])));
    for (const [t, p] of Object.entries(PREDICATES))
      writeFileSync(join(work, `${t}.json`), JSON.stringify(p));

    const push = async (repo: string, seed: string) => {
      const img = buildImage({ seed });
      await pushImage(client, reg.host, repo, img, 'v1');
      return { img, ref: `${reg.host}/${repo}@${img.manifest.digest}` };
    };
    const signFlags = ['--key', 'k1.key', '--tlog-upload=false', '--allow-http-registry', '-y'];
    const attest = (ref: string, type: string, extra: string[] = []) =>
      cosignRun(['attest', ...signFlags, '--type', type, '--predicate', `${type}.json`, ...extra, ref]);

    // Legacy: cosign sign, cosign attest (one .att with both layers).
    const legacy = await push('legacy', 'parity-legacy');
    await cosignRun(['sign', ...signFlags, legacy.ref]);
    await attest(legacy.ref, 'spdxjson');
    await attest(legacy.ref, 'cyclonedx');

    // Bundles: cosign attest --new-bundle-format (OCI 1.1 referrers through the tag fallback).
    const bundle = await push('bundle', 'parity-bundle');
    await attest(bundle.ref, 'cyclonedx', ['--new-bundle-format']);
    await attest(bundle.ref, 'spdxjson', ['--new-bundle-format']);

    // Tampered: cosign's .sig with the payload altered after signing.
    const tampered = await push('tampered', 'parity-tampered');
    await cosignRun(['sign', ...signFlags, tampered.ref]);
    const repo = client.repository(reg.host, 'tampered');
    const tag = digestTag(tampered.img.manifest.digest, '.sig');
    const sig = JSON.parse(Buffer.from((await repo.getManifest(tag)).bytes).toString());
    const evil = Buffer.from(
      Buffer.from(await repo.getBlob(sig.layers[0].digest))
        .toString()
        .replace('"optional":null', '"optional":{"tampered":"yes"}'),
    );
    sig.layers[0].digest = await pushBlob(client, reg.host, 'tampered', evil);
    sig.layers[0].size = evil.length;
    await pushManifest(
      client,
      reg.host,
      'tampered',
      tag,
      Buffer.from(JSON.stringify(sig)),
      MediaType.OCI_MANIFEST,
    );

    // Keyless: SLSA provenance as a legacy .att (cosign 2 keyless), a CycloneDX attestation bundle and a
    // cosign sign/v1 signature bundle, all from the throwaway world whose trusted root the rows pass.
    const world = await keylessWorld();
    const keyless = await push('keyless', 'parity-keyless');
    const digest = keyless.img.manifest.digest;
    const name = `${reg.host}/keyless`;
    const builder: KeylessIdentity = { san: SLSA_BUILDER, issuer: GITHUB_ISSUER, claims: ACME_CLAIMS };
    const release: KeylessIdentity = { san: RELEASE_SAN, issuer: GITHUB_ISSUER, claims: ACME_CLAIMS };
    const provenance = statement(digest, name, 'https://slsa.dev/provenance/v0.2', slsaPredicate('acme/app'));
    const att = await world.signLegacyAttestation(provenance, builder);
    await pushSig(
      client,
      reg.host,
      'keyless',
      digest,
      [
        attLayer(att.envelope, 'https://slsa.dev/provenance/v0.2', {
          [CosignAnnotation.CERTIFICATE]: att.certificate!,
          [CosignAnnotation.CHAIN]: att.chain!,
          [CosignAnnotation.BUNDLE]: att.rekorBundle,
        }),
      ],
      '.att',
    );
    // cosign 2.5's `verify --new-bundle-format` reads only the legacy .sig (its verify never passes the
    // flag on), and cosign 2.5 cannot sign in the bundle format: what it signs keyless is a .sig. The
    // same image in its own repository carries one, and nothing else.
    await pushImage(client, reg.host, 'keyless-sig', keyless.img, 'v1');
    const payload = simpleSigningPayload(digest, `${reg.host}/keyless-sig`);
    const signed = await world.signLegacy(payload, release);
    await pushSig(client, reg.host, 'keyless-sig', digest, [
      {
        payload,
        annotations: {
          ...simpleSigningAnnotations(signed.signature, signed.rekorBundle),
          [CosignAnnotation.CERTIFICATE]: signed.certificate,
          [CosignAnnotation.CHAIN]: signed.chain,
        },
      },
    ]);
    const size = keyless.img.manifest.bytes.length;
    for (const s of [
      statement(digest, name, 'https://cyclonedx.org/bom', PREDICATES.cyclonedx),
      statement(digest, name, COSIGN_SIGN_V1, {}),
    ])
      await pushBundleReferrer(client, reg.host, 'keyless', digest, size, await world.signBundle(s, release));
    writeFileSync(join(work, 'trusted_root.json'), world.trustedRootJson);
    const root = JSON.parse(world.trustedRootJson) as Record<
      'ctlogs' | 'tlogs',
      Array<{ publicKey: { rawBytes: string } }>
    >;
    const pemKey = (der: string) =>
      `-----BEGIN PUBLIC KEY-----\n${der.replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`;
    writeFileSync(join(work, 'ctlog.pub'), pemKey(root.ctlogs[0]!.publicKey.rawBytes));
    writeFileSync(join(work, 'rekor.pub'), pemKey(root.tlogs[0]!.publicKey.rawBytes));
    writeFileSync(join(work, 'fulcio.pem'), world.rootPem);

    writeFileSync(join(work, 'policy.cue'), SLSA_POLICY('acme/app'));
    writeFileSync(join(work, 'policy-other.cue'), SLSA_POLICY('acme/other'));
    writeFileSync(join(work, 'policy-sbom.cue'), SBOM_POLICY);

    const pub = readFileSync(join(work, 'k1.pub'));
    keyServer = createServer((req, res) => {
      if (req.url === '/acme/app/master/static/cosign.pub') res.writeHead(200).end(pub);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => keyServer!.listen(0, '127.0.0.1', r));
    const port = (keyServer.address() as AddressInfo).port;

    return {
      work,
      env,
      cosignOnlyEnv: {
        SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: join(work, 'ctlog.pub'),
        SIGSTORE_REKOR_PUBLIC_KEY: join(work, 'rekor.pub'),
        SIGSTORE_ROOT_FILE: join(work, 'fulcio.pem'),
      },
      vars: {
        KEY: join(work, 'k1.pub'),
        WRONG_KEY: join(work, 'wrong.pub'),
        KEY_URL: `http://127.0.0.1:${port}/acme/app/master/static/cosign.pub`,
        LEGACY: legacy.ref,
        BUNDLE: bundle.ref,
        TAMPERED: tampered.ref,
        KEYLESS: keyless.ref,
        KEYLESS_SIG: `${reg.host}/keyless-sig@${digest}`,
        TRUSTED_ROOT: join(work, 'trusted_root.json'),
        POLICY_SLSA: join(work, 'policy.cue'),
        POLICY_SLSA_OTHER: join(work, 'policy-other.cue'),
        POLICY_SBOM: join(work, 'policy-sbom.cue'),
      },
      async stop() {
        await new Promise((r) => keyServer?.close(r));
        await client.close();
        await reg.stop();
      },
    };
  } catch (e) {
    keyServer?.close();
    await client.close();
    await reg.stop();
    throw e;
  }
}
