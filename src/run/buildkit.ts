/**
 * The BuildKit attestations that describe a resolved image: read from the index the reference named
 * (all children), or, when a platform was selected, from the index it was selected from (that child
 * only). An image that is neither an index nor a child of one has none, and costs no request.
 */
import { type BuildkitFindings, type BuildkitOptions, discoverBuildkit } from '../discovery/buildkit.js';
import type { DiscoveryLimits } from '../discovery/reading.js';
import { isIndexMediaType } from '../oci/media-types.js';
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
