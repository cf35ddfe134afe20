/** The cosign "simple signing" payload, and the checks cosign (and containers/image) make on it. */
import * as z from 'zod';
import { SIMPLE_SIGNING_TYPE } from '../discovery/media-types.js';
import type { Digest } from '../reference/digest.js';
import { parseRegistryReference } from '../reference/parse.js';
import { nestingWithin } from '../util/json-span.js';

/** cosign's payload is three levels deep; `optional` may nest a little. Deeper is refused before parsing. */
export const MAX_PAYLOAD_DEPTH = 64;

export const simpleSigningSchema = z.object({
  critical: z.object({
    identity: z.object({ 'docker-reference': z.string() }),
    image: z.object({ 'docker-manifest-digest': z.string() }),
    type: z.string(),
  }),
  optional: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type SimpleSigningPayload = z.infer<typeof simpleSigningSchema>;

export type PayloadCheck =
  | { ok: true; payload: SimpleSigningPayload; warnings: string[] }
  | { ok: false; reason: string };

/**
 * Parse and check a payload after its signature verified. The manifest digest must be the resolved
 * digest and the type must be cosign's; a docker-reference for another repository is reported, and
 * fails only when `requireDockerReference` is set (cosign does not check it; containers/image does).
 */
export function checkSimpleSigning(
  bytes: Uint8Array,
  expect: {
    digest: Digest;
    repository: string;
    requireDockerReference: boolean;
    /** cosign's -a k=v: each must equal the payload's `optional` entry, as a string. */
    annotations?: Readonly<Record<string, string>>;
  },
): PayloadCheck {
  // Output re-serialises `optional`; a payload nested 300,000 deep would overflow JSON.stringify there.
  if (!nestingWithin(bytes, MAX_PAYLOAD_DEPTH)) {
    return {
      ok: false,
      reason: `the signed payload nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} levels deep, which is refused`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { ok: false, reason: 'the signed payload is not JSON' };
  }
  const r = simpleSigningSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    return {
      ok: false,
      reason: `the signed payload is not a cosign simple-signing payload (${i?.path.join('.')}: ${i?.message})`,
    };
  }
  const p = r.data;
  if (p.critical.type !== SIMPLE_SIGNING_TYPE) {
    return { ok: false, reason: `critical.type is "${p.critical.type}", expected "${SIMPLE_SIGNING_TYPE}"` };
  }
  const signed = p.critical.image['docker-manifest-digest'];
  if (signed !== expect.digest) {
    return { ok: false, reason: `the signature is for ${signed}, not for this image ${expect.digest}` };
  }
  const annotation = annotationMismatch(p, expect.annotations ?? {});
  if (annotation) return { ok: false, reason: annotation };
  const warnings: string[] = [];
  const ref = p.critical.identity['docker-reference'];
  if (expect.repository && repositoryOf(ref) !== repositoryOf(expect.repository)) {
    const msg = `docker-reference "${ref}" names another repository than ${expect.repository}`;
    if (expect.requireDockerReference) return { ok: false, reason: msg };
    warnings.push(msg);
  }
  return { ok: true, payload: p, warnings };
}

/**
 * The first annotation the signed payload lacks or holds another value for. As cosign compares, a
 * value matches only when it is that exact string (a number or object in `optional` never does).
 */
function annotationMismatch(
  p: SimpleSigningPayload,
  wanted: Readonly<Record<string, string>>,
): string | undefined {
  for (const [k, v] of Object.entries(wanted)) {
    const has = p.optional && Object.hasOwn(p.optional, k) ? p.optional[k] : undefined;
    if (has === v) continue;
    const found = has === undefined ? 'has no such annotation' : `has ${JSON.stringify(has)}`;
    return `annotation "${k}": the signed payload ${found}, expected "${v}"`;
  }
  return undefined;
}

/** registry/repository of a reference, normalised as Docker does (index.docker.io → docker.io, library/). */
function repositoryOf(ref: string): string {
  try {
    const r = parseRegistryReference(ref);
    return `${r.registry}/${r.repository}`;
  } catch {
    return stripTagAndDigest(ref);
  }
}

function stripTagAndDigest(ref: string): string {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}
