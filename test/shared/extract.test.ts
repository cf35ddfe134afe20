/**
 * extract hands out exactly the verified bytes: conforma's real SLSA attestation, and cosign's SPDX,
 * CycloneDX and vuln test predicates attested by the fixture builder, round-tripping byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import {
  COSIGN_KIND_ANNOTATION,
  CosignLayoutKind,
  REF_NAME_ANNOTATION,
} from '../../src/oci/layout/layout-source.js';
import { attestationLayer } from '../support/attest-builder.js';
import { buildSigManifest } from '../support/cosign-sig.js';
import { buildImage, descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';
import { repoRoot } from '../support/repo-root.js';
import { sharedMissingReason, sharedPath } from '../support/shared-data.js';
import { generateKey } from '../support/signing.js';

const missing = sharedMissingReason('conforma') ?? sharedMissingReason('cosign', 'test', 'testdata');
if (missing) console.warn(missing);
const work = mkdtempSync(join(tmpdir(), 'tg-extract-'));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'trustgate.js'), ...args], {
    encoding: 'buffer',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

describe.skipIf(missing !== undefined)('extract', () => {
  test("conforma's SLSA attestation: the extracted statement's sha256 is the DSSE payload's", () => {
    const layout = sharedPath('conforma', 'acceptance', 'image', 'testimage');
    const blobs = join(layout, 'blobs', 'sha256');
    const att = JSON.parse(
      readFileSync(join(blobs, '8bd6efa7b156bb334427c63b32d6a484288a205e8cdc468c882275d046f059df'), 'utf8'),
    );
    const envelope = JSON.parse(readFileSync(join(blobs, att.layers[0].digest.slice(7)), 'utf8'));
    const payload = Buffer.from(envelope.payload, 'base64');
    const tufDir = sharedPath('conforma', 'acceptance', 'wiremock', 'recordings', 'tuf', '__files');
    const root = join(tufDir, readdirSync(tufDir).find((f) => f.includes('trusted_root'))!);
    const r = cli([
      'extract',
      '--type',
      'slsaprovenance',
      '--trusted-root',
      root,
      '--certificate-identity',
      'https://kubernetes.io/namespaces/default/serviceaccounts/default',
      '--certificate-oidc-issuer',
      'https://kubernetes.default.svc.cluster.local',
      `oci:${layout}`,
    ]);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
    expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(
      createHash('sha256').update(payload).digest('hex'),
    );
    expect(r.stderr).toContain(`sha256:${createHash('sha256').update(payload).digest('hex')}`);
  });

  describe("cosign's test predicates, attested by the builder", () => {
    const key = generateKey('p256');
    const img = buildImage({ seed: 'extract-predicates' });
    const files = {
      spdxjson: sharedPath('cosign', 'test', 'testdata', 'bom-go-mod.spdx.json'),
      cyclonedx: sharedPath('cosign', 'test', 'testdata', 'bom-go-mod.cyclonedx.json'),
      vuln: sharedPath('cosign', 'test', 'testdata', 'test-result.json'),
    };
    const types = {
      spdxjson: 'https://spdx.dev/Document',
      cyclonedx: 'https://cyclonedx.org/bom',
      vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
    };
    const dir = join(work, 'layout');
    const keyFile = join(work, 'key.pub');
    // Read in beforeAll: a skipped describe still runs its body to collect tests, and ../shared may be absent.
    beforeAll(() => {
      const layers = Object.entries(files).map(([t, f]) =>
        attestationLayer(key, img.manifest.digest, types[t as keyof typeof types], readFileSync(f)),
      );
      const cdx2 = attestationLayer(key, img.manifest.digest, types.cyclonedx, readFileSync(files.cyclonedx));
      const atts = buildSigManifest([...layers, cdx2]);
      writeLayout(
        dir,
        [...img.blobs, atts.manifest, ...atts.blobs],
        [
          descriptorOf(img.manifest, {
            annotations: { [REF_NAME_ANNOTATION]: 'v1', [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.IMAGE },
          }),
          descriptorOf(atts.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.ATTS } }),
        ],
      );
      writeFileSync(keyFile, key.pem);
    });
    const base = ['--key', keyFile, '--insecure-ignore-tlog', `oci:${dir}`];

    test.each(['spdxjson', 'vuln'] as const)('%s round-trips byte for byte through --predicate-only', (t) => {
      const r = cli(['extract', '--type', t, '--predicate-only', ...base]);
      expect(r.code, r.stderr).toBe(ExitCode.OK);
      expect(r.stdout.equals(Buffer.from(readFileSync(files[t], 'utf8').trimEnd()))).toBe(true);
    });

    test('two matches without a choice is an error that lists them (exit 2), --index and --all choose', () => {
      const r = cli(['extract', '--type', 'cyclonedx', '--predicate-only', ...base]);
      expect(r.code).toBe(ExitCode.USAGE);
      expect(r.stderr).toContain('2 verified');
      expect(r.stderr).toContain('[1]');
      const one = cli(['extract', '--type', 'cyclonedx', '--predicate-only', '--index', '1', ...base]);
      expect(one.code).toBe(ExitCode.OK);
      expect(one.stdout.equals(Buffer.from(readFileSync(files.cyclonedx, 'utf8').trimEnd()))).toBe(true);
      const out = join(work, 'cdx.json');
      const all = cli(['extract', '--type', 'cyclonedx', '--all', '--output', out, ...base]);
      expect(all.code).toBe(ExitCode.OK);
      expect(readFileSync(`${out}.0`).length).toBeGreaterThan(100);
      expect(readFileSync(`${out}.1`).length).toBeGreaterThan(100);
    });

    test('the wrong key extracts nothing (exit 12); a missing type extracts nothing (exit 10)', () => {
      const other = join(work, 'other.pub');
      writeFileSync(other, generateKey('p256').pem);
      const wrong = cli([
        'extract',
        '--type',
        'spdxjson',
        '--key',
        other,
        '--insecure-ignore-tlog',
        `oci:${dir}`,
      ]);
      expect(wrong.code).toBe(ExitCode.NONE_MATCHED);
      expect(wrong.stdout.length).toBe(0);
      const none = cli(['extract', '--type', 'openvex', ...base]);
      expect(none.code).toBe(ExitCode.NO_SIGNATURES);
      expect(none.stderr).toContain('found:');
    });

    test('an --output that is a symlink to elsewhere is refused', () => {
      const target = join(work, 'elsewhere.txt');
      writeFileSync(target, 'keep me');
      const link = join(work, 'link.json');
      symlinkSync(target, link);
      const r = cli(['extract', '--type', 'spdxjson', '--output', link, ...base]);
      expect(r.code).toBe(ExitCode.USAGE);
      expect(readFileSync(target, 'utf8')).toBe('keep me');
    });
  });
});
