/**
 * The shapes of the OCI documents we read, written out rather than inferred from the zod schemas:
 * manifest-schemas.ts checks at compile time that its schemas produce exactly these, and every reader
 * can name them without reaching the schemas (which schema.ts loads lazily, and which would otherwise
 * import their own types back from schema.ts).
 */
import type { Digest } from '../reference/digest.js';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string | undefined;
  'os.version'?: string | undefined;
  'os.features'?: string[] | undefined;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[] | undefined;
  annotations?: Record<string, string> | undefined;
  data?: string | undefined;
  artifactType?: string | undefined;
  platform?: Platform | undefined;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string | undefined;
  artifactType?: string | undefined;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor | undefined;
  annotations?: Record<string, string> | undefined;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string | undefined;
  artifactType?: string | undefined;
  manifests: Descriptor[];
  subject?: Descriptor | undefined;
  annotations?: Record<string, string> | undefined;
}

export type ParsedManifest =
  | { kind: 'manifest'; manifest: ImageManifest }
  | { kind: 'index'; index: ImageIndex };
