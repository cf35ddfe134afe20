/** In-toto statements inside DSSE envelopes, read from the exact bytes that were verified. */
import * as z from 'zod';
import type { Digest } from '../reference/digest.js';
import { isWellFormedJson, nestingWithin, parseMember, topLevelMembers } from '../util/json-span.js';

export const statementSchema = z.object({
  _type: z.string(),
  subject: z
    .array(z.object({ name: z.string().optional(), digest: z.record(z.string(), z.string()) }))
    .max(10_000),
  predicateType: z.string(),
  predicate: z.unknown().optional(),
});
export type Statement = z.infer<typeof statementSchema>;

/** `predicateSpan`: where the predicate's bytes are, when the scan for a large payload found it. */
export type StatementParse =
  | { ok: true; statement: Statement; predicateSpan?: [number, number] }
  | { ok: false; reason: string };

/** Above this, the predicate is not built into objects: only its presence and well-formedness are checked. */
export const LARGE_STATEMENT_BYTES = 1024 * 1024;

/**
 * The deepest nesting of arrays and objects accepted in a statement (the statement itself is level 1).
 * In-toto predicates are shallow; deeper data would overflow the stack of JSON.stringify (-o json), of
 * the CEL conversion (policy) and of any recursive walker, so it is refused before it is parsed.
 */
export const MAX_STATEMENT_DEPTH = 512;

export function parseStatement(payload: Uint8Array): StatementParse {
  if (!nestingWithin(payload, MAX_STATEMENT_DEPTH))
    return {
      ok: false,
      reason: `the DSSE payload nests arrays and objects more than ${MAX_STATEMENT_DEPTH} levels deep, which is refused (in-toto statements are shallow)`,
    };
  if (payload.length > LARGE_STATEMENT_BYTES) return parseLargeStatement(payload);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return { ok: false, reason: 'the DSSE payload is not JSON' };
  }
  return validate(json);
}

function validate(json: unknown): StatementParse {
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

/**
 * A large statement (a 100 MB SBOM) is checked for well-formedness without building it, and only its
 * small members are parsed; the predicate stays as bytes, for extract to slice.
 */
function parseLargeStatement(payload: Uint8Array): StatementParse {
  if (!isWellFormedJson(payload)) return { ok: false, reason: 'the DSSE payload is not JSON' };
  let head: Record<string, unknown>;
  let members: Map<string, [number, number]>;
  try {
    members = topLevelMembers(payload);
    const member = (key: string): unknown => parseMember(payload, members.get(key));
    head = { _type: member('_type'), subject: member('subject'), predicateType: member('predicateType') };
  } catch (e) {
    return { ok: false, reason: `the DSSE payload is not an in-toto statement (${(e as Error).message})` };
  }
  const r = validate(head);
  const predicateSpan = members.get('predicate');
  return r.ok && predicateSpan ? { ...r, predicateSpan } : r;
}

/** Whether a subject of the statement names this digest (sha256). */
export function statementNamesDigest(s: Statement, digest: Digest): boolean {
  const hex = digest.slice('sha256:'.length);
  return s.subject.some((sub) => sub.digest.sha256?.toLowerCase() === hex);
}
