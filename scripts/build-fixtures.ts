/**
 * Builds the committed fixtures under fixtures/ from code, never by hand. `--check` rebuilds into a
 * temporary folder and fails if anything differs from what is committed.
 *
 *   fixtures/demo: a cosign-save-shaped OCI layout (signed `latest` with an SBOM, a provenance and an
 *   unsigned ORAS attachment; unsigned `multi`); fixtures/trust: keys.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CosignAnnotation } from '../src/discovery/media-types.js';
import {
  COSIGN_KIND_ANNOTATION,
  CosignLayoutKind,
  REF_NAME_ANNOTATION,
} from '../src/oci/layout/layout-source.js';
import { statementEmbedding } from '../test/support/attest-builder.js';
import { attLayer, dsseEnvelope } from '../test/support/cosign-att.js';
import { buildSigManifest, simpleSigningPayload } from '../test/support/cosign-sig.js';
import { buildImage, buildIndex, buildOrasAttachment, descriptorOf } from '../test/support/image-builder.js';
import { writeLayout } from '../test/support/layout-writer.js';
import { repoRoot } from '../test/support/repo-root.js';
import {
  dsseRekorBundle,
  ed25519FromLabel,
  fakeLog,
  rekorBundleFor,
  signBytes,
  simpleSigningAnnotations,
  trustedRootFor,
} from '../test/support/signing.js';

const root = repoRoot();

/** Throwaway demo keys, derived from fixed labels so that rebuilding gives the same bytes. */
export const demoKeys = () => ({
  signer: ed25519FromLabel('trustgate demo signing key (throwaway, public)'),
  wrong: ed25519FromLabel('trustgate demo wrong key (throwaway, public)'),
  log: fakeLog(ed25519FromLabel('trustgate demo transparency log key (throwaway, public)')),
});
/** Throwaway keys of the example policies in policies/ (public halves written to policies/keys). */
export const examplePolicyKeys = () => ({
  vendor: ed25519FromLabel('trustgate example vendor key (throwaway, public)'),
  platform: ed25519FromLabel('trustgate example platform key (throwaway, public)'),
  scanner: ed25519FromLabel('trustgate example scanner key (throwaway, public)'),
});

export function buildPolicyKeys(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, key] of Object.entries(examplePolicyKeys()))
    writeFileSync(join(dir, `${name}.pub`), key.pem);
}

const DEMO_REFERENCE = 'registry.example/trustgate/demo';
const DEMO_SBOM = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  metadata: { component: { type: 'container', name: 'trustgate demo' } },
  components: [{ type: 'file', name: 'hello.txt', hashes: [] }],
};
const DEMO_PROVENANCE = (digest: string) => ({
  buildDefinition: {
    buildType: 'https://trustgate.invalid/demo-build/v1',
    externalParameters: { source: 'https://github.com/example/trustgate-demo@refs/tags/v1.0.0' },
  },
  runDetails: {
    builder: { id: 'https://trustgate.invalid/demo-builder' },
    metadata: { invocationId: digest },
  },
});
/** The artifactType Aleph Alpha's legacy ORAS flow attaches SBOMs with. */
const DEMO_ORAS_TYPE = 'application/aa.trivy.sbom';
/** 2026-01-01T00:00:00Z: a fixed log time keeps the fixture reproducible. */
const DEMO_LOG_TIME = 1767225600;

/**
 * fixtures/demo: an OCI image layout shaped like `cosign save` output. `latest` is the demo image,
 * signed (legacy simple-signing `.sig`, logged in the throwaway demo log); `multi` is an unsigned
 * two-platform index. fixtures/trust holds the demo public key, a wrong key, and the demo log's root.
 */
export function buildDemo(dir: string, trustDir: string): void {
  const keys = demoKeys();
  const image = buildImage({
    seed: 'trustgate-demo',
    annotations: { 'org.opencontainers.image.title': 'trustgate demo' },
  });
  const multi = buildIndex('trustgate-demo-multi', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ]);
  const payload = simpleSigningPayload(image.manifest.digest, DEMO_REFERENCE);
  const signature = signBytes(keys.signer, payload);
  const rekorBundle = rekorBundleFor(keys.log, {
    payload,
    signature,
    signer: keys.signer,
    logIndex: 1,
    integratedTime: DEMO_LOG_TIME,
  });
  const sig = buildSigManifest([{ payload, annotations: simpleSigningAnnotations(signature, rekorBundle) }]);
  // An SBOM and a provenance, attested as cosign attest writes them (legacy .att, logged in the demo log).
  const attest = (predicateType: string, predicate: unknown, logIndex: number) => {
    const statement = statementEmbedding(
      image.manifest.digest,
      predicateType,
      Buffer.from(JSON.stringify(predicate, null, 2)),
      DEMO_REFERENCE,
    );
    const envelope = dsseEnvelope(keys.signer, statement);
    const bundle = dsseRekorBundle(keys.log, {
      envelope,
      payload: statement,
      signer: keys.signer,
      logIndex,
      integratedTime: DEMO_LOG_TIME,
    });
    return attLayer(envelope, predicateType, { [CosignAnnotation.BUNDLE]: bundle });
  };
  const atts = buildSigManifest([
    attest('https://cyclonedx.org/bom', DEMO_SBOM, 2),
    attest('https://slsa.dev/provenance/v1', DEMO_PROVENANCE(image.manifest.digest), 3),
  ]);
  // An unsigned legacy ORAS attachment beside the signed ones: listed, never counted as verified.
  const oras = buildOrasAttachment(
    image.manifest,
    DEMO_ORAS_TYPE,
    Buffer.from(`${JSON.stringify({ ...DEMO_SBOM, metadata: { tool: 'trivy' } })}\n`),
    'sbom.cdx.json',
  );
  writeLayout(
    dir,
    [...image.blobs, ...multi.blobs, sig.manifest, ...sig.blobs, atts.manifest, ...atts.blobs, ...oras.blobs],
    [
      descriptorOf(image.manifest, {
        annotations: { [REF_NAME_ANNOTATION]: 'latest', [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.IMAGE },
      }),
      descriptorOf(sig.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.SIGS } }),
      descriptorOf(atts.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.ATTS } }),
      descriptorOf(multi.index, { annotations: { [REF_NAME_ANNOTATION]: 'multi' } }),
      descriptorOf(oras.manifest, { artifactType: DEMO_ORAS_TYPE }),
    ],
  );
  mkdirSync(trustDir, { recursive: true });
  writeFileSync(join(trustDir, 'cosign.pub'), keys.signer.pem);
  writeFileSync(join(trustDir, 'wrong.pub'), keys.wrong.pem);
  writeFileSync(join(trustDir, 'trusted_root.json'), trustedRootFor(keys.log));
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Differences between two folders, as a list of relative paths. */
export function diffTrees(a: string, b: string): string[] {
  const fa = listFiles(a);
  const fb = listFiles(b);
  const diffs = new Set([...fa.filter((f) => !fb.includes(f)), ...fb.filter((f) => !fa.includes(f))]);
  for (const f of fa.filter((x) => fb.includes(x))) {
    if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) diffs.add(f);
  }
  return [...diffs].sort();
}

function main(): void {
  const check = process.argv.includes('--check');
  const target = join(root, 'fixtures');
  if (!check) {
    for (const d of ['demo', 'trust']) rmSync(join(target, d), { recursive: true, force: true });
    buildDemo(join(target, 'demo'), join(target, 'trust'));
    rmSync(join(root, 'policies', 'keys'), { recursive: true, force: true });
    buildPolicyKeys(join(root, 'policies', 'keys'));
    console.log(`wrote ${relative(root, target)}/demo, ${relative(root, target)}/trust and policies/keys`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'tg-fixtures-'));
  try {
    buildDemo(join(tmp, 'demo'), join(tmp, 'trust'));
    buildPolicyKeys(join(tmp, 'keys'));
    const diffs = [
      ...diffTrees(join(tmp, 'demo'), join(target, 'demo')),
      ...diffTrees(join(tmp, 'trust'), join(target, 'trust')),
      ...diffTrees(join(tmp, 'keys'), join(root, 'policies', 'keys')),
    ];
    if (diffs.length > 0) {
      console.error(
        `fixtures/demo, fixtures/trust or policies/keys differ from the builder's output: ${diffs.join(', ')}\nrun: npm run fixtures`,
      );
      process.exit(1);
    }
    console.log('fixtures/demo, fixtures/trust and policies/keys match the builder');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
