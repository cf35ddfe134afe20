/** OCI 1.1 referrers of a digest: cosign 2 signatures, Sigstore bundles, and unsigned attachments. */
import { TrustgateError } from '../errors.js';
import type { Descriptor } from '../oci/schema.js';
import { parseManifest } from '../oci/schema.js';
import type { ImageSource } from '../oci/source.js';
import type { Digest } from '../reference/digest.js';
import { type DiscoveryFormats, EVERY_FORMAT, formatsNote } from './formats.js';
import { fetchPayload, readSimpleSigningLayers, simpleSigningGuesses } from './layers.js';
import { CosignAnnotation, CosignMediaType } from './media-types.js';
import { type Deferral, type DiscoverOptions, type Stage, skipsReferrer, stageOf } from './reading.js';
import type { Discovery, SigstoreBundleArtifact, UnsignedAttachment } from './types.js';

/** OCI 1.1 referrers of the digest: the referrers API, or the `sha256-<hex>` tag fallback. */
export async function discoverReferrers(
  source: ImageSource,
  digest: Digest,
  options: DiscoverOptions,
  result: Discovery,
  deferral?: Deferral,
): Promise<void> {
  const formats = options.formats ?? EVERY_FORMAT;
  if (!formats.bundles && !formats.signatureReferrers) return;
  const stage = stageOf(source, result, options);
  const referrers = await source.referrers(digest);
  const note = formatsNote(formats);
  result.searched.push(`referrers of ${source.name}@${digest} (${referrers.via}${note ? `; ${note}` : ''})`);
  if (referrers.descriptors.length > stage.limits.maxReferrers) {
    throw new TrustgateError(
      'COUNT_LIMIT',
      `${source.name}@${digest} has ${referrers.descriptors.length} referrers, over the limit of ${stage.limits.maxReferrers}`,
    );
  }
  for (const d of referrers.descriptors) {
    // The referrers API copies each manifest's annotations into its entry; cosign's fallback index does not.
    if (!skipsReferrer(deferral, d.digest, d.annotations?.[CosignAnnotation.BUNDLE_PREDICATE_TYPE]))
      await readReferrer(stage, digest, d, referrers.via, result, formats, deferral);
  }
}

/**
 * One referrer. The manifest itself is read, never the index entry's artifactType alone: cosign's
 * fallback index can carry the wrong one (application/vnd.oci.empty.v1+json).
 */
async function readReferrer(
  stage: Stage,
  subject: Digest,
  d: Descriptor,
  via: string,
  result: Discovery,
  formats: DiscoveryFormats,
  deferral?: Deferral,
): Promise<void> {
  const { source } = stage;
  const m = await source.getManifest(d.digest);
  const parsed = await parseManifest(m.bytes, m.mediaType, `referrer ${source.name}@${d.digest}`);
  if (parsed.kind !== 'manifest') {
    result.unsigned.push({
      format: 'unsigned',
      digest: d.digest,
      artifactType: d.artifactType ?? m.mediaType,
      via,
    });
    return;
  }
  const manifest = parsed.manifest;
  // A referrers list that names a manifest about another digest is not evidence about this one.
  if (manifest.subject?.digest !== subject) return;
  const artifactType = manifest.artifactType ?? manifest.config.mediaType;
  const loaded = { digest: d.digest, manifest };
  if (artifactType === CosignMediaType.SIGSTORE_BUNDLE_V03) {
    if (!formats.bundles) return;
    const layer = manifest.layers[0];
    if (manifest.layers.length !== 1 || !layer || layer.mediaType !== CosignMediaType.SIGSTORE_BUNDLE_V03) {
      throw new TrustgateError(
        'MANIFEST_INVALID',
        `bundle referrer ${source.name}@${d.digest} must have exactly one bundle layer`,
      );
    }
    const pt = manifest.annotations?.[CosignAnnotation.BUNDLE_PREDICATE_TYPE];
    if (skipsReferrer(deferral, d.digest, pt)) return;
    const bytes = await fetchPayload(stage, layer.digest);
    const item: SigstoreBundleArtifact = {
      format: 'sigstore-bundle',
      origin: { via: `referrer:${via}`, manifest: d.digest, layer: layer.digest },
      bytes,
    };
    if (pt) item.annotatedPredicateType = pt;
    result.bundles.push(item);
    return;
  }
  if (artifactType === CosignMediaType.ARTIFACT_SIG) {
    if (!formats.signatureReferrers) return;
    const reading = { ...stage, via: `referrer:${via}`, guesses: simpleSigningGuesses(source.name, subject) };
    result.simpleSigning.push(...(await readSimpleSigningLayers(reading, loaded)));
    return;
  }
  const u: UnsignedAttachment = { format: 'unsigned', digest: d.digest, artifactType, via };
  if (manifest.annotations) u.annotations = manifest.annotations;
  result.unsigned.push(u);
}
