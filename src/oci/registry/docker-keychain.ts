/**
 * Credentials from Docker's config.json, per registry host: `credHelpers`, then `auths` entries, then
 * the `credsStore`, as Docker resolves them. Helper output is parsed, never echoed in errors.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type * as z from 'zod';
import { TrustgateError } from '../../errors.js';
import { readRegularFile } from '../../util/safe-fs.js';
import type { dockerConfigSchema, helperOutputSchema } from './auth-schemas.js';
import type { Credential, Keychain } from './keychain.js';
import { credentialKey, normalizeRegistryHost } from './registry-host.js';

const MAX_DOCKER_CONFIG_BYTES = 4 * 1024 * 1024;

type DockerConfig = z.infer<typeof dockerConfigSchema>;

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

export class DockerConfigKeychain implements Keychain {
  private config: DockerConfig | null | undefined;

  /** `dockerConfigDir` holds config.json; defaults to $DOCKER_CONFIG, then ~/.docker. */
  constructor(private readonly options: { dockerConfigDir?: string | undefined } = {}) {}

  async get(host: string): Promise<Credential | undefined> {
    const registry = credentialKey(host);
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
      // Docker's config is a few KiB: a FIFO or device planted at it is refused, a huge file fails at the cap.
      text = readRegularFile(file, MAX_DOCKER_CONFIG_BYTES, { followLinks: true }).toString('utf8');
    } catch (e) {
      // Absent or unreadable: anonymous, as Docker does. Too large is an error, never a silent fallback.
      if (e instanceof TrustgateError) throw e;
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
