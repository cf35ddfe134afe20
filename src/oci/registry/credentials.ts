/**
 * Where registry credentials come from: explicit options (cosign's --registry-username/-password/-token),
 * bound to one registry host, else Docker's config.json (auths, credHelpers, credsStore), per host.
 * Secrets stay in memory and are registered for redaction: they are never logged, and helper output
 * is never echoed in errors.
 *
 * Explicit credentials are bound to `registryHost` and never offered to another registry. cosign sends
 * them to every registry a run touches; here a reference that someone else wrote (a manifest in a pull
 * request) must not be able to choose where a CI token goes.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { TrustgateError } from '../../errors.js';
import { registerBasicSecret, registerSecret } from '../../util/secrets.js';
import type { dockerConfigSchema, helperOutputSchema } from './auth-schemas.js';

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker's "identitytoken"), exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token sent to the registry as is (cosign's --registry-token). */
  registryToken?: string;
}

export interface CredentialOptions {
  username?: string;
  password?: string;
  registryToken?: string;
  /**
   * The one registry (host[:port]) that `username`/`password`/`registryToken` belong to. Required
   * when any of them is given; other registries fall back to Docker's config or anonymous access.
   */
  registryHost?: string;
  /** Directory holding config.json; defaults to $DOCKER_CONFIG, then ~/.docker. */
  dockerConfigDir?: string;
  /** Set false to ignore Docker's config entirely. */
  useDockerConfig?: boolean;
}

type DockerConfig = z.infer<typeof dockerConfigSchema>;

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

/** Hub answers under several names; config files use any of them. */
function configKeysFor(registry: string): string[] {
  if (registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io') {
    return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  }
  return [registry];
}

function normalizeConfigKey(key: string): string {
  return key
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

export class CredentialStore {
  private config: DockerConfig | null | undefined;
  private readonly cache = new Map<string, Promise<Credential | undefined>>();

  private readonly boundHost: string | undefined;

  constructor(private readonly options: CredentialOptions = {}) {
    if ((options.username === undefined) !== (options.password === undefined)) {
      throw new TrustgateError('USAGE', 'the username and password options must be given together');
    }
    const explicit =
      options.username !== undefined || options.password !== undefined || options.registryToken !== undefined;
    if (options.registryHost !== undefined) {
      this.boundHost = normalizeRegistryHost(options.registryHost);
      if (!this.boundHost)
        throw new TrustgateError('USAGE', `registryHost "${options.registryHost}" is not a host[:port]`, {
          hint: 'give the registry name as in image references, e.g. ghcr.io or 127.0.0.1:5000',
        });
    } else if (explicit) {
      throw new TrustgateError(
        'USAGE',
        'explicit credentials (username/password or registryToken) need registryHost, the one registry they belong to',
        {
          hint: 'set the registryHost option; credentials are never sent to a registry they were not given for',
        },
      );
    }
    registerSecret(options.password);
    registerSecret(options.registryToken);
    if (options.username !== undefined && options.password !== undefined)
      registerBasicSecret(options.username, options.password);
  }

  get(registry: string): Promise<Credential | undefined> {
    const key = normalizeRegistryHost(registry) ?? registry;
    let p = this.cache.get(key);
    if (!p) {
      p = this.lookup(key).then(registerCredential);
      this.cache.set(key, p);
    }
    return p;
  }

  private async lookup(registry: string): Promise<Credential | undefined> {
    const o = this.options;
    if (this.boundHost !== undefined && registry === this.boundHost) {
      if (o.registryToken) return { registryToken: o.registryToken };
      if (o.username !== undefined && o.password !== undefined)
        return { username: o.username, password: o.password };
    }
    if (o.useDockerConfig === false) return undefined;
    const config = await this.loadConfig();
    if (!config) return undefined;
    const keys = configKeysFor(registry);
    const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean);
    if (helper) return runHelper(helper, keys[0]!);
    for (const [key, entry] of Object.entries(config.auths ?? {})) {
      if (
        !keys.includes(normalizeConfigKey(key)) &&
        !keys.includes(key) &&
        normalizeRegistryHost(key) !== registry
      )
        continue;
      if (entry.identitytoken) return { identityToken: entry.identitytoken };
      if (entry.registrytoken) return { registryToken: entry.registrytoken };
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
      }
      if (entry.username !== undefined && entry.password !== undefined) {
        return { username: entry.username, password: entry.password };
      }
      // An entry with no secret defers to the credential store.
    }
    if (config.credsStore) return runHelper(config.credsStore, keys[0]!, true);
    return undefined;
  }

  private async loadConfig(): Promise<DockerConfig | null> {
    if (this.config !== undefined) return this.config;
    const dir = this.options.dockerConfigDir ?? process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
    const file = join(dir, 'config.json');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      this.config = null;
      return null;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TrustgateError('CREDENTIALS', `${file} is not valid JSON`, {
        hint: 'fix or remove the Docker config file',
      });
    }
    const { dockerConfigSchema } = await import('./auth-schemas.js');
    const r = dockerConfigSchema.safeParse(parsed);
    if (!r.success) {
      throw new TrustgateError(
        'CREDENTIALS',
        `${file} has an unexpected shape at ${r.error.issues[0]?.path.join('.')}`,
        {
          hint: 'fix the Docker config file',
        },
      );
    }
    this.config = r.data;
    return this.config;
  }
}

/** Every secret of a credential found, from any source, is hidden from output from now on. */
function registerCredential(c: Credential | undefined): Credential | undefined {
  if (!c) return c;
  registerSecret(c.password);
  registerSecret(c.identityToken);
  registerSecret(c.registryToken);
  if (c.password !== undefined) registerBasicSecret(c.username ?? '', c.password);
  return c;
}

const HELPER_NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** Run `docker-credential-<name> get`, host on stdin, as Docker does. */
function runHelper(name: string, serverUrl: string, fromCredsStore = false): Promise<Credential | undefined> {
  if (!HELPER_NAME_RE.test(name)) {
    return Promise.reject(new TrustgateError('CREDENTIALS', `credential helper name "${name}" is not valid`));
  }
  const bin = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['get'], { stdio: ['pipe', 'pipe', 'ignore'], timeout: 15_000 });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (out.length < 1_000_000) out += d;
    });
    child.on('error', (e) => {
      const notFound = (e as NodeJS.ErrnoException).code === 'ENOENT';
      if (notFound && fromCredsStore) resolve(undefined);
      else
        reject(
          new TrustgateError(
            'CREDENTIALS',
            `credential helper ${bin} could not run: ${notFound ? 'not found on PATH' : (e as Error).message}`,
          ),
        );
    });
    const schema = import('./auth-schemas.js');
    child.on('close', async (code) => {
      if (code !== 0) {
        // Helpers exit non-zero for "no credentials for this server": anonymous, not an error.
        resolve(undefined);
        return;
      }
      let parsed: z.infer<typeof helperOutputSchema>;
      try {
        parsed = (await schema).helperOutputSchema.parse(JSON.parse(out));
      } catch {
        reject(
          new TrustgateError(
            'CREDENTIALS',
            `credential helper ${bin} returned output that is not {Username, Secret} JSON`,
          ),
        );
        return;
      }
      if (parsed.Username === '<token>') resolve({ identityToken: parsed.Secret });
      else resolve({ username: parsed.Username ?? '', password: parsed.Secret });
    });
    // A helper may exit without reading its input; the close handler decides the outcome.
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
}
