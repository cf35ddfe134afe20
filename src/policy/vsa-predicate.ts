/**
 * SLSA Verification Summary Attestation v1 (https://slsa.dev/spec/v1.0/verification_summary), as a
 * zod schema. Objects are not strict: the spec's parsing rules tell consumers to ignore fields they
 * do not know (extension fields, a v1.x minor version), so only what v1.0 requires is checked, and
 * checked exactly: required fields, the PASSED|FAILED enum, RFC 3339 times, the level names.
 */
import * as z from 'zod';

export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';
export const INTOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

/** What trustgate calls itself when no --vsa-verifier-id is given. */
export const DEFAULT_VERIFIER_ID = 'https://github.com/trustgate/trustgate/verify';

/** The URI of the resource verified: `oci://registry/repo@sha256:…` (a layout without --image-name: `oci-layout:PATH@…`). */
export function resourceUriOf(name: string, digest: string): string {
  return name.startsWith('oci:') ? `oci-layout:${name.slice(4)}@${digest}` : `oci://${name}@${digest}`;
}

/** A DigestSet: algorithm → lower-case hex. */
const digestSet = z.record(z.string().min(1), z.string().regex(/^[0-9a-f]+$/, 'lower-case hex'));

/** A URI with a scheme (TypeURI / ResourceURI in the in-toto field types). */
const uri = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/, 'a URI with a scheme, e.g. https://… or oci://…');

/**
 * SlsaResult: the spec's SLSA_BUILD_LEVEL_0..3 and FAILED, or a custom value, which must not start
 * with SLSA_ (the prefix is reserved for the spec's own levels).
 */
export const slsaResult = z
  .string()
  .min(1)
  .refine((s) => !s.startsWith('SLSA_') || /^SLSA_[A-Z]+_LEVEL_[0-4]$/.test(s), {
    message: 'values starting with SLSA_ are reserved: SLSA_BUILD_LEVEL_0..3 (or another track _LEVEL_n)',
  });

export const vsaPredicateSchema = z.object({
  verifier: z.object({ id: uri, version: z.record(z.string(), z.string()).optional() }),
  timeVerified: z.iso.datetime({ offset: true }),
  resourceUri: uri,
  policy: z.object({ uri, digest: digestSet.optional() }),
  inputAttestations: z.array(z.object({ uri: uri.optional(), digest: digestSet })).optional(),
  verificationResult: z.enum(['PASSED', 'FAILED']),
  verifiedLevels: z.array(slsaResult),
  dependencyLevels: z.record(slsaResult, z.number().int().min(0)).optional(),
  slsaVersion: z
    .string()
    .regex(/^\d+\.\d+$/, '<MAJOR>.<MINOR>, e.g. 1.0')
    .optional(),
});

export type VsaPredicate = z.infer<typeof vsaPredicateSchema>;

export const vsaStatementSchema = z.object({
  _type: z.enum([INTOTO_STATEMENT_V1, 'https://in-toto.io/Statement/v0.1']),
  subject: z
    .array(z.object({ name: z.string().optional(), digest: digestSet }))
    .min(1)
    .max(10_000),
  predicateType: z.literal(VSA_PREDICATE_TYPE),
  predicate: vsaPredicateSchema,
});

export type VsaStatement = z.infer<typeof vsaStatementSchema>;

/** The VSA statement in `json`, or the first problem, as `path: message`. */
export function parseVsaStatement(
  json: unknown,
): { ok: true; vsa: VsaStatement } | { ok: false; reason: string } {
  const r = vsaStatementSchema.safeParse(json);
  if (r.success) return { ok: true, vsa: r.data };
  const i = r.error.issues[0];
  return { ok: false, reason: `not a SLSA VSA v1 (${i?.path.join('.') || '(top)'}: ${i?.message})` };
}

/**
 * The build-track level a VSA states, 0..3, or -1 when it states none. Each level implies the ones
 * below it, so SLSA_BUILD_LEVEL_3 satisfies a minimum of SLSA_BUILD_LEVEL_2.
 */
export function buildLevelOf(levels: readonly string[]): number {
  let best = -1;
  for (const l of levels) {
    const m = /^SLSA_BUILD_LEVEL_([0-3])$/.exec(l);
    if (m) best = Math.max(best, Number(m[1]));
  }
  return best;
}

/** Whether `levels` meets `wanted` (a level name, implied by any higher level on the same track; a custom value must be listed). */
export function meetsLevel(levels: readonly string[], wanted: string): boolean {
  const m = /^SLSA_([A-Z]+)_LEVEL_([0-4])$/.exec(wanted);
  if (!m) return levels.includes(wanted);
  return levels.some((l) => {
    const n = /^SLSA_([A-Z]+)_LEVEL_([0-4])$/.exec(l);
    return n !== null && n[1] === m[1] && Number(n[2]) >= Number(m[2]);
  });
}
