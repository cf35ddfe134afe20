/**
 * The per-image loop every batch command shares: resolve each reference (a reference by digest costs
 * no request), run the work once per distinct image (registry/repository@digest) and hand every
 * reference its result, with bounded concurrency, a stop switch (--fail-fast) and a per-image
 * callback (progress, streamed outputs). A reference that cannot be parsed, resolved or verified
 * gets the failure result, never an exception that would end the batch.
 *
 * Memory stays flat in the number of images when the caller streams (`collect: false`): no result is
 * kept here once handed on, and an image's shared result is dropped as soon as no reference still
 * to come is spelled as one that used it. Exact duplicates anywhere in the list therefore share one
 * verification; two spellings of one image (a tag and its digest) share it while it is still held,
 * and otherwise it is verified again (correct, a few more requests).
 */
import { describeError, isTrustgateError } from '../errors.js';
import type { RegistryClient } from '../oci/registry/client.js';
import { type ImageReference, parseReference } from '../reference/parse.js';
import { type ResolvedImage, resolveImage } from '../resolve/resolve.js';
import { DEFAULT_IMAGE_CONCURRENCY } from '../util/semaphore.js';

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
  /**
   * Each reference's result with its index and the count done so far: in input order (held back
   * until every earlier one is in; at most a few times the concurrency are ever held, as no image
   * starts that far ahead of the first unfinished one).
   */
  onResult?: (result: R, index: number, done: number) => void;
  /** Asked after each result (and onResult): true means no further image starts (--fail-fast). */
  stopAfter?: (result: R) => boolean;
  /** false: return no array (the caller took every result through onResult). Default true. */
  collect?: boolean;
}

/** How far ahead of the first unfinished image a new one may start, in multiples of the concurrency. */
const WINDOW_FACTOR = 4;

const spelling = (input: string | ImageReference) => (typeof input === 'string' ? input : input.original);

export async function eachImage<S, R>(
  references: ReadonlyArray<string | ImageReference>,
  options: EachImageOptions<R>,
  steps: EachImageSteps<S, R>,
): Promise<R[]> {
  const concurrency = Math.min(options.imageConcurrency ?? DEFAULT_IMAGE_CONCURRENCY, references.length);
  const window = Math.max(1, concurrency) * WINDOW_FACTOR;
  const collected = options.collect === false ? undefined : new Array<R>(references.length);
  // References not yet finished, by spelling: an image's shared result is kept while one of the
  // spellings that used it has any to come.
  const toCome = new Map<string, number>();
  for (const input of references) toCome.set(spelling(input), (toCome.get(spelling(input)) ?? 0) + 1);
  const byImage = new Map<string, { pending: Promise<S>; spellings: Set<string> }>();
  const release = (canonical: string | undefined, name: string) => {
    const left = toCome.get(name)! - 1;
    if (left > 0) toCome.set(name, left);
    else toCome.delete(name);
    const held = canonical === undefined ? undefined : byImage.get(canonical);
    if (held && ![...held.spellings].some((s) => toCome.has(s))) byImage.delete(canonical!);
  };

  // Results wait here until every earlier one has been handed on.
  const waiting = new Map<number, R>();
  let handed = 0;
  let done = 0;
  let stopped = false;
  let wake: Array<() => void> = [];
  const handOn = () => {
    while (waiting.has(handed)) {
      const out = waiting.get(handed)!;
      waiting.delete(handed);
      if (collected) collected[handed] = out;
      options.onResult?.(out, handed, ++done);
      if (options.stopAfter?.(out)) stopped = true;
      handed++;
    }
    const woken = wake;
    wake = [];
    for (const w of woken) w();
  };

  const one = async (input: string | ImageReference): Promise<{ out: R; canonical?: string }> => {
    const reference = spelling(input);
    let ref: ImageReference | undefined;
    let image: ResolvedImage | undefined;
    try {
      if (stopped)
        return {
          out: steps.failure(
            reference,
            FAIL_FAST_SKIPPED,
            'SKIPPED',
            typeof input === 'string' ? undefined : input,
          ),
        };
      ref = typeof input === 'string' ? parseReference(input) : input;
      image = await resolveImage(ref, {
        client: options.client,
        digestOnly: true,
        ...(options.platform ? { platform: options.platform } : {}),
      });
      let held = byImage.get(image.canonical);
      if (!held) {
        held = { pending: steps.verify(image, ref), spellings: new Set() };
        byImage.set(image.canonical, held);
      }
      held.spellings.add(reference);
      return { out: steps.result(reference, image, await held.pending, ref), canonical: image.canonical };
    } catch (e) {
      return {
        out: steps.failure(reference, describeError(e), isTrustgateError(e) ? e.code : 'ERROR', ref, image),
        ...(image ? { canonical: image.canonical } : {}),
      };
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < references.length) {
      // A bounded reorder buffer: nothing starts too far ahead of the first unfinished image.
      while (next >= handed + window) await new Promise<void>((w) => wake.push(w));
      if (next >= references.length) break;
      const index = next++;
      const input = references[index]!;
      const { out, canonical } = await one(input);
      release(canonical, spelling(input));
      waiting.set(index, out);
      handOn();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return collected ?? [];
}
