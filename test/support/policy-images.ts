/**
 * Images for policy tests, as cosign-save-shaped OCI layouts: a deterministic image, signed and
 * attested (legacy `.sig` / `.att`, all logged) by keys in a fake log or by keyless identities in a
 * throwaway keyless world. Evaluated by name with `imageName`, as if pulled from a registry.
 */
import { join } from 'node:path';
import { CosignAnnotation } from '../../src/discovery/media-types.js';
import {
  COSIGN_KIND_ANNOTATION,
  CosignLayoutKind,
  REF_NAME_ANNOTATION,
} from '../../src/oci/layout/layout-source.js';
import { predicateTypeFor } from '../../src/verify/attestations.js';
import { statementEmbedding } from './attest-builder.js';
import { attLayer, dsseEnvelope } from './cosign-att.js';
import { buildSigManifest, type SigLayer, simpleSigningPayload } from './cosign-sig.js';
import { buildImage, descriptorOf } from './image-builder.js';
import type { KeylessIdentity, KeylessWorld } from './keyless.js';
import { writeLayout } from './layout-writer.js';
import {
  dsseRekorBundle,
  type FakeLog,
  rekorBundleFor,
  signBytes,
  simpleSigningAnnotations,
  type TestKey,
} from './signing.js';

export type Signer =
  | { kind: 'key'; key: TestKey; log: FakeLog; time?: number }
  | { kind: 'keyless'; world: KeylessWorld; who: KeylessIdentity };

export interface PolicyImageSpec {
  /** Seeds the image bytes, so that each spec has its own digest. */
  seed: string;
  signatures?: Signer[];
  attestations?: Array<{ type: string; predicate: unknown; by: Signer }>;
}

/** 2026-05-30T00:00:00Z: the default log time of key-signed entries. */
export const DEFAULT_LOG_TIME = 1780099200;

let logIndex = 100;

export async function writePolicyImage(
  dir: string,
  spec: PolicyImageSpec,
): Promise<{ ref: string; digest: string }> {
  const image = buildImage({ seed: spec.seed });
  const digest = image.manifest.digest;
  const sigLayers: SigLayer[] = [];
  for (const s of spec.signatures ?? []) {
    const payload = simpleSigningPayload(digest, `registry.example/${spec.seed}`);
    if (s.kind === 'key') {
      const signature = signBytes(s.key, payload);
      const bundle = rekorBundleFor(s.log, {
        payload,
        signature,
        signer: s.key,
        logIndex: logIndex++,
        integratedTime: s.time ?? DEFAULT_LOG_TIME,
      });
      sigLayers.push({ payload, annotations: simpleSigningAnnotations(signature, bundle) });
    } else {
      const signed = await s.world.signLegacy(payload, s.who);
      sigLayers.push({
        payload,
        annotations: {
          ...simpleSigningAnnotations(signed.signature, signed.rekorBundle),
          [CosignAnnotation.CERTIFICATE]: signed.certificate,
          [CosignAnnotation.CHAIN]: signed.chain,
        },
      });
    }
  }
  const attLayers: SigLayer[] = [];
  for (const a of spec.attestations ?? []) {
    const predicateType = predicateTypeFor(a.type);
    const statement = statementEmbedding(digest, predicateType, Buffer.from(JSON.stringify(a.predicate)));
    if (a.by.kind === 'key') {
      const envelope = dsseEnvelope(a.by.key, statement);
      const bundle = dsseRekorBundle(a.by.log, {
        envelope,
        payload: statement,
        signer: a.by.key,
        logIndex: logIndex++,
        integratedTime: a.by.time ?? DEFAULT_LOG_TIME,
      });
      attLayers.push(attLayer(envelope, predicateType, { [CosignAnnotation.BUNDLE]: bundle }));
    } else {
      const signed = await a.by.world.signLegacyAttestation(statement, a.by.who);
      attLayers.push(
        attLayer(signed.envelope, predicateType, {
          [CosignAnnotation.BUNDLE]: signed.rekorBundle,
          ...(signed.certificate ? { [CosignAnnotation.CERTIFICATE]: signed.certificate } : {}),
          ...(signed.chain ? { [CosignAnnotation.CHAIN]: signed.chain } : {}),
        }),
      );
    }
  }
  const blobs = [...image.blobs];
  const descriptors = [
    descriptorOf(image.manifest, {
      annotations: { [REF_NAME_ANNOTATION]: 'latest', [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.IMAGE },
    }),
  ];
  if (sigLayers.length > 0) {
    const sigs = buildSigManifest(sigLayers);
    blobs.push(sigs.manifest, ...sigs.blobs);
    descriptors.push(
      descriptorOf(sigs.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.SIGS } }),
    );
  }
  if (attLayers.length > 0) {
    const atts = buildSigManifest(attLayers);
    blobs.push(atts.manifest, ...atts.blobs);
    descriptors.push(
      descriptorOf(atts.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.ATTS } }),
    );
  }
  const path = join(dir, spec.seed);
  writeLayout(path, blobs, descriptors);
  return { ref: `oci:${path}`, digest };
}
