/** In-toto statements inside DSSE envelopes, read from the exact bytes that were verified. */
import { z } from 'zod';
import type { Digest } from '../reference/digest.js';

export const statementSchema = z.object({
  _type: z.string(),
  subject: z
    .array(z.object({ name: z.string().optional(), digest: z.record(z.string(), z.string()) }))
    .max(10_000),
  predicateType: z.string(),
  predicate: z.unknown().optional(),
});
export type Statement = z.infer<typeof statementSchema>;

export type StatementParse = { ok: true; statement: Statement } | { ok: false; reason: string };

export function parseStatement(payload: Uint8Array): StatementParse {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return { ok: false, reason: 'the DSSE payload is not JSON' };
  }
  const r = statementSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    return {
      ok: false,
      reason: `the DSSE payload is not an in-toto statement (${i?.path.join('.')}: ${i?.message})`,
    };
  }
  return { ok: true, statement: r.data };
}

/** Whether a subject of the statement names this digest (sha256). */
export function statementNamesDigest(s: Statement, digest: Digest): boolean {
  const hex = digest.slice('sha256:'.length);
  return s.subject.some((sub) => sub.digest.sha256?.toLowerCase() === hex);
}
