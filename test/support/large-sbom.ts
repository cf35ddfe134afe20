/** A CycloneDX SBOM of about `bytes` bytes, attested into a cosign-save-shaped layout, for size tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COSIGN_KIND_ANNOTATION,
  CosignLayoutKind,
  REF_NAME_ANNOTATION,
} from '../../src/oci/layout/layout-source.js';
import { attestationLayer } from './attest-builder.js';
import { buildSigManifest } from './cosign-sig.js';
import { buildImage, descriptorOf } from './image-builder.js';
import { writeLayout } from './layout-writer.js';
import { generateKey } from './signing.js';

export function cycloneDxOfSize(bytes: number): Buffer {
  const head = '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[';
  const parts: string[] = [];
  let size = head.length + 2;
  for (let i = 0; size < bytes; i++) {
    const c = `{"type":"library","name":"pkg-${i}","version":"1.${i % 100}.0","purl":"pkg:npm/pkg-${i}@1.${i % 100}.0"}`;
    parts.push(c);
    size += c.length + 1;
  }
  return Buffer.from(`${head}${parts.join(',')}]}`);
}

/** Writes the layout and the public key; returns their paths and the SBOM bytes. */
export function largeSbomLayout(
  dir: string,
  bytes: number,
): { layout: string; keyFile: string; sbom: Buffer } {
  const key = generateKey('p256');
  const img = buildImage({ seed: `large-sbom-${bytes}` });
  const sbom = cycloneDxOfSize(bytes);
  const atts = buildSigManifest([
    attestationLayer(key, img.manifest.digest, 'https://cyclonedx.org/bom', sbom),
  ]);
  const layout = join(dir, 'layout');
  writeLayout(
    layout,
    [...img.blobs, atts.manifest, ...atts.blobs],
    [
      descriptorOf(img.manifest, {
        annotations: { [REF_NAME_ANNOTATION]: 'v1', [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.IMAGE },
      }),
      descriptorOf(atts.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.ATTS } }),
    ],
  );
  const keyFile = join(dir, 'key.pub');
  writeFileSync(keyFile, key.pem);
  return { layout, keyFile, sbom };
}
