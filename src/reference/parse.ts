/**
 * Image references, parsed the way Docker's distribution/reference does, plus `oci:` layout paths.
 * Pure: no I/O. Every rejection names the part that is wrong.
 */
import { TrustgateError } from '../errors.js';
import { type Digest, parseDigest, truncate } from './digest.js';

export const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
/** distribution/reference NameTotalLengthMax: the whole name, registry included. */
const NAME_MAX = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const HOST_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const BARE_HEX_RE = /^[a-f0-9]{64}$/;

export interface RegistryReference {
  kind: 'registry';
  /** Canonical registry name: `docker.io` for Docker Hub, otherwise host[:port] as given (lowercased). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: Digest;
  /** What the user typed. */
  original: string;
}

export interface LayoutReference {
  kind: 'layout';
  /** Filesystem path of the OCI image layout. */
  path: string;
  tag?: string;
  digest?: Digest;
  original: string;
}

export type ImageReference = RegistryReference | LayoutReference;

function invalid(input: string, part: string, hint?: string): TrustgateError {
  return new TrustgateError(
    'REFERENCE_INVALID',
    `invalid image reference "${truncate(input)}": ${part}`,
    hint ? { hint } : undefined,
  );
}

/** Parse `[registry[:port]/]repo[:tag][@sha256:hex]` or `oci:PATH[:tag|@digest]`. */
export function parseReference(input: string): ImageReference {
  if (input.startsWith('oci:')) return parseLayoutReference(input);
  return parseRegistryReference(input);
}

export function parseRegistryReference(input: string): RegistryReference {
  if (input.length === 0) throw invalid(input, 'it is empty');
  if (input !== input.trim() || /\s/.test(input)) throw invalid(input, 'it contains whitespace');
  if (BARE_HEX_RE.test(input)) {
    throw invalid(input, 'a bare 64-character hex string is ambiguous', 'write it as REPO@sha256:HEX');
  }

  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      digest = parseDigest(d, 'digest');
    } catch (e) {
      throw invalid(input, `digest "${truncate(d, 40)}" is not sha256:<64 hex>`, (e as TrustgateError).hint);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG_RE.test(tag)) {
      throw invalid(
        input,
        tag.length > 128 ? 'tag is longer than 128 characters' : `tag "${truncate(tag, 40)}" is invalid`,
        'tags are 1-128 characters of [A-Za-z0-9_.-], not starting with . or -',
      );
    }
  }
  if (rest.length === 0) throw invalid(input, 'repository name is empty');

  const { registry, remainder } = splitRegistry(rest, input);
  const components = remainder.split('/');
  for (const c of components) {
    if (c.length === 0) throw invalid(input, 'repository has an empty path component');
    if (c !== c.toLowerCase()) throw invalid(input, `repository "${remainder}" must be lowercase`);
    if (!PATH_COMPONENT_RE.test(c)) {
      throw invalid(
        input,
        `repository path component "${truncate(c, 40)}" is invalid`,
        'use lowercase letters, digits and single separators (., _, __, -)',
      );
    }
  }
  let repository = remainder;
  if (registry === DEFAULT_REGISTRY && !repository.includes('/'))
    repository = OFFICIAL_REPO_PREFIX + repository;
  const fullName = `${registry}/${repository}`;
  if (fullName.length > NAME_MAX) {
    throw invalid(input, `name is ${fullName.length} characters, more than the limit of ${NAME_MAX}`);
  }
  const ref: RegistryReference = { kind: 'registry', registry, repository, original: input };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

function splitRegistry(name: string, input: string): { registry: string; remainder: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  // Docker's rule: the first component is a registry only if it looks like a host.
  const looksLikeHost =
    slash >= 0 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  if (!looksLikeHost) return { registry: DEFAULT_REGISTRY, remainder: name };
  // Docker reads `Host/app` as a registry only because of the capitals; lower-cased, as every name is
  // matched, `host/app` would name Docker Hub. One reference must not mean two images: refused.
  if (!first.includes('.') && !first.includes(':') && first.toLowerCase() !== 'localhost') {
    throw invalid(
      input,
      `"${truncate(first, 60)}" would be a registry only because of its capitals; names must be lowercase`,
      'give a registry a domain or a port (myregistry:5000/app); Docker Hub names are all lowercase',
    );
  }
  if (!HOST_RE.test(first)) {
    throw invalid(input, `registry "${truncate(first, 60)}" is not a valid host[:port]`);
  }
  const port = first.match(/:([0-9]+)$/)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw invalid(input, `registry port ${port} is out of range`);
  }
  let registry = first.toLowerCase();
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY;
  return { registry, remainder: name.slice(slash + 1) };
}

export function parseLayoutReference(input: string): LayoutReference {
  let rest = input.slice('oci:'.length);
  if (rest.length === 0) throw invalid(input, 'oci: needs a layout path', 'write oci:PATH[:tag|@sha256:HEX]');
  let digest: Digest | undefined;
  let tag: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0 && /^sha256:|^[a-z0-9]+:/.test(rest.slice(at + 1))) {
    const d = rest.slice(at + 1);
    try {
      digest = parseDigest(d);
    } catch {
      throw invalid(input, `digest "${truncate(d, 40)}" is not sha256:<64 hex>`);
    }
    rest = rest.slice(0, at);
  } else {
    const lastSlash = rest.lastIndexOf('/');
    const colon = rest.indexOf(':', lastSlash + 1);
    if (colon >= 0) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
      if (!TAG_RE.test(tag)) throw invalid(input, `layout tag "${truncate(tag, 40)}" is invalid`);
    }
  }
  if (rest.length === 0) throw invalid(input, 'oci: layout path is empty');
  if (rest.includes('\0')) throw invalid(input, 'layout path contains a NUL byte');
  const ref: LayoutReference = { kind: 'layout', path: rest, original: input };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** `registry/repository` of a registry reference, for signed docker-reference checks; '' for a layout. */
export function repositoryOf(ref: ImageReference): string {
  return ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : '';
}

/** `registry/repo@sha256:…` or `oci:PATH@sha256:…`: the digest form every later step works on. */
export function formatDigestReference(ref: ImageReference, digest: Digest): string {
  if (ref.kind === 'layout') return `oci:${ref.path}@${digest}`;
  return `${ref.registry}/${ref.repository}@${digest}`;
}

/** Human form of the reference as parsed (canonical registry and repository). */
export function formatReference(ref: ImageReference): string {
  const base = ref.kind === 'layout' ? `oci:${ref.path}` : `${ref.registry}/${ref.repository}`;
  return `${base}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
