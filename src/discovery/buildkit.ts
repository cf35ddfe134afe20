/**
 * BuildKit attestations: what `docker buildx build --attest type=provenance|sbom` stores inside the
 * image index it pushes. For each runnable child the index also lists an attestation manifest
 * (platform unknown/unknown, annotations `vnd.docker.reference.type: attestation-manifest` and
 * `vnd.docker.reference.digest: <child>`); its layers are in-toto statements
 * (`application/vnd.in-toto+json`, annotated `in-toto.io/predicate-type`). BuildKit writes the
 * manifest in two forms (moby/buildkit exporter/containerimage/writer.go): the legacy one with an
 * image config of platform unknown/unknown and no subject, and the OCI artifact one (BuildKit 0.31
 * on) with artifactType `application/vnd.docker.attestation.manifest.v1+json`, an empty config and a
 * subject naming the child. Both are read.
 *
 * Nothing signs them: they are unsigned evidence, never verified, never a signature. Everything read
 * is digest-checked (the source checks manifests and blobs), bounded by the discovery limits, and an
 * entry that does not describe a child of this index, or whose statement is about another digest,
 * is set aside with its reason instead of being attached to anything.
 */
import { TrustgateError } from '../errors.js';
import { DockerReferenceAnnotation, isReferenceEntry } from '../oci/attestation-entry.js';
import type { Descriptor, Platform } from '../oci/schema.js';
import { parseManifest } from '../oci/schema.js';
import type { ImageSource } from '../oci/source.js';
import type { Digest } from '../reference/digest.js';
import { fetchPayload } from './layers.js';
import { IN_TOTO_PAYLOAD_TYPE } from './media-types.js';
import { type Budget, DEFAULT_DISCOVERY_LIMITS, type DiscoveryLimits } from './reading.js';

export const BuildkitAnnotation = {
  REFERENCE_TYPE: DockerReferenceAnnotation.TYPE,
  REFERENCE_DIGEST: DockerReferenceAnnotation.DIGEST,
  PREDICATE_TYPE: 'in-toto.io/predicate-type',
} as const;
/** The only `vnd.docker.reference.type` BuildKit writes; an entry with another is ignored whole. */
export const BUILDKIT_REFERENCE_TYPE = 'attestation-manifest';
/** The artifactType of BuildKit's OCI-artifact attestation manifests. */
export const BUILDKIT_ARTIFACT_TYPE = 'application/vnd.docker.attestation.manifest.v1+json';

/** verify/statement.ts's Statement, by shape (discovery does not import verification). */
export interface ParsedStatement {
  _type: string;
  subject: Array<{ name?: string | undefined; digest: Record<string, string> }>;
  predicateType: string;
  predicate?: unknown;
}

/** One in-toto statement BuildKit stored for a child of the index. Unsigned: never verified. */
export interface BuildkitAttestation {
  format: 'buildkit';
  /** The child image it describes (`vnd.docker.reference.digest`, checked to be in the index). */
  child: Digest;
  /** That child's platform as the index lists it (os/arch[/variant]). */
  platform?: string;
  /** The attestation manifest and the layer holding the statement. */
  manifest: Digest;
  layer: Digest;
  /** From the statement when it was read, else from the layer's annotation. */
  predicateType: string;
  typeSource: 'statement (unsigned)' | 'annotation';
  /** The statement exactly as fetched (digest-checked); absent when not read. */
  bytes?: Uint8Array;
  /** Set once verify/buildkit.ts has parsed the bytes and checked them against the child. */
  statement?: ParsedStatement;
}

/** An attestation manifest (or one of its layers) that is not attached to anything, and why. */
export interface IgnoredBuildkit {
  manifest: Digest;
  layer?: Digest;
  /** What its `vnd.docker.reference.digest` named. */
  names?: string;
  reason: string;
}

export interface BuildkitFindings {
  index: Digest;
  /** The runnable images of the index (attestation manifests left out). */
  children: Array<{ digest: Digest; platform?: string }>;
  attestations: BuildkitAttestation[];
  ignored: IgnoredBuildkit[];
}

export interface BuildkitOptions {
  limits?: Partial<DiscoveryLimits>;
  /** Only the attestations of this child (none of the others' manifests is fetched). */
  child?: Digest;
  /**
   * Which statements to read, by the layer's predicate-type annotation (undefined when it has none);
   * default none: the tree lists them by annotation without fetching possibly large SBOMs.
   */
  read?: (annotatedPredicateType: string | undefined) => boolean;
}

const platformText = (p: Platform | undefined): string | undefined =>
  p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : undefined;

/** Whether an index entry is an attestation manifest as BuildKit marks one. */
export function isBuildkitAttestationEntry(d: Descriptor): boolean {
  return d.annotations?.[BuildkitAnnotation.REFERENCE_TYPE] === BUILDKIT_REFERENCE_TYPE;
}

/**
 * The BuildKit attestations of the index `index` (undefined when it is no index). Costs one manifest
 * request for the index, one per attestation manifest, and one per statement read.
 */
export async function discoverBuildkit(
  source: ImageSource,
  index: Digest,
  options: BuildkitOptions = {},
): Promise<BuildkitFindings | undefined> {
  const limits = { ...DEFAULT_DISCOVERY_LIMITS, ...options.limits };
  const m = await source.getManifest(index);
  const parsed = await parseManifest(m.bytes, m.mediaType, `index ${source.name}@${index}`);
  if (parsed.kind !== 'index') return undefined;
  const entries = parsed.index.manifests;
  // Any vnd.docker.reference.type marks a non-runnable entry; only attestation-manifest is read.
  const children = entries
    .filter((d) => !isReferenceEntry(d))
    .map((d) => ({ digest: d.digest, ...(d.platform ? { platform: platformText(d.platform)! } : {}) }));
  const marked = entries.filter(isBuildkitAttestationEntry);
  if (marked.length > limits.maxReferrers)
    throw new TrustgateError(
      'COUNT_LIMIT',
      `${source.name}@${index} lists ${marked.length} BuildKit attestation manifests, over the limit of ${limits.maxReferrers}`,
      { hint: 'an index this large is hostile or broken; raise the referrer limit only if you expect it' },
    );
  const found: BuildkitFindings = { index, children, attestations: [], ignored: [] };
  const budget: Budget = {
    used: 0,
    max: limits.maxTotalPayloadBytes ?? 4 * limits.maxPayloadBytes,
    cache: new Map(),
  };
  for (const entry of marked) {
    const names = entry.annotations?.[BuildkitAnnotation.REFERENCE_DIGEST];
    if (options.child !== undefined && names !== options.child) continue;
    const child = children.find((c) => c.digest === names);
    const problem = !names
      ? `it has no ${BuildkitAnnotation.REFERENCE_DIGEST} annotation`
      : !child
        ? `its ${BuildkitAnnotation.REFERENCE_DIGEST} names ${names}, which is no image of this index`
        : entry.platform?.os !== 'unknown' || entry.platform.architecture !== 'unknown'
          ? 'its platform is not unknown/unknown, as BuildKit marks attestation manifests'
          : undefined;
    if (problem || !child) {
      found.ignored.push({ manifest: entry.digest, ...(names ? { names } : {}), reason: problem! });
      continue;
    }
    await readAttestationManifest(source, entry.digest, child, { limits, budget, options }, found);
  }
  return found;
}

interface Reader {
  limits: DiscoveryLimits;
  budget: Budget;
  options: BuildkitOptions;
}

async function readAttestationManifest(
  source: ImageSource,
  digest: Digest,
  child: { digest: Digest; platform?: string },
  r: Reader,
  found: BuildkitFindings,
): Promise<void> {
  const ignore = (reason: string, layer?: Digest) =>
    found.ignored.push({ manifest: digest, names: child.digest, reason, ...(layer ? { layer } : {}) });
  const m = await source.getManifest(digest);
  const parsed = await parseManifest(m.bytes, m.mediaType, `attestation manifest ${source.name}@${digest}`);
  if (parsed.kind !== 'manifest') return void ignore('it is an index, not an attestation manifest');
  const manifest = parsed.manifest;
  if (manifest.subject && manifest.subject.digest !== child.digest)
    return void ignore(`its subject is ${manifest.subject.digest}, not the image its annotation names`);
  if (manifest.artifactType !== undefined && manifest.artifactType !== BUILDKIT_ARTIFACT_TYPE)
    return void ignore(`its artifactType is ${manifest.artifactType}, not ${BUILDKIT_ARTIFACT_TYPE}`);
  if (manifest.layers.length > r.limits.maxSignatureLayers)
    throw new TrustgateError(
      'COUNT_LIMIT',
      `${source.name}@${digest} has ${manifest.layers.length} layers, over the limit of ${r.limits.maxSignatureLayers} attestations`,
    );
  for (const layer of manifest.layers) {
    // BuildKit: "Any unknown mediaTypes should be ignored".
    if (layer.mediaType !== IN_TOTO_PAYLOAD_TYPE) continue;
    const annotated = layer.annotations?.[BuildkitAnnotation.PREDICATE_TYPE];
    const base = {
      format: 'buildkit' as const,
      child: child.digest,
      ...(child.platform ? { platform: child.platform } : {}),
      manifest: digest,
      layer: layer.digest,
    };
    if (!(r.options.read?.(annotated) ?? false)) {
      if (annotated) found.attestations.push({ ...base, predicateType: annotated, typeSource: 'annotation' });
      else ignore('the layer has no in-toto.io/predicate-type annotation (not read)', layer.digest);
      continue;
    }
    const bytes = await fetchPayload({ source, limits: r.limits, budget: r.budget }, layer.digest);
    // Read, not yet checked: verify/buildkit.ts parses the statement and sets aside what lies.
    found.attestations.push({
      ...base,
      predicateType: annotated ?? '',
      typeSource: 'annotation',
      bytes,
    });
  }
}
