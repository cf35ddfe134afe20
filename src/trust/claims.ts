/**
 * Fulcio certificate claims (OIDs under 1.3.6.1.4.1.57264.1). The v1 GitHub extensions (.2–.6) hold the
 * raw string; the newer ones (.8–.22) hold a DER UTF8String, which sigstore-js hands over as raw bytes,
 * so it is decoded here before any comparison.
 */
import { TrustgateError } from '../errors.js';

const BASE = '1.3.6.1.4.1.57264.1';

/** v1: raw bytes. */
export const GITHUB_V1_CLAIMS = {
  'github-workflow-trigger': `${BASE}.2`,
  'github-workflow-sha': `${BASE}.3`,
  'github-workflow-name': `${BASE}.4`,
  'github-workflow-repository': `${BASE}.5`,
  'github-workflow-ref': `${BASE}.6`,
} as const;

/** v2: DER UTF8String. Names as in Fulcio's OID documentation. */
export const FULCIO_V2_CLAIMS: Record<string, string> = {
  issuer: `${BASE}.8`,
  buildSignerURI: `${BASE}.9`,
  buildSignerDigest: `${BASE}.10`,
  runnerEnvironment: `${BASE}.11`,
  sourceRepositoryURI: `${BASE}.12`,
  sourceRepositoryDigest: `${BASE}.13`,
  sourceRepositoryRef: `${BASE}.14`,
  sourceRepositoryIdentifier: `${BASE}.15`,
  sourceRepositoryOwnerURI: `${BASE}.16`,
  sourceRepositoryOwnerIdentifier: `${BASE}.17`,
  buildConfigURI: `${BASE}.18`,
  buildConfigDigest: `${BASE}.19`,
  buildTrigger: `${BASE}.20`,
  runInvocationURI: `${BASE}.21`,
  sourceRepositoryVisibilityAtSigning: `${BASE}.22`,
};

const V1_OIDS = new Set<string>(Object.values(GITHUB_V1_CLAIMS));
const NAME_BY_OID = new Map<string, string>([
  ...Object.entries(GITHUB_V1_CLAIMS).map(([n, o]) => [o, n] as [string, string]),
  ...Object.entries(FULCIO_V2_CLAIMS).map(([n, o]) => [o, n] as [string, string]),
]);

export function claimName(oid: string): string {
  return NAME_BY_OID.get(oid) ?? oid;
}

/** Decode a DER UTF8String (tag 0x0c), short or long length form. */
function decodeUtf8String(der: Buffer): string | undefined {
  if (der.length < 2 || der[0] !== 0x0c) return undefined;
  let len = der[1]!;
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3 || der.length < 2 + n) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | der[2 + i]!;
    off = 2 + n;
  }
  if (off + len !== der.length) return undefined;
  return der.subarray(off).toString('utf8');
}

/** The certificate's claims, as strings, by dotted OID. */
export function claimsOf(
  oids: Array<{ oid?: { id: number[] }; value: Buffer | Uint8Array }> | undefined,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of oids ?? []) {
    const id = o.oid?.id.join('.');
    if (!id?.startsWith(`${BASE}.`)) continue;
    const raw = Buffer.from(o.value);
    const value = V1_OIDS.has(id) ? raw.toString('utf8') : (decodeUtf8String(raw) ?? raw.toString('utf8'));
    out.set(id, value);
  }
  return out;
}

/** `NAME=VALUE` (a v2 claim name, or a dotted OID) → [oid, value]. */
export function parseExtensionFlag(s: string): [string, string] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new TrustgateError('USAGE', `claims "${s}" is not NAME=VALUE`, { option: 'claims' });
  const name = s.slice(0, eq);
  const value = s.slice(eq + 1);
  const oid = FULCIO_V2_CLAIMS[name] ?? (/^\d+(\.\d+)+$/.test(name) ? name : undefined);
  if (!oid) {
    throw new TrustgateError('USAGE', `claims: unknown claim "${name}"`, {
      option: 'claims',
      hint: `one of ${Object.keys(FULCIO_V2_CLAIMS).join(', ')}, or a dotted OID`,
    });
  }
  return [oid, value];
}
