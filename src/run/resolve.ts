/**
 * Resolving many references as one run: one Source (one client, one token per registry) for all of
 * them, and one failure never hides the others' results. Single references resolve in resolve/.
 */
import type { TrustgateError } from '../errors.js';
import type { RegistryClientOptions } from '../oci/registry/client.js';
import type { ImageReference } from '../reference/parse.js';
import { type ResolvedImage, type ResolveOptions, resolveImage } from '../resolve/resolve.js';
import { withSource } from './source.js';

export interface ResolveManyResult {
  reference: string;
  ok: boolean;
  image?: ResolvedImage;
  error?: TrustgateError | Error;
}

export interface ResolveManyOptions extends ResolveOptions, RegistryClientOptions {}

/** Resolve many references over one client; one failure never hides the others' results. */
export async function resolveImages(
  refs: ReadonlyArray<string | ImageReference>,
  options: ResolveManyOptions = {},
): Promise<ResolveManyResult[]> {
  return withSource(options, async ({ client }) => {
    const settled = await Promise.allSettled(refs.map((r) => resolveImage(r, { ...options, client })));
    return settled.map((s, i) =>
      s.status === 'fulfilled'
        ? { reference: referenceText(refs[i]!), ok: true, image: s.value }
        : { reference: referenceText(refs[i]!), ok: false, error: s.reason as Error },
    );
  });
}

function referenceText(r: string | ImageReference): string {
  return typeof r === 'string' ? r : r.original;
}
