/**
 * What every run function receives instead of an option bag: where images come from, how much
 * discovery may read, and how a batch behaves. Trust is passed beside it (verify/trust.ts).
 */
import type { DiscoveryLimits } from '../discovery/discover.js';
import type { CosignFormatChoice } from '../discovery/formats.js';
import type { RegistryClient } from '../oci/registry/client.js';

/** A registry client with its credentials, opened once per run (run/source.ts). */
export interface Source {
  readonly client: RegistryClient;
  /** The platform chosen from multi-arch indexes. */
  readonly platform?: string;
  /** Closes the client this source opened; a no-op for a client the caller passed in. */
  close(): Promise<void>;
}

export interface Limits {
  discovery?: Partial<DiscoveryLimits>;
  /** Images verified at once. */
  imageConcurrency?: number;
  /** cosign's --new-bundle-format / --experimental-oci11: read only that format (discovery/formats.ts). */
  cosignFormat?: CosignFormatChoice;
  /** cosign's --attachment-tag-prefix for the legacy `.sig`/`.att` tags. */
  tagPrefix?: string;
}

export interface Batch {
  /** Stop starting new images after the first that does not pass; the rest are reported as skipped. */
  failFast?: boolean;
  /** Called as each image finishes (for progress on a terminal). */
  onProgress?(done: number, total: number): void;
}

export interface RunContext {
  source: Source;
  limits: Limits;
  batch?: Batch;
}
