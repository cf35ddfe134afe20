/**
 * zod schemas for the OCI documents we read. Unknown fields pass (the spec allows them); types do not.
 * Loaded on first parse, not at start-up: zod costs ~50 ms to load, and a resolve by HEAD parses nothing.
 */
import * as z from 'zod';
import { TrustgateError } from '../errors.js';
import { type Digest, isDigest } from '../reference/digest.js';
import type { Descriptor, ImageIndex, ImageManifest, ParsedManifest, Platform } from './manifest-types.js';
import { isIndexMediaType } from './media-types.js';

export const layoutMarkerSchema = z.object({ imageLayoutVersion: z.string() });

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

export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations,
});

export const imageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations,
});

/** True only when A and B are the same type; the schemas below must produce manifest-types.ts exactly. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemasMatchTypes: [
  Same<z.infer<typeof platformSchema>, Platform>,
  Same<z.infer<typeof descriptorSchema>, Descriptor>,
  Same<z.infer<typeof imageManifestSchema>, ImageManifest>,
  Same<z.infer<typeof imageIndexSchema>, ImageIndex>,
] = [true, true, true, true];
void _schemasMatchTypes;

/**
 * Parse manifest bytes. The media type comes from the document itself when present, and must agree
 * with the one the registry declared, so a registry cannot make us read an index as an image.
 */
export function parseManifestSync(
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
