/** The evidence archive: reproducible, self-checking, and never writing where registry data points. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  COSIGN_KIND_ANNOTATION,
  CosignLayoutKind,
  REF_NAME_ANNOTATION,
} from '../../src/oci/layout/layout-source.js';
import { exportEvidence, typeFileName } from '../../src/run/export-evidence.js';
import { attestationLayer } from '../support/attest-builder.js';
import { buildSigManifest, simpleSigningPayload } from '../support/cosign-sig.js';
import { expectFailure } from '../support/expect-failure.js';
import { buildImage, descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';
import { generateKey, signBytes, simpleSigningAnnotations } from '../support/signing.js';

const work = mkdtempSync(join(tmpdir(), 'tg-export-'));
const key = generateKey('p256');
const keyFile = join(work, 'key.pub');
writeFileSync(keyFile, key.pem);
const img = buildImage({ seed: 'export' });
const layout = join(work, 'layout');
const payload = simpleSigningPayload(img.manifest.digest, 'registry.example/app');
const sig = buildSigManifest([{ payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) }]);
const atts = buildSigManifest([
  attestationLayer(
    key,
    img.manifest.digest,
    'https://cyclonedx.org/bom',
    Buffer.from('{"bomFormat":"CycloneDX","components":[]}'),
  ),
  attestationLayer(key, img.manifest.digest, '../../etc/passwd', Buffer.from('{"evil":true}')),
]);
writeLayout(
  layout,
  [...img.blobs, sig.manifest, ...sig.blobs, atts.manifest, ...atts.blobs],
  [
    descriptorOf(img.manifest, {
      annotations: { [REF_NAME_ANNOTATION]: 'v1', [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.IMAGE },
    }),
    descriptorOf(sig.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.SIGS } }),
    descriptorOf(atts.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.ATTS } }),
  ],
);
const opts = { keys: [keyFile], ignoreTlog: true };
const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();

describe('export', () => {
  test('writes the verified payloads, raw material, manifest, summary and a SHA256SUMS that checks out', async () => {
    const dir = join(work, 'a');
    const r = await exportEvidence(`oci:${layout}:v1`, {
      ...opts,
      dir,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(r).toMatchObject({ verifiedSignatures: 1, verifiedAttestations: 2 });
    expect(listFiles(dir)).toEqual([
      'SHA256SUMS',
      'cyclonedx-0.json',
      'etc-passwd-0.json',
      'manifest.json',
      'raw/attestation-0.json',
      'raw/attestation-1.json',
      'signatures/simplesigning-0.json',
      'summary.json',
    ]);
    expect(
      createHash('sha256')
        .update(readFileSync(join(dir, 'manifest.json')))
        .digest('hex'),
    ).toBe(img.manifest.digest.slice(7));
    for (const line of readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n')) {
      const [sum, name] = line.split('  ');
      expect(
        createHash('sha256')
          .update(readFileSync(join(dir, name!)))
          .digest('hex'),
      ).toBe(sum);
    }
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      digest: img.manifest.digest,
      time: '2026-01-01T00:00:00.000Z',
      tool: { name: 'trustgate' },
    });
    expect(summary.items.filter((i: { verified: boolean }) => i.verified)).toHaveLength(3);
  });

  test('re-running gives byte-identical files and tarball, apart from the time', async () => {
    const now = new Date('2026-02-02T00:00:00Z');
    const [a, b] = [join(work, 'r1'), join(work, 'r2')];
    const ra = await exportEvidence(`oci:${layout}:v1`, { ...opts, dir: a, tar: true, now });
    const rb = await exportEvidence(`oci:${layout}:v1`, { ...opts, dir: b, tar: true, now });
    for (const f of listFiles(a))
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    expect(readFileSync(ra.tarball!).equals(readFileSync(rb.tarball!))).toBe(true);
    const c = join(work, 'r3');
    await exportEvidence(`oci:${layout}:v1`, { ...opts, dir: c, now: new Date('2026-03-03T00:00:00Z') });
    const differing = listFiles(a).filter((f) => !readFileSync(join(a, f)).equals(readFileSync(join(c, f))));
    expect(differing).toEqual(['SHA256SUMS', 'summary.json']);
  });

  test('a --dir that is a symlink to elsewhere, or not empty, is refused', async () => {
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    const link = join(work, 'link');
    symlinkSync(elsewhere, link);
    expect(
      (await expectFailure(exportEvidence(`oci:${layout}:v1`, { ...opts, dir: link }))).message,
    ).toContain('symbolic link');
    expect(readdirSync(elsewhere)).toEqual([]);
    const full = join(work, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), 'x');
    expect(
      (await expectFailure(exportEvidence(`oci:${layout}:v1`, { ...opts, dir: full }))).message,
    ).toContain('not empty');
  });

  test('type names become safe file names', () => {
    expect(typeFileName('https://slsa.dev/provenance/v1')).toBe('slsaprovenance1');
    expect(typeFileName('../../etc/passwd')).toBe('etc-passwd');
    expect(typeFileName('https://example.com/a/../../b?c=/d')).toBe('example-com-a-b-c-d');
    expect(typeFileName('/'.repeat(500))).toBe('unknown');
    expect(typeFileName('x'.repeat(500)).length).toBe(60);
  });
});

describe('export --policy', () => {
  const root = join(import.meta.dirname, '..', '..');
  const demo = {
    keys: [join(root, 'fixtures/trust/cosign.pub')],
    trustedRoot: join(root, 'fixtures/trust/trusted_root.json'),
    policy: join(root, 'fixtures/demo-policy.yaml'),
  };

  test('summary.json records the decision with its checks; re-runs stay byte-identical apart from the time', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const a = join(work, 'policy-a');
    const b = join(work, 'policy-b');
    const opts = { ...demo, imageName: 'registry.example/trustgate/demo', now };
    const ra = await exportEvidence(`oci:${join(root, 'fixtures/demo')}`, { ...opts, dir: a });
    await exportEvidence(`oci:${join(root, 'fixtures/demo')}`, { ...opts, dir: b });
    expect(ra.decision).toMatchObject({ decision: 'allow', exitCode: 0 });
    const summary = JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8'));
    expect(summary.policy).toMatchObject({
      decision: 'allow',
      policy: { name: 'demo' },
      rules: [{ name: 'demo-images', status: 'pass' }],
    });
    expect(summary.policy.effectiveTime).toBeUndefined();
    expect(readFileSync(join(a, 'SHA256SUMS'))).toEqual(readFileSync(join(b, 'SHA256SUMS')));
  });

  test('a denying policy still writes the evidence and reports the decision', async () => {
    const r = await exportEvidence(`oci:${join(root, 'fixtures/demo')}`, {
      ...demo,
      dir: join(work, 'policy-deny'),
    });
    expect(r.decision).toMatchObject({ decision: 'deny', checks: [{ id: 'noMatch', status: 'fail' }] });
    expect(JSON.parse(readFileSync(join(work, 'policy-deny', 'summary.json'), 'utf8')).policy.decision).toBe(
      'deny',
    );
  });
});
