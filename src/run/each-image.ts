/**
 * The per-image loop every batch command shares: resolve each reference (a reference by digest costs
 * no request), run the work once per distinct image (registry/repository@digest) and hand every
 * reference its result, with bounded concurrency, a stop switch (--fail-fast) and a per-image
 * callback (progress). A reference that cannot be parsed, resolved or verified gets the failure
 * result, never an exception that would end the batch.
 */
import { describeError, isTrustgateError } from '../errors.js';
import type { RegistryClient } from '../oci/registry/client.js';
import { type ImageReference, parseReference } from '../reference/parse.js';
import { type ResolvedImage, resolveImage } from '../resolve/resolve.js';
import { DEFAULT_IMAGE_CONCURRENCY, mapLimit } from '../util/semaphore.js';

// A verdict reason (data, not an error), asserted with the flag by run-evaluate and cache tests.
const FAIL_FAST_SKIPPED = 'not verified: --fail-fast stopped the run after an earlier failure';

export interface EachImageSteps<S, R> {
  /** Runs once per distinct image; references to the same image share the promise. */
  verify(image: ResolvedImage, ref: ImageReference): Promise<S>;
  /** One reference's result from its image's shared result. */
  result(reference: string, image: ResolvedImage, shared: S, ref: ImageReference): R;
  /**
   * One reference's result when it failed or was skipped (`code` SKIPPED); with `ref` when it parsed
   * and `image` when it resolved.
   */
  failure(reference: string, message: string, code: string, ref?: ImageReference, image?: ResolvedImage): R;
}

export interface EachImageOptions<R> {
  client: RegistryClient;
  platform?: string;
  imageConcurrency?: number;
  /** Each reference's result as soon as it is known, with its index and the count done so far. */
  onResult?: (result: R, index: number, done: number) => void;
  /** Asked after each result (and onResult): true means no further image starts (--fail-fast). */
  stopAfter?: (result: R) => boolean;
}

export async function eachImage<S, R>(
  references: ReadonlyArray<string | ImageReference>,
  options: EachImageOptions<R>,
  steps: EachImageSteps<S, R>,
): Promise<R[]> {
  const byImage = new Map<string, Promise<S>>();
  let done = 0;
  let stopped = false;
  return mapLimit(references, options.imageConcurrency ?? DEFAULT_IMAGE_CONCURRENCY, async (input, index) => {
    const reference = typeof input === 'string' ? input : input.original;
    let ref: ImageReference | undefined;
    let image: ResolvedImage | undefined;
    let out: R;
    try {
      if (stopped) {
        out = steps.failure(
          reference,
          FAIL_FAST_SKIPPED,
          'SKIPPED',
          typeof input === 'string' ? undefined : input,
        );
      } else {
        ref = typeof input === 'string' ? parseReference(input) : input;
        image = await resolveImage(ref, {
          client: options.client,
          digestOnly: true,
          ...(options.platform ? { platform: options.platform } : {}),
        });
        let pending = byImage.get(image.canonical);
        if (!pending) {
          pending = steps.verify(image, ref);
          byImage.set(image.canonical, pending);
        }
        out = steps.result(reference, image, await pending, ref);
      }
    } catch (e) {
      out = steps.failure(reference, describeError(e), isTrustgateError(e) ? e.code : 'ERROR', ref, image);
    }
    options.onResult?.(out, index, ++done);
    if (options.stopAfter?.(out)) stopped = true;
    return out;
  });
}
