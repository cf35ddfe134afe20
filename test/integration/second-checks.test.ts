/**
 * Second, independent tests for checks that a planted fault showed were each caught by one test only,
 * here end to end through the CLI on OCI layouts (the first ones are library or unit tests over
 * in-memory sources or a registry client):
 * - a sign bundle whose statement subject names another digest (test/unit/verify-signatures.test.ts);
 * - the SET of an old Rekor `intoto` 0.0.1 entry (test/unit/attestations.test.ts);
 * - blob bytes checked against their digest (test/integration/faults.test.ts, test/unit/layout-source.test.ts),
 *   here from a layout on disk and from a registry behind a proxy that changes one byte of a blob.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CosignAnnotation, CosignMediaType } from '../../src/discovery/media-types.js';
import { ExitCode } from '../../src/exit-codes.js';
import {
  COSIGN_KIND_ANNOTATION,
  CosignLayoutKind,
  REF_NAME_ANNOTATION,
} from '../../src/oci/layout/layout-source.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { sha256Digest } from '../../src/reference/digest.js';
import { attLayer, dsseEnvelope } from '../support/cosign-att.js';
import { buildSigManifest, type SigLayer, simpleSigningPayload } from '../support/cosign-sig.js';
import { startFaultServer } from '../support/fault-server.js';
import { type Blob, buildImage, descriptorOf } from '../support/image-builder.js';
import { keylessWorld } from '../support/keyless.js';
import { writeLayout } from '../support/layout-writer.js';
import { pushSig } from '../support/push.js';
import { startRegistry } from '../support/registry.js';
import { repoRoot } from '../support/repo-root.js';
import { runCli } from '../support/run-cli.js';
import {
  COSIGN_SIGN_V1,
  fakeLog,
  generateKey,
  intotoV001RekorBundle,
  rekorBundleFor,
  signBytes,
  simpleSigningAnnotations,
  statementFor,
} from '../support/signing.js';

const SLSA = 'https://slsa.dev/provenance/v0.2';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-second-checks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A cosign-save-shaped layout: the image, and optionally `.sig` / `.att` manifests of these layers. */
function cosignLayout(name: string, seed: string, sigs: SigLayer[], atts: SigLayer[] = []): string {
  const image = buildImage({ seed });
  const blobs: Blob[] = [...image.blobs];
  const descriptors = [
    descriptorOf(image.manifest, {
      annotations: { [REF_NAME_ANNOTATION]: 'latest', [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.IMAGE },
    }),
  ];
  for (const [layers, kind] of [
    [sigs, CosignLayoutKind.SIGS],
    [atts, CosignLayoutKind.ATTS],
  ] as const) {
    if (layers.length === 0) continue;
    const m = buildSigManifest(layers);
    blobs.push(m.manifest, ...m.blobs);
    descriptors.push(descriptorOf(m.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: kind } }));
  }
  const path = join(dir, name);
  writeLayout(path, blobs, descriptors);
  return path;
}

describe('a sign bundle (OCI 1.1 referrer) whose statement names another digest', () => {
  let root: string;
  let keyFile: string;
  const layouts: Record<string, string> = {};

  beforeAll(async () => {
    const world = await keylessWorld();
    root = join(dir, 'bundle-root.json');
    writeFileSync(root, world.trustedRootJson);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    keyFile = join(dir, 'bundle-key.pub');
    writeFileSync(keyFile, pem);
    for (const [name, names] of [
      ['own', 'own'],
      ['other', 'other'],
    ] as const) {
      const image = buildImage({ seed: `sign-bundle-${name}` });
      const other = buildImage({ seed: 'sign-bundle-someone-else' }).manifest.digest;
      const subject = names === 'own' ? image.manifest.digest : other;
      const bundle = await world.signBundle(statementFor(subject, COSIGN_SIGN_V1), { privateKey, pem });
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
          subject: descriptorOf(image.manifest),
          annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' },
        }),
      );
      const referrer: Blob = {
        digest: sha256Digest(referrerBytes),
        bytes: referrerBytes,
        mediaType: MediaType.OCI_MANIFEST,
      };
      const path = join(dir, `sign-bundle-${name}`);
      writeLayout(
        path,
        [...image.blobs, layer, config, referrer],
        [
          descriptorOf(image.manifest, { annotations: { [REF_NAME_ANNOTATION]: 'latest' } }),
          descriptorOf(referrer),
        ],
      );
      layouts[name] = path;
    }
  });

  const verify = (path: string) =>
    runCli(['verify', '--key', keyFile, '--trusted-root', root, `oci:${path}:latest`]);

  test('naming this image: verified (exit 0)', () => {
    const r = verify(layouts.own!);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.OK);
  });

  test('naming another digest: none matched (exit 12), saying so', () => {
    const r = verify(layouts.other!);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout + r.stderr).toContain('does not name this image');
  });
});

describe('a legacy .att logged as a Rekor intoto 0.0.1 entry', () => {
  const log = fakeLog(generateKey('p256'));
  const otherLog = fakeLog(generateKey('p256'));
  const key = generateKey('p256');
  let root: string;
  let keyFile: string;

  const layout = (
    name: string,
    opts: { signedBy?: typeof log; alter?: (b: { Payload: Record<string, unknown> }) => void } = {},
  ) => {
    const digest = buildImage({ seed: 'intoto-v001' }).manifest.digest;
    const stmt = statementFor(digest, SLSA, { builder: { id: 'https://builder.example' } });
    const envelope = dsseEnvelope(key, stmt);
    let bundle = intotoV001RekorBundle(opts.signedBy ?? log, {
      envelope,
      payload: stmt,
      signer: key,
      logIndex: 41,
      integratedTime: 1780099200,
    });
    if (opts.alter) {
      const b = JSON.parse(bundle);
      opts.alter(b);
      bundle = JSON.stringify(b);
    }
    return cosignLayout(
      name,
      'intoto-v001',
      [],
      [attLayer(envelope, SLSA, { [CosignAnnotation.BUNDLE]: bundle })],
    );
  };

  beforeAll(async () => {
    const { trustedRootFor } = await import('../support/signing.js');
    root = join(dir, 'intoto-root.json');
    writeFileSync(root, trustedRootFor(log));
    keyFile = join(dir, 'intoto-key.pub');
    writeFileSync(keyFile, key.pem);
  });

  const verify = (path: string) =>
    runCli([
      'verify-attestation',
      '--key',
      keyFile,
      '--trusted-root',
      root,
      '--type',
      'slsaprovenance',
      `oci:${path}`,
    ]);

  test('with the SET of the trusted log: verified (exit 0)', () => {
    const r = verify(layout('intoto-good'));
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.OK);
  });

  test('with a SET signed by a log the trusted root does not name: none matched (exit 12)', () => {
    const r = verify(layout('intoto-other-log', { signedBy: otherLog }));
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
  });

  test('with the SET kept but the logged time changed under it: none matched (exit 12)', () => {
    const r = verify(
      layout('intoto-altered', {
        alter: (b) => {
          b.Payload.integratedTime = (b.Payload.integratedTime as number) + 1;
        },
      }),
    );
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout + r.stderr).toContain('SET');
  });

  test('with the SET replaced by one over other content: none matched (exit 12)', () => {
    const r = verify(
      layout('intoto-forged', {
        alter: (b) => {
          (b as unknown as { SignedEntryTimestamp: string }).SignedEntryTimestamp = signBytes(
            log.key,
            Buffer.from('not the entry'),
          );
        },
      }),
    );
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
  });
});

describe('blob bytes are checked against their digest', () => {
  const log = fakeLog(generateKey('p256'));
  const key = generateKey('p256');

  test('a .sig layer whose bytes on disk do not match its digest: failure (exit 1) naming both digests', async () => {
    const { trustedRootFor } = await import('../support/signing.js');
    const root = join(dir, 'blob-root.json');
    writeFileSync(root, trustedRootFor(log));
    const keyFile = join(dir, 'blob-key.pub');
    writeFileSync(keyFile, key.pem);
    const digest = buildImage({ seed: 'blob-digest' }).manifest.digest;
    const payload = simpleSigningPayload(digest, 'registry.example/blob-digest');
    const signature = signBytes(key, payload);
    const bundle = rekorBundleFor(log, {
      payload,
      signature,
      signer: key,
      logIndex: 3,
      integratedTime: 1780099200,
    });
    const path = cosignLayout('blob-digest', 'blob-digest', [
      { payload, annotations: simpleSigningAnnotations(signature, bundle) },
    ]);
    const verify = () =>
      runCli(['verify', '--key', keyFile, '--trusted-root', root, '-o', 'tree', `oci:${path}`]);
    expect(verify().code).toBe(ExitCode.OK);
    // Same length, one byte changed: only the digest can tell.
    const file = join(path, 'blobs', 'sha256', sha256Digest(payload).slice(7));
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 2) ^ 1, bytes.length - 2);
    writeFileSync(file, bytes);
    const r = verify();
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.FAILURE);
    expect(r.stdout).toContain(`blob ${sha256Digest(payload)} has content digest`);
  });
});

/** runCli without blocking this process, which serves the proxy the CLI talks to. */
function runCliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'trustgate.js'), ...args], {
      cwd: repoRoot(),
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('blob bytes from a registry are checked against their digest', () => {
  const log = fakeLog(generateKey('p256'));
  const key = generateKey('p256');

  test('a registry (a proxy in front of a real one) serving other bytes for the .sig layer: failure (exit 1)', async () => {
    const { trustedRootFor } = await import('../support/signing.js');
    const root = join(dir, 'registry-blob-root.json');
    writeFileSync(root, trustedRootFor(log));
    const keyFile = join(dir, 'registry-blob-key.pub');
    writeFileSync(keyFile, key.pem);
    const reg = await startRegistry();
    const client = new RegistryClient({ useDockerConfig: false });
    const image = buildImage({ seed: 'registry-blob-digest' });
    await reg.push('second/blob', image, 'v1');
    const payload = simpleSigningPayload(image.manifest.digest, `${reg.host}/second/blob`);
    const signature = signBytes(key, payload);
    const bundle = rekorBundleFor(log, {
      payload,
      signature,
      signer: key,
      logIndex: 4,
      integratedTime: 1780099200,
    });
    await pushSig(client, reg.host, 'second/blob', image.manifest.digest, [
      { payload, annotations: simpleSigningAnnotations(signature, bundle) },
    ]);
    const target = `/v2/second/blob/blobs/${sha256Digest(payload)}`;
    // Same length, one byte changed, every header as the registry sent it: only the digest can tell.
    const proxy = await startFaultServer((req, res) => {
      const up = request(
        {
          host: '127.0.0.1',
          port: Number(reg.host.split(':')[1]),
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (upRes) => {
          if (req.url !== target || req.method !== 'GET') {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
            return;
          }
          const chunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('end', () => {
            const body = Buffer.concat(chunks);
            body.writeUInt8(body.readUInt8(body.length - 2) ^ 1, body.length - 2);
            res.writeHead(upRes.statusCode ?? 502, upRes.headers).end(body);
          });
        },
      );
      req.pipe(up);
    });
    try {
      const verify = (host: string) =>
        runCliAsync(['verify', '--key', keyFile, '--trusted-root', root, `${host}/second/blob:v1`]);
      const direct = await verify(reg.host);
      expect(direct.code, direct.stdout + direct.stderr).toBe(ExitCode.OK);
      const r = await verify(proxy.host);
      expect(r.code, r.stdout + r.stderr).toBe(ExitCode.FAILURE);
      expect(r.stdout + r.stderr).toContain(sha256Digest(payload));
      expect(proxy.seen.some((s) => s.url === target)).toBe(true);
    } finally {
      await proxy.close();
      await client.close();
      await reg.stop();
    }
  });
});
