/** Registry names as credentials are matched on, so `GHCR.io:443` and `ghcr.io` get the same ones. */

const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const HOST_RE =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/**
 * A registry host as credentials are matched on: lower case, Docker Hub's names as `docker.io`, and
 * an explicit `:443` dropped (the same HTTPS endpoint as none). Undefined when `host` is not a host.
 */
export function normalizeRegistryHost(host: string): string | undefined {
  let h = host.trim().toLowerCase();
  h = h.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  h = h.replace(/:443$/, '');
  if (!HOST_RE.test(h)) return undefined;
  return HUB_ALIASES.has(h) ? 'docker.io' : h;
}

/** The key a registry's credentials are looked up and cached under. */
export function credentialKey(registry: string): string {
  return normalizeRegistryHost(registry) ?? registry;
}
