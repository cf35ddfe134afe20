/**
 * The BuildKit attestations that describe a resolved image: read from the index the reference named
 * (all children), or, when a platform was selected, from the index it was selected from (that child
 * only). An image that is neither an index nor a child of one has none, and costs no request.
 */
import {
  BuildkitAnnotation,
  type BuildkitFindings,
  type BuildkitOptions,
  discoverBuildkit,
  isBuildkitAttestationEntry,
} from '../discovery/buildkit.js';
import type { DiscoveryLimits } from '../discovery/reading.js';
import { isReferenceEntry } from '../oci/attestation-entry.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { parseManifest } from '../oci/schema.js';
import type { UnsignedEvidence } from '../policy/evidence.js';
import type { CompiledPolicy } from '../policy/load.js';
import type { ResolvedImage } from '../resolve/resolve.js';
import { checkBuildkitStatements } from '../verify/buildkit.js';

export async function buildkitOf(
  image: ResolvedImage,
  limits: Partial<DiscoveryLimits> | undefined,
  read?: BuildkitOptions['read'],
): Promise<BuildkitFindings | undefined> {
  const options: BuildkitOptions = { ...(limits ? { limits } : {}), ...(read ? { read } : {}) };
  let found: BuildkitFindings | undefined;
  if (image.index)
    found = await discoverBuildkit(image.source, image.index, { ...options, child: image.digest });
  // A digest-only resolve leaves the media type empty: the index itself says what it is.
  else if (image.mediaType === '' || isIndexMediaType(image.mediaType))
    found = await discoverBuildkit(image.source, image.digest, options);
  return found && checkBuildkitStatements(found);
}

/**
 * How many BuildKit attestation manifests describe the image (for a hint, never a verdict): read only
 * when the image was resolved from an index (the index given, or the one its platform was selected
 * from), one manifest request; any other image, including one resolved by digest alone whose media
 * type is unknown, costs none and counts 0. Only entries naming a runnable image of the index count.
 */
export async function buildkitManifestCount(image: ResolvedImage): Promise<number> {
  const index = image.index ?? (isIndexMediaType(image.mediaType) ? image.digest : undefined);
  if (!index) return 0;
  const m = await image.source.getManifest(index);
  const parsed = await parseManifest(m.bytes, m.mediaType, `index ${image.source.name}@${index}`);
  if (parsed.kind !== 'index') return 0;
  const runnable = new Set<string>(
    parsed.index.manifests.filter((d) => !isReferenceEntry(d)).map((d) => d.digest),
  );
  return parsed.index.manifests.filter((d) => {
    const names = d.annotations?.[BuildkitAnnotation.REFERENCE_DIGEST];
    return (
      isBuildkitAttestationEntry(d) &&
      names !== undefined &&
      runnable.has(names) &&
      (image.index === undefined || names === image.digest)
    );
  }).length;
}

/**
 * A policy's view of them (policy/evidence.ts): the statements of the types asked for, read and
 * digest-checked, with the runnable images they may describe. Undefined when there is no index.
 */
export async function unsignedEvidenceOf(
  image: ResolvedImage,
  predicateTypes: ReadonlySet<string>,
): Promise<UnsignedEvidence | undefined> {
  const found = await buildkitOf(image, undefined, (t) => t === undefined || predicateTypes.has(t));
  if (!found) return undefined;
  const children = image.index ? found.children.filter((c) => c.digest === image.digest) : found.children;
  return {
    children,
    attestations: found.attestations.flatMap((a) =>
      a.statement && predicateTypes.has(a.predicateType)
        ? [
            {
              source: 'buildkit' as const,
              predicateType: a.predicateType,
              subject: a.child,
              ...(a.platform ? { platform: a.platform } : {}),
              via: a.manifest,
              statement: a.statement,
            },
          ]
        : [],
    ),
    ignored: found.ignored.map(
      (x) =>
        `BuildKit attestation manifest ${x.manifest}${x.layer ? ` layer ${x.layer}` : ''} ignored: ${x.reason}`,
    ),
  };
}

/** The predicate types a policy accepts unsigned BuildKit attestations for (empty: read none). */
export function buildkitTypesOf(policy: CompiledPolicy): Set<string> {
  return new Set(
    policy.rules.flatMap((r) =>
      r.attestations.filter((a) => a.raw.allowUnsigned === 'buildkit').map((a) => a.predicateType),
    ),
  );
}
