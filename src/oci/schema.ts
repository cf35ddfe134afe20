/**
 * Types of the OCI documents we read, and helpers over them. The zod schemas themselves live in
 * manifest-schemas.ts and are loaded on first use.
 */
import type { z } from 'zod';
import { TrustgateError } from '../errors.js';
import type {
  descriptorSchema,
  imageIndexSchema,
  imageManifestSchema,
  platformSchema,
} from './manifest-schemas.js';

export type Platform = z.infer<typeof platformSchema>;
export type Descriptor = z.infer<typeof descriptorSchema>;
export type ImageManifest = z.infer<typeof imageManifestSchema>;
export type ImageIndex = z.infer<typeof imageIndexSchema>;
export type ParsedManifest =
  | { kind: 'manifest'; manifest: ImageManifest }
  | { kind: 'index'; index: ImageIndex };

/**
 * Parse manifest bytes, validated with zod. The media type comes from the document itself when
 * present, and must agree with the one the registry declared, so a registry cannot make us read an
 * index as an image.
 */
export async function parseManifest(
  bytes: Uint8Array,
  declaredMediaType: string | undefined,
  what: string,
): Promise<ParsedManifest> {
  const { parseManifestSync } = await import('./manifest-schemas.js');
  return parseManifestSync(bytes, declaredMediaType, what);
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** Parse `os/arch[/variant]`. */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    parts.some((p) => p.length === 0 || !/^[a-z0-9._-]+$/i.test(p))
  ) {
    throw new TrustgateError('USAGE', `--platform "${s}" is not os/arch[/variant]`, {
      hint: 'for example linux/amd64 or linux/arm64/v8',
    });
  }
  const p: Platform = { os: parts[0]!, architecture: parts[1]! };
  if (parts[2]) p.variant = parts[2];
  return p;
}

export function platformMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  // An unspecified variant matches any; arm64 commonly omits v8.
  return (
    want.variant === undefined ||
    want.variant === (have.variant ?? (have.architecture === 'arm64' ? 'v8' : undefined))
  );
}
