/**
 * The registry side of ImageSource, following the OCI distribution spec v1.1: manifests (GET/HEAD),
 * blobs, referrers with the `sha256-<hex>` tag fallback, and tag listing. Every body fetched by digest
 * is checked against it; every size and count is bounded. Just over 300 lines: the repository
 * operations (manifests, blobs, referrers, tags) share one request path; the session, scheme probing
 * and error mapping already live beside it.
 */
import { TrustgateError } from '../../errors.js';
import { type Digest, digestTag, isDigest, parseDigest, truncate } from '../../reference/digest.js';
import { MANIFEST_ACCEPT, MediaType } from '../media-types.js';
import { type Descriptor, type ImageIndex, parseManifest } from '../schema.js';
import {
  DEFAULT_LIMITS,
  type FetchedManifest,
  type ImageSource,
  type Limits,
  type ReferrersQuery,
  type ReferrersResult,
} from '../source.js';
import { type CredentialOptions, keychainFrom } from './credentials.js';
import type { Keychain } from './keychain.js';
import { nextLink, responseError } from './response-errors.js';
import { RegistrySession } from './session.js';
import { type HttpRequest, type HttpResponse, HttpTransport, type TransportOptions } from './transport.js';

export { isLoopbackHost, registryApiHost } from './scheme.js';

export interface RegistryClientOptions extends TransportOptions, CredentialOptions {
  /** Allow plain HTTP to any registry (cosign's --allow-http-registry). Loopback registries always may. */
  allowHttp?: boolean;
  limits?: Partial<Limits>;
}

export class RegistryClient {
  readonly transport: HttpTransport;
  readonly limits: Limits;
  private readonly keychain: Keychain;
  private readonly sessions = new Map<string, RegistrySession>();
  private readonly allowHttp: boolean;

  constructor(options: RegistryClientOptions = {}) {
    this.transport = new HttpTransport(options);
    this.keychain = keychainFrom(options);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.allowHttp = options.allowHttp ?? false;
  }

  repository(registry: string, repository: string): RegistryRepository {
    return new RegistryRepository(this, registry, repository);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /** @internal what this run knows about `registry`; created on first use. */
  session(registry: string): RegistrySession {
    let s = this.sessions.get(registry);
    if (!s) {
      s = new RegistrySession(registry, {
        transport: this.transport,
        keychain: this.keychain,
        allowHttp: this.allowHttp,
      });
      this.sessions.set(registry, s);
    }
    return s;
  }

  /**
   * One authenticated request to `registry`. The scheme is https unless plain HTTP is permitted
   * (loopback or --allow-http-registry) and the server does not speak TLS.
   */
  call(
    registry: string,
    scope: string,
    req: Omit<HttpRequest, 'url' | 'authorization'> & { path: string },
  ): Promise<HttpResponse> {
    return this.session(registry).call(scope, req);
  }
}

/** A repository in a registry, as an ImageSource. */
export class RegistryRepository implements ImageSource {
  readonly name: string;
  private readonly scope: string;

  constructor(
    private readonly client: RegistryClient,
    readonly registry: string,
    readonly repository: string,
  ) {
    this.name = `${registry}/${repository}`;
    this.scope = `repository:${repository}:pull`;
  }

  private path(kind: 'manifests' | 'blobs' | 'referrers' | 'tags', ref = ''): string {
    return `/v2/${this.repository}/${kind}/${ref}`;
  }

  async resolve(tagOrDigest: string): Promise<Descriptor> {
    const what = `manifest ${this.name}${refSep(tagOrDigest)}${tagOrDigest}`;
    const res = await this.client.call(this.registry, this.scope, {
      method: 'HEAD',
      path: this.path('manifests', tagOrDigest),
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      maxBytes: 0,
      what,
    });
    if (res.status !== 200) throw responseError(res, what, this.name, tagOrDigest);
    const header = res.headers['docker-content-digest'];
    const mediaType = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
    const size = Number(res.headers['content-length']);
    if (!header || !isDigest(header) || !mediaType || !Number.isFinite(size)) {
      // Some registries omit Docker-Content-Digest on HEAD: fetch the body and hash it ourselves.
      const m = await this.getManifest(tagOrDigest);
      return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
    }
    if (isDigest(tagOrDigest) && header !== tagOrDigest) {
      throw new TrustgateError(
        'DIGEST_MISMATCH',
        `${what}: registry reports digest ${header} for a request by ${tagOrDigest}`,
      );
    }
    if (size > this.client.limits.maxManifestBytes) {
      throw new TrustgateError(
        'SIZE_LIMIT',
        `${what}: manifest is ${size} bytes, over the ${this.client.limits.maxManifestBytes}-byte limit`,
      );
    }
    return { mediaType, digest: header, size };
  }

  async getManifest(tagOrDigest: string): Promise<FetchedManifest> {
    const what = `manifest ${this.name}${refSep(tagOrDigest)}${tagOrDigest}`;
    const byDigest = isDigest(tagOrDigest);
    const res = await this.client.call(this.registry, this.scope, {
      method: 'GET',
      path: this.path('manifests', tagOrDigest),
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      maxBytes: this.client.limits.maxManifestBytes,
      ...(byDigest ? { expectDigest: tagOrDigest } : {}),
      what,
    });
    if (res.status !== 200) throw responseError(res, what, this.name, tagOrDigest);
    const header = res.headers['docker-content-digest'];
    if (header?.startsWith('sha256:') && header !== res.digest) {
      throw new TrustgateError(
        'DIGEST_MISMATCH',
        `${what}: body has digest ${res.digest} but Docker-Content-Digest says ${truncate(header, 80)}`,
        { hint: 'the registry served inconsistent content; do not trust this response' },
      );
    }
    const declared = (res.headers['content-type'] ?? '').split(';')[0]!.trim() || undefined;
    const parsed = await parseManifest(res.body, declared, what);
    const mediaType =
      (parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType) ??
      declared ??
      (parsed.kind === 'index' ? MediaType.OCI_INDEX : MediaType.OCI_MANIFEST);
    return { digest: res.digest, mediaType, bytes: res.body };
  }

  async getBlob(digest: Digest, opts: { maxBytes?: number } = {}): Promise<Uint8Array> {
    parseDigest(digest);
    const what = `blob ${this.name}@${digest}`;
    const res = await this.client.call(this.registry, this.scope, {
      method: 'GET',
      path: this.path('blobs', digest),
      maxBytes: opts.maxBytes ?? this.client.limits.maxBlobBytes,
      expectDigest: digest,
      what,
    });
    if (res.status !== 200) throw responseError(res, what, this.name, digest);
    return res.body;
  }

  async referrers(digest: Digest, query: ReferrersQuery = {}): Promise<ReferrersResult> {
    // While the first call learns whether the registry has the API, concurrent calls wait for it
    // instead of each probing (one 404 per registry, not one per image in flight).
    const session = this.client.session(this.registry);
    const pending = session.referrersProbe;
    if (pending) await pending.catch(() => undefined);
    if (session.referrersApi === undefined && !session.referrersProbe) {
      const probe = this.referrersFromApi(digest, query);
      session.referrersProbe = probe;
      const viaApi = await probe;
      if (viaApi) return viaApi;
    } else if (session.referrersApi !== false) {
      const viaApi = await this.referrersFromApi(digest, query);
      if (viaApi) return viaApi;
    }
    return this.referrersFromTag(digest, query);
  }

  private async referrersFromApi(
    digest: Digest,
    query: ReferrersQuery,
  ): Promise<ReferrersResult | undefined> {
    const limits = this.client.limits;
    const out: Descriptor[] = [];
    let path =
      this.path('referrers', digest) +
      (query.artifactType ? `?artifactType=${encodeURIComponent(query.artifactType)}` : '');
    for (let page = 0; page < limits.maxPages; page++) {
      const what = `referrers of ${this.name}@${digest}`;
      const res = await this.client.call(this.registry, this.scope, {
        method: 'GET',
        path,
        headers: { accept: MediaType.OCI_INDEX },
        maxBytes: limits.maxManifestBytes,
        what,
      });
      if (page === 0 && (res.status === 404 || res.status === 400 || res.status === 405)) {
        this.client.session(this.registry).referrersApi = false;
        return undefined;
      }
      if (res.status !== 200) throw responseError(res, what, this.name, digest);
      this.client.session(this.registry).referrersApi = true;
      const parsed = await parseManifest(res.body, MediaType.OCI_INDEX, what);
      if (parsed.kind !== 'index')
        throw new TrustgateError('MANIFEST_INVALID', `${what}: response is not an image index`);
      const filtered = (res.headers['oci-filters-applied'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .includes('artifactType');
      appendBounded(out, filterArtifactType(parsed.index, query, filtered), limits.maxReferrers, what);
      const next = nextLink(res.headers.link);
      if (!next) return { descriptors: out, via: 'api' };
      path = next;
    }
    throw new TrustgateError(
      'COUNT_LIMIT',
      `referrers of ${this.name}@${digest}: more than ${limits.maxPages} pages`,
    );
  }

  private async referrersFromTag(digest: Digest, query: ReferrersQuery): Promise<ReferrersResult> {
    const tag = digestTag(digest);
    let m: FetchedManifest;
    try {
      m = await this.getManifest(tag);
    } catch (e) {
      if (e instanceof TrustgateError && (e.code === 'MANIFEST_UNKNOWN' || e.code === 'NAME_UNKNOWN')) {
        return { descriptors: [], via: 'tag-schema' };
      }
      throw e;
    }
    const what = `referrers tag ${this.name}:${tag}`;
    const parsed = await parseManifest(m.bytes, m.mediaType, what);
    if (parsed.kind !== 'index') {
      throw new TrustgateError('MANIFEST_INVALID', `${what} is not an image index`, {
        hint: 'something other than a referrers index was pushed under the sha256-<hex> tag',
      });
    }
    const out: Descriptor[] = [];
    appendBounded(out, filterArtifactType(parsed.index, query, false), this.client.limits.maxReferrers, what);
    return { descriptors: out, via: 'tag-schema' };
  }

  async listTags(): Promise<string[]> {
    const limits = this.client.limits;
    const tags: string[] = [];
    let path = `${this.path('tags', 'list')}?n=1000`;
    for (let page = 0; page < limits.maxPages; page++) {
      const what = `tags of ${this.name}`;
      const res = await this.client.call(this.registry, this.scope, {
        method: 'GET',
        path,
        maxBytes: limits.maxManifestBytes * 4,
        what,
      });
      if (res.status !== 200) throw responseError(res, what, this.name, '');
      let body: { tags?: unknown };
      try {
        body = JSON.parse(res.body.toString('utf8'));
      } catch {
        throw new TrustgateError('REGISTRY_ERROR', `${what}: response is not JSON`);
      }
      const pageTags = body.tags ?? [];
      if (!Array.isArray(pageTags) || pageTags.some((t) => typeof t !== 'string')) {
        throw new TrustgateError('REGISTRY_ERROR', `${what}: "tags" is not a list of strings`);
      }
      appendBounded(tags, pageTags as string[], limits.maxTags, what);
      const next = nextLink(res.headers.link);
      if (!next) return tags;
      path = next;
    }
    throw new TrustgateError('COUNT_LIMIT', `tags of ${this.name}: more than ${limits.maxPages} pages`);
  }
}

function refSep(ref: string): string {
  return isDigest(ref) ? '@' : ':';
}

function filterArtifactType(
  index: ImageIndex,
  query: ReferrersQuery,
  alreadyFiltered: boolean,
): Descriptor[] {
  if (!query.artifactType || alreadyFiltered) return index.manifests;
  return index.manifests.filter((d) => d.artifactType === query.artifactType);
}

function appendBounded<T>(out: T[], items: readonly T[], max: number, what: string): void {
  if (out.length + items.length > max) {
    throw new TrustgateError('COUNT_LIMIT', `${what}: more than ${max} entries`, {
      hint: 'raise the limit if this many is expected; otherwise the registry data is hostile',
    });
  }
  // One by one: a spread passes every item as an argument, and a page may hold more than a call takes.
  for (const i of items) out.push(i);
}
