/**
 * How an image index marks entries that are not runnable images: BuildKit's attestation manifests
 * carry `vnd.docker.reference.type` (moby/buildkit util/attestation/types.go). Its own file so that
 * resolving a platform (resolve.ts) and reading BuildKit attestations (discovery/buildkit.ts) agree
 * without importing each other.
 */
import type { Descriptor } from './schema.js';

export const DockerReferenceAnnotation = {
  TYPE: 'vnd.docker.reference.type',
  DIGEST: 'vnd.docker.reference.digest',
} as const;

/** Any `vnd.docker.reference.type` marks an entry that is no image to run or to select by platform. */
export function isReferenceEntry(d: Descriptor): boolean {
  return d.annotations?.[DockerReferenceAnnotation.TYPE] !== undefined;
}
