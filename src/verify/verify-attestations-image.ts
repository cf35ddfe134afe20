/**
 * `trustgate verify-attestation` as a library call: resolve, discover everything attached (legacy
 * `.att` and bundle referrers), verify each attestation, and keep those of the asked-for type.
 */
import { type DiscoveryLimits, discover } from '../discovery/discover.js';
import type { UnsignedAttachment } from '../discovery/types.js';
import { RegistryClient } from '../oci/registry/client.js';
import { parseReference } from '../reference/parse.js';
import { eachImage } from '../resolve/each-image.js';
import type { ResolvedImage } from '../resolve/resolve.js';
import { type AttestationVerdict, predicateTypeFor, verifyAttestations } from './attestations.js';
import {
  batchLoopOptions,
  buildTrust,
  exitCodeFor,
  type ImageVerdict,
  type VerifyOptions,
} from './verify-image.js';

export interface AttestationOptions extends VerifyOptions {
  /** A --type shorthand or a full predicateType URI; none means every attestation, reported by type. */
  type?: string;
  discoveryLimits?: Partial<DiscoveryLimits>;
}

export interface ImageAttestations {
  reference: string;
  canonical?: string;
  digest?: string;
  verdict: ImageVerdict;
  message: string;
  attestations: AttestationVerdict[];
  unsigned: UnsignedAttachment[];
  searched: string[];
  error?: { code: string; message: string };
}

export interface AttestationRun {
  trustRoot: string;
  trust: string;
  predicateType?: string;
  images: ImageAttestations[];
  exitCode: number;
}

function countByType(list: AttestationVerdict[]): string {
  const counts = new Map<string, number>();
  for (const a of list)
    counts.set(a.predicateType ?? 'unreadable', (counts.get(a.predicateType ?? 'unreadable') ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t} (${n})`).join(', ') || 'none';
}

export async function verifyImageAttestations(
  references: string[],
  options: AttestationOptions,
): Promise<AttestationRun> {
  const parsed = references.map((r) => parseReference(r));
  const { verifiers, trustRoot, trustText } = await buildTrust(options);
  const predicateType = options.type ? predicateTypeFor(options.type) : undefined;
  const client = options.client ?? new RegistryClient(options);
  const verifyResolved = async (image: ResolvedImage): Promise<Omit<ImageAttestations, 'reference'>> => {
    const found = await discover(image.source, image.digest, {
      attestations: true,
      ...(options.discoveryLimits ? { limits: options.discoveryLimits } : {}),
    });
    const all = verifyAttestations(found, verifiers);
    const wanted = predicateType ? all.filter((a) => a.predicateType === predicateType) : all;
    const ok = wanted.filter((a) => a.verified);
    const out: Omit<ImageAttestations, 'reference'> = {
      verdict: 'error',
      message: '',
      canonical: image.canonical,
      digest: image.digest,
      attestations: wanted,
      unsigned: found.unsigned,
      searched: found.searched,
    };
    const what = predicateType ? `attestation(s) of type ${predicateType}` : 'attestation(s)';
    if (ok.length > 0) {
      out.verdict = 'verified';
      out.message = `${ok.length} of ${wanted.length} ${what} verified`;
    } else if (wanted.length === 0) {
      out.verdict = 'no-signatures';
      out.message = `no ${what} found for ${image.digest}${predicateType ? `; found: ${countByType(all)}` : ''}`;
    } else {
      out.verdict = 'none-matched';
      out.message = `${wanted.length} ${what} found, none verified with ${trustText}`;
    }
    return out;
  };
  try {
    const images = await eachImage<Omit<ImageAttestations, 'reference'>, ImageAttestations>(
      parsed,
      batchLoopOptions(options, client, parsed.length),
      {
        verify: verifyResolved,
        result: (reference, _image, shared) => ({ ...shared, reference }),
        failure: (reference, message, code) => ({
          reference,
          verdict: 'error',
          message,
          attestations: [],
          unsigned: [],
          searched: [],
          error: { code, message },
        }),
      },
    );
    return {
      trustRoot: trustRoot.description,
      trust: trustText,
      ...(predicateType ? { predicateType } : {}),
      images,
      exitCode: exitCodeFor(images.map((i) => i.verdict)),
    };
  } finally {
    if (!options.client) await client.close();
  }
}
