/** The legacy cosign tags beside an image (or in the signature repository): `sha256-<hex>.sig` and `.att`. */
import { TrustgateError } from '../errors.js';
import { parseManifest } from '../oci/schema.js';
import type { ImageSource } from '../oci/source.js';
import { type Digest, digestTag } from '../reference/digest.js';
import { EVERY_FORMAT, legacyTagName } from './formats.js';
import {
  type LoadedManifest,
  readDsseLayers,
  readSimpleSigningLayers,
  simpleSigningGuesses,
} from './layers.js';
import { CosignAnnotation, CosignMediaType } from './media-types.js';
import { type Deferral, type DiscoverOptions, stageOf } from './reading.js';
import type { Discovery } from './types.js';

/** The legacy cosign tags: `sha256-<hex>.sig`, and `.att` when attestations are asked for. */
export async function discoverLegacyTags(
  source: ImageSource,
  digest: Digest,
  options: DiscoverOptions,
  result: Discovery,
  deferral?: Deferral,
): Promise<void> {
  const formats = options.formats ?? EVERY_FORMAT;
  if (!formats.legacyTags && !(formats.legacyTagsUnlessBundles && result.bundles.length === 0)) return;
  const sigSource = options.signatureSource ?? source;
  const tagOf = (suffix: string) =>
    legacyTagName(sigSource.name, digestTag(digest, suffix), options.tagPrefix);
  const sigTag = tagOf('.sig');
  result.searched.push(`${sigSource.name}:${sigTag}`);
  const legacySig = await manifestIfPresent(sigSource, sigTag);
  if (legacySig) {
    const reading = {
      ...stageOf(sigSource, result, options),
      via: `tag:${sigTag}`,
      guesses: simpleSigningGuesses(source.name, digest),
    };
    result.simpleSigning.push(...(await readSimpleSigningLayers(reading, legacySig)));
  }
  if (options.attestations) {
    const attTag = tagOf('.att');
    result.searched.push(`${sigSource.name}:${attTag}`);
    const legacyAtt = await manifestIfPresent(sigSource, attTag);
    if (legacyAtt) {
      const plan = deferral?.plan;
      const wanted = (a: Record<string, string>) => {
        const pt = a[CosignAnnotation.PREDICATE_TYPE];
        return !plan || pt === undefined || plan.wants(pt);
      };
      const reading = { ...stageOf(sigSource, result, options), via: `tag:${attTag}`, keep: wanted };
      result.dsseLayers.push(...(await readDsseLayers(reading, legacyAtt)));
      const unwanted = legacyAtt.manifest.layers.filter(
        (l) => l.mediaType === CosignMediaType.DSSE_ENVELOPE && !wanted(l.annotations ?? {}),
      );
      if (unwanted.length > 0)
        deferral?.skipped.push(
          `${unwanted.length} layer(s) of ${sigSource.name}:${attTag} (${[...new Set(unwanted.map((l) => l.annotations?.[CosignAnnotation.PREDICATE_TYPE]))].join(', ')})`,
        );
    }
  }
}

async function manifestIfPresent(source: ImageSource, tag: string): Promise<LoadedManifest | undefined> {
  try {
    const m = await source.getManifest(tag);
    const parsed = await parseManifest(m.bytes, m.mediaType, `${source.name}:${tag}`);
    if (parsed.kind !== 'manifest') {
      throw new TrustgateError(
        'MANIFEST_INVALID',
        `${source.name}:${tag} is an index, not a cosign signature manifest`,
      );
    }
    return { digest: m.digest, manifest: parsed.manifest };
  } catch (e) {
    if (e instanceof TrustgateError && (e.code === 'MANIFEST_UNKNOWN' || e.code === 'NAME_UNKNOWN'))
      return undefined;
    throw e;
  }
}
