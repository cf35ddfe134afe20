/**
 * `trustgate extract`: verify, then hand out the payload from the same in-memory bytes that were
 * verified (no second fetch, so no time-of-check/time-of-use gap). With --predicate-only, the exact
 * byte slice of the statement's predicate value.
 */
import { createHash } from 'node:crypto';
import { TrustgateError } from '../errors.js';
import type { Digest } from '../reference/digest.js';
import { topLevelValueSpan } from '../util/json-span.js';
import type { AttestationVerdict } from '../verify/attestations.js';

export type Selection =
  | { kind: 'single' }
  | { kind: 'all' }
  | { kind: 'latest' }
  | { kind: 'index'; index: number };

export interface ExtractedItem {
  /** Position among the verified attestations of the type, as listed when a choice is needed. */
  index: number;
  predicateType: string;
  bytes: Uint8Array;
  sha256: Digest;
  verified: boolean;
  signer?: string;
  logTime?: string;
}

function describe(a: AttestationVerdict, i: number): string {
  const who = a.signer?.key ?? a.signer?.identity?.subjectAlternativeName ?? '?';
  return `[${i}] ${a.origin.via} signed by ${who}${a.tlog ? ` at ${a.tlog.integratedTime}` : ''}`;
}

/** Choose among verified attestations; several without a choice is an error listing them, never a prompt. */
export function selectAttestations(
  verified: AttestationVerdict[],
  selection: Selection,
  what: string,
): Array<[number, AttestationVerdict]> {
  const indexed = verified.map((a, i) => [i, a] as [number, AttestationVerdict]);
  switch (selection.kind) {
    case 'all':
      return indexed;
    case 'index': {
      const hit = indexed[selection.index];
      if (!hit)
        throw new TrustgateError(
          'USAGE',
          `index ${selection.index}: there are ${indexed.length} verified ${what}`,
          { option: 'index' },
        );
      return [hit];
    }
    case 'latest': {
      const withTime = indexed.filter(([, a]) => a.tlog);
      if (withTime.length === 0 && indexed.length > 1) {
        throw new TrustgateError(
          'USAGE',
          `latest: none of the ${indexed.length} verified ${what} has a log time to order by`,
          {
            option: 'latest',
            hint: `choose with --index N: ${indexed.map(([i, a]) => describe(a, i)).join('; ')}`,
          },
        );
      }
      const pool = withTime.length > 0 ? withTime : indexed;
      return [
        pool.reduce((best, cur) =>
          Date.parse(cur[1].tlog?.integratedTime ?? '0') > Date.parse(best[1].tlog?.integratedTime ?? '0')
            ? cur
            : best,
        ),
      ];
    }
    case 'single':
      if (indexed.length > 1) {
        throw new TrustgateError('USAGE', `${indexed.length} verified ${what} match; say which`, {
          hint: `use --all, --latest or --index N: ${indexed.map(([i, a]) => describe(a, i)).join('; ')}`,
        });
      }
      return indexed;
  }
}

/** The bytes to write: the verified statement, or the exact slice of its predicate. */
export function payloadBytes(a: AttestationVerdict, predicateOnly: boolean): Uint8Array {
  if (!a.verified || !a.payload)
    throw new TrustgateError('SIGNATURE_INVALID', 'refusing to extract an attestation that did not verify');
  if (!predicateOnly) return a.payload;
  let span: [number, number] | undefined;
  try {
    span = a.predicateSpan ?? topLevelValueSpan(a.payload, 'predicate');
  } catch (e) {
    throw new TrustgateError(
      'PAYLOAD_INVALID',
      `cannot locate the predicate in the verified statement: ${(e as Error).message}`,
    );
  }
  if (!span) throw new TrustgateError('PAYLOAD_INVALID', 'the verified statement has no predicate');
  return a.payload.subarray(span[0], span[1]);
}

/**
 * Where `--output FILE` puts an item. With --all, always `FILE.<n>` (n as listed), even when only one
 * matched, so a script finds the same names whatever the count; otherwise FILE itself.
 */
export function extractedPath(output: string, index: number, all: boolean): string {
  return all ? `${output}.${index}` : output;
}

/**
 * What follows an item's bytes on stdout. With --all, a newline after each, whatever the count. A
 * single payload is written exactly as verified to a pipe or file; only on a terminal is a final
 * newline added when it lacks one, so that the prompt does not land on its last line.
 */
export function stdoutTrailer(bytes: Uint8Array, all: boolean, terminal: boolean): string {
  if (all) return '\n';
  return terminal && bytes[bytes.length - 1] !== 0x0a ? '\n' : '';
}

export function toExtracted(index: number, a: AttestationVerdict, bytes: Uint8Array): ExtractedItem {
  const item: ExtractedItem = {
    index,
    predicateType: a.predicateType ?? '',
    bytes,
    sha256: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    verified: a.verified,
  };
  const who = a.signer?.key ?? a.signer?.identity?.subjectAlternativeName;
  if (who) item.signer = who;
  if (a.tlog) item.logTime = a.tlog.integratedTime;
  return item;
}

/**
 * An unsigned attachment (legacy ORAS, e.g. `application/aa.trivy.sbom`) that discovery already listed,
 * read only when the user asks for it with --allow-unverified: the first layer of the attachment,
 * digest-checked and bounded, and always reported as unverified. `canonical` names the image by digest.
 */
export async function readUnsignedAttachment(
  canonical: string,
  attachment: Digest,
  options: { client: import('../oci/registry/client.js').RegistryClient; maxBytes: number },
): Promise<{ bytes: Uint8Array; layer: string }> {
  const [{ resolveImage }, { parseManifest }] = await Promise.all([
    import('../resolve/resolve.js'),
    import('../oci/schema.js'),
  ]);
  const image = await resolveImage(canonical, { client: options.client });
  const m = await image.source.getManifest(attachment);
  const parsed = await parseManifest(m.bytes, m.mediaType, `attachment ${attachment}`);
  const layer = parsed.kind === 'manifest' ? parsed.manifest.layers[0] : undefined;
  if (!layer)
    throw new TrustgateError('MANIFEST_INVALID', `attachment ${attachment} has no layer to extract`);
  const bytes = await image.source.getBlob(layer.digest, { maxBytes: options.maxBytes });
  return { bytes, layer: layer.digest };
}
