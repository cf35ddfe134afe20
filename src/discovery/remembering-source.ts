/**
 * The memory discoverAsNeeded reads through, so each later stage costs requests only for what the
 * earlier ones skipped, and every stage sees the same answers.
 */
import { TrustgateError } from '../errors.js';
import type { Descriptor } from '../oci/schema.js';
import type { FetchedManifest, ImageSource, ReferrersQuery, ReferrersResult } from '../oci/source.js';
import type { Digest } from '../reference/digest.js';

/** An ImageSource that asks each question once and remembers the answer, failures included. */
export class RememberingSource implements ImageSource {
  readonly name: string;
  private readonly answers = new Map<string, Promise<unknown>>();

  constructor(private readonly inner: ImageSource) {
    this.name = inner.name;
  }

  private once<T>(key: string, ask: () => Promise<T>): Promise<T> {
    let answer = this.answers.get(key);
    if (!answer) {
      answer = ask();
      answer.catch(() => {}); // remembered, and rethrown to each caller; never unhandled
      this.answers.set(key, answer);
    }
    return answer as Promise<T>;
  }

  resolve(tagOrDigest: string): Promise<Descriptor> {
    return this.once(`resolve ${tagOrDigest}`, () => this.inner.resolve(tagOrDigest));
  }

  getManifest(tagOrDigest: string): Promise<FetchedManifest> {
    return this.once(`manifest ${tagOrDigest}`, () => this.inner.getManifest(tagOrDigest));
  }

  async getBlob(digest: Digest, opts: { maxBytes?: number } = {}): Promise<Uint8Array> {
    const bytes = await this.once(`blob ${digest}`, () => this.inner.getBlob(digest, opts));
    // Asked again under a smaller limit (another stage's budget): refused as the source would.
    if (opts.maxBytes !== undefined && bytes.length > opts.maxBytes)
      throw new TrustgateError(
        'SIZE_LIMIT',
        `${this.name}: blob ${digest} is ${bytes.length} bytes, over the ${opts.maxBytes}-byte limit`,
        { hint: 'raise the limit only if you expect content this large' },
      );
    return bytes;
  }

  referrers(digest: Digest, query?: ReferrersQuery): Promise<ReferrersResult> {
    return this.once(`referrers ${digest} ${query?.artifactType ?? ''}`, () =>
      this.inner.referrers(digest, query),
    );
  }

  listTags(): Promise<string[]> {
    return this.once('tags', () => this.inner.listTags());
  }
}
