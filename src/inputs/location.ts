/** Where an image reference was named: inputs record it, every report format points back to it. */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
  /** YAML path, for references from manifests. */
  path?: string;
}

/** An `image:` field read but not taken as an image (an unknown CRD's), with why. */
export type SkippedImage = SourceLocation & { reason: string };
