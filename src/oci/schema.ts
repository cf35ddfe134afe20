/** zod schemas for the OCI documents we read. Unknown fields pass (the spec allows them); types do not. */
import { z } from 'zod';
import { TrustgateError } from '../errors.js';
import { type Digest, isDigest } from '../reference/digest.js';
import { isIndexMediaType } from './media-types.js';

const digestSchema = z
  .string()
  .refine(isDigest, { message: 'not a sha256 digest' }) as unknown as z.ZodType<Digest>;
const annotations = z.record(z.string(), z.string()).optional();

export const platformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
});
export type Platform = z.infer<typeof platformSchema>;

export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestSchema,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  urls: z.array(z.string()).optional(),
  annotations,
  data: z.string().optional(),
  artifactType: z.string().optional(),
  platform: platformSchema.optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations,
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

export const imageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations,
});
export type ImageIndex = z.infer<typeof imageIndexSchema>;

export type ParsedManifest =
  | { kind: 'manifest'; manifest: ImageManifest }
  | { kind: 'index'; index: ImageIndex };

/**
 * Parse manifest bytes. The media type comes from the document itself when present, and must agree
 * with the one the registry declared, so a registry cannot make us read an index as an image.
 */
export function parseManifest(
  bytes: Uint8Array,
  declaredMediaType: string | undefined,
  what: string,
): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new TrustgateError('MANIFEST_INVALID', `${what} is not valid JSON`);
  }
  const inner = (json as { mediaType?: unknown })?.mediaType;
  const innerMt = typeof inner === 'string' ? inner : undefined;
  if (innerMt && declaredMediaType && innerMt !== declaredMediaType) {
    throw new TrustgateError(
      'MANIFEST_INVALID',
      `${what} declares mediaType ${innerMt} but was served as ${declaredMediaType}`,
    );
  }
  const mt = innerMt ?? declaredMediaType;
  const looksLikeIndex =
    isIndexMediaType(mt) || (mt === undefined && Array.isArray((json as { manifests?: unknown })?.manifests));
  const result = looksLikeIndex ? imageIndexSchema.safeParse(json) : imageManifestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TrustgateError(
      'MANIFEST_INVALID',
      `${what} is not a valid ${looksLikeIndex ? 'image index' : 'image manifest'}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  return looksLikeIndex
    ? { kind: 'index', index: result.data as ImageIndex }
    : { kind: 'manifest', manifest: result.data as ImageManifest };
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
