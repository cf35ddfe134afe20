/**
 * VSAs and OCI layouts: `verify --policy --vsa DIR/ --vsa-key` on an oci: layout writes the signed
 * VSA (named by --image-name, which the policy matched); `verify-vsa` reads a VSA attached to an
 * image in a layout (a referrer manifest in the layout, as `oras cp` or `cosign save` leave one) and
 * judges it as in a registry. `--vsa-attach` pushes to registries only, and refuses a layout.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { REF_NAME_ANNOTATION } from '../../src/oci/layout/layout-source.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { RegistryClient } from '../../src/oci/registry/client.js';
import { evaluatePolicy } from '../../src/policy/evaluate/index.js';
import { compilePolicy } from '../../src/policy/load.js';
import { type Digest, digestTag, sha256Digest } from '../../src/reference/digest.js';
import { referrerManifest } from '../../src/vsa/attach.js';
import { issueVsas, vsaFileName } from '../../src/vsa/issue.js';
import { fromPrivateKey } from '../../src/vsa/signing-key.js';
import { buildSigManifest } from '../support/cosign-sig.js';
import { type Blob, type BuiltImage, buildImage, descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';
import { keySignature } from '../support/multiarch.js';
import { runCli } from '../support/run-cli.js';
import { ed25519FromLabel, fakeLog, generateKey, trustedRootFor } from '../support/signing.js';

const NAME = 'registry.example/vsa/app';
const log = fakeLog(ed25519FromLabel('vsa-layout log'));
const signer = generateKey('p256');
const vsaKeys = generateKeyPairSync('ed25519');
let dir: string;
let image: BuiltImage;
let policyFile: string;
let policySha: string;
const blob = (bytes: Buffer, mediaType: string): Blob => ({ digest: sha256Digest(bytes), bytes, mediaType });

/** The image tagged v1 with its key signature, and the given VSA bundles attached as referrers. */
function layout(name: string, img: BuiltImage, vsas: Buffer[] = []): string {
  const sig = buildSigManifest([keySignature(signer, log, img.manifest.digest, NAME)]);
  const blobs = [...img.blobs, sig.manifest, ...sig.blobs];
  const descriptors = [
    descriptorOf(img.manifest, { annotations: { [REF_NAME_ANNOTATION]: 'v1' } }),
    descriptorOf(sig.manifest, {
      annotations: { [REF_NAME_ANNOTATION]: digestTag(img.manifest.digest as Digest, '.sig') },
    }),
  ];
  for (const bundle of vsas) {
    const subject = {
      mediaType: img.manifest.mediaType,
      size: img.manifest.bytes.length,
      digest: img.manifest.digest as Digest,
    };
    const manifest = blob(referrerManifest(bundle, subject, new Date()), MediaType.OCI_MANIFEST);
    blobs.push(manifest, blob(bundle, 'application/vnd.dev.sigstore.bundle.v0.3+json'));
    blobs.push(blob(Buffer.from('{}'), MediaType.OCI_EMPTY));
    descriptors.push(descriptorOf(manifest));
  }
  const path = join(dir, name);
  writeLayout(path, blobs, descriptors);
  return `oci:${path}:v1`;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-vsa-layout-'));
  writeFileSync(join(dir, 'root.json'), trustedRootFor(log));
  writeFileSync(join(dir, 'signer.pub'), signer.pem);
  writeFileSync(join(dir, 'vsa.key'), vsaKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'vsa.pub'), vsaKeys.publicKey.export({ type: 'spki', format: 'pem' }));
  const policy = `apiVersion: trustgate.dev/v1
kind: Policy
metadata: {name: ci}
trustRoots:
  test: {trustedRoot: ${JSON.stringify(join(dir, 'root.json'))}}
authorities:
  release: {keys: [{file: ${JSON.stringify(join(dir, 'signer.pub'))}}], trustRoot: test}
rules:
  - name: signed
    images: ["registry.example/vsa/**"]
    signatures: {anyOf: [release]}
    vsaLevel: SLSA_BUILD_LEVEL_2
`;
  policyFile = join(dir, 'ci.yaml');
  writeFileSync(policyFile, policy);
  policySha = sha256Digest(Buffer.from(policy));
  image = buildImage({ seed: 'vsa-layout' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('VSAs on an OCI layout', () => {
  let bundle: Buffer;

  test('verify --policy --image-name --vsa DIR/ --vsa-key on a layout writes the signed VSA', () => {
    const out = join(dir, 'vsas');
    const r = runCli([
      'verify',
      '--policy',
      policyFile,
      '--image-name',
      NAME,
      '--vsa',
      `${out}/`,
      '--vsa-key',
      join(dir, 'vsa.key'),
      layout('ci', image),
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.OK);
    expect(r.stderr).toMatch(/VSA: oci:.*ci:v1: PASSED signed → /);
    const files = readdirSync(out);
    expect(files).toEqual([vsaFileName('registry.example/vsa/app', image.manifest.digest, true)]);
    expect(files[0]).toMatch(/^registry\.example_vsa_app-[0-9a-f]{8}@sha256-[0-9a-f]{64}\.sigstore\.json$/);
    bundle = readFileSync(join(out, files[0]!));
    const statement = JSON.parse(
      Buffer.from(JSON.parse(bundle.toString()).dsseEnvelope.payload, 'base64').toString(),
    );
    expect(statement).toMatchObject({
      subject: [{ name: NAME, digest: { sha256: image.manifest.digest.slice(7) } }],
      predicate: {
        resourceUri: `oci://${NAME}@${image.manifest.digest}`,
        policy: { digest: { sha256: policySha.slice(7) } },
        verificationResult: 'PASSED',
        verifiedLevels: ['SLSA_BUILD_LEVEL_2'],
      },
    });
  });

  test('verify-vsa reads the VSA attached in a layout, and judges it as in a registry', () => {
    const ref = layout('deploy', image, [bundle]);
    const vsa = (...args: string[]) => runCli(['verify-vsa', '--key', join(dir, 'vsa.pub'), ...args, ref]);
    const ok = vsa('--policy-digest', policySha, '--verified-levels', 'SLSA_BUILD_LEVEL_2');
    expect(ok.code, ok.stderr).toBe(ExitCode.OK);
    expect(ok.stderr).toContain('Verifying VSA: PASSED');
    // A layout has no registry name of its own: pin the name it will be pulled as with --resource-uri.
    expect(vsa('--resource-uri', `oci://${NAME}@${image.manifest.digest}`).code).toBe(ExitCode.OK);
    const elsewhere = vsa('--resource-uri', `oci://registry.example/other@${image.manifest.digest}`);
    expect(elsewhere.code).toBe(ExitCode.NONE_MATCHED);
    expect(elsewhere.stderr).toMatch(/Verifying VSA: FAILED: .*another resource/);
    const policy = vsa('--policy-digest', `sha256:${'0'.repeat(64)}`);
    expect(policy.code).toBe(ExitCode.NONE_MATCHED);
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    writeFileSync(join(dir, 'other.pub'), other);
    const wrongKey = runCli(['verify-vsa', '--key', join(dir, 'other.pub'), ref]);
    expect(wrongKey.code).toBe(ExitCode.NONE_MATCHED);
    expect(wrongKey.stderr).toContain('Verifying VSA: FAILED');
  });

  test('verify-vsa: the VSA of one image, attached to another in a layout, is refused; none at all is exit 10', () => {
    const victim = buildImage({ seed: 'vsa-layout-victim' });
    const replayed = runCli([
      'verify-vsa',
      '--key',
      join(dir, 'vsa.pub'),
      layout('replayed', victim, [bundle]),
    ]);
    expect(replayed.code).toBe(ExitCode.NONE_MATCHED);
    expect(replayed.stderr).toContain('Verifying VSA: FAILED');
    const none = runCli(['verify-vsa', '--key', join(dir, 'vsa.pub'), layout('none', image)]);
    expect(none.code).toBe(ExitCode.NO_SIGNATURES);
    expect(none.stderr).toContain('Verifying VSA: FAILED');
  });

  test('--vsa-attach on a layout is refused, saying a VSA is attached to a registry image', () => {
    const r = runCli([
      'verify',
      '--policy',
      policyFile,
      '--image-name',
      NAME,
      '--vsa',
      join(dir, 'attach.sigstore.json'),
      '--vsa-key',
      join(dir, 'vsa.key'),
      '--vsa-attach',
      layout('attach', image),
    ]);
    expect(r.code, r.stderr).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain('is an OCI layout; a VSA is attached to a registry image');
    // Refused before anything was verified or written.
    expect(existsSync(join(dir, 'attach.sigstore.json'))).toBe(false);
  });

  test('the library refuses to attach a layout named with --image-name, without touching the registry', async () => {
    const policy = compilePolicy(readFileSync(policyFile, 'utf8'), policyFile);
    if ('issues' in policy) throw new Error('policy');
    const reference = `oci:${join(dir, 'ci')}:v1`;
    const evidence = {
      reference,
      name: NAME,
      registry: 'registry.example',
      givenBy: 'tag' as const,
      digest: image.manifest.digest,
      signatures: [],
      attestations: [],
      rejections: {},
      signers: [],
    };
    const decision = evaluatePolicy(policy.policy, evidence, new Date());
    const untouchable = new Proxy({} as RegistryClient, {
      get: () => {
        throw new Error('the registry client was used');
      },
    });
    await expect(
      issueVsas([{ decision, evidence }], policy.policy, {
        target: { kind: 'file', path: join(dir, 'library.sigstore.json') },
        key: fromPrivateKey(vsaKeys.privateKey),
        verifierId: 'https://ci.example/v',
        attach: untouchable,
      }),
    ).rejects.toThrow('is an OCI layout; a VSA is attached to a registry image');
  });
});
