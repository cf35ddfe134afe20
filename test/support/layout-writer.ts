/** Write OCI image layouts (used by the fixture builder and tests). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MediaType } from '../../src/oci/media-types.js';
import type { Descriptor } from '../../src/oci/schema.js';
import { digestHex } from '../../src/reference/digest.js';
import type { Blob } from './image-builder.js';

export function writeLayout(dir: string, blobs: Blob[], manifests: Descriptor[]): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`);
  for (const b of blobs) writeFileSync(join(dir, 'blobs', 'sha256', digestHex(b.digest)), b.bytes);
  const index = { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests };
  writeFileSync(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
}
