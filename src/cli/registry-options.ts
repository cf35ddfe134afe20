/** The registry flags every command shares, named as in cosign. */
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import type { RegistryClientOptions } from '../oci/registry/client.js';
import { normalizeRegistryHost } from '../oci/registry/credentials.js';
import { parseReference } from '../reference/parse.js';
import type { SourceOptions } from '../run/source.js';

// Commands import it from here; it is the library's UsageError (a TrustgateError with code USAGE).
export { UsageError } from '../errors.js';

export interface RegistryFlags {
  registryUsername?: string;
  registryPassword?: string;
  registryToken?: string;
  registryHost?: string;
  registryCacert?: string[];
  allowInsecureRegistry?: boolean;
  allowHttpRegistry?: boolean;
  timeout?: string;
  requestTimeout?: string;
  runTimeout?: string;
  minTransferRate?: string;
  maxRetries?: string;
  concurrency?: string;
}

/** Repeatable option: each use appends (a variadic option would swallow the image arguments). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addRegistryOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--registry-username <user>', 'registry user name (env TRUSTGATE_REGISTRY_USERNAME)'),
    )
    .addOption(
      new Option(
        '--registry-password <password>',
        'registry password; prefer env TRUSTGATE_REGISTRY_PASSWORD (flags show in ps)',
      ),
    )
    .addOption(new Option('--registry-token <token>', 'registry bearer token (env TRUSTGATE_REGISTRY_TOKEN)'))
    .addOption(
      new Option(
        '--registry-host <host>',
        'the one registry the credentials above are sent to (env TRUSTGATE_REGISTRY_HOST); default: the registry of the images given as arguments, when they share one',
      ),
    )
    .addOption(
      new Option(
        '--registry-cacert <file>',
        'extra CA certificates (PEM) for registry TLS; repeatable',
      ).argParser(collect),
    )
    .addOption(new Option('--allow-insecure-registry', 'skip TLS certificate verification (testing only)'))
    .addOption(
      new Option(
        '--allow-http-registry',
        'allow plain HTTP to registries (always allowed for localhost/127.0.0.1)',
      ),
    )
    .addOption(
      new Option(
        '--timeout <seconds>',
        'longest a registry may stay silent: before answering, or between body bytes',
      ).default('30'),
    )
    .addOption(
      new Option(
        '--request-timeout <seconds>',
        'overall deadline of each registry request, retries and redirects included (default: 10 × --timeout)',
      ),
    )
    .addOption(
      new Option(
        '--run-timeout <seconds>',
        'time for all registry traffic of the run; nothing is fetched after it (0: no limit)',
      ).default('1800'),
    )
    .addOption(
      new Option(
        '--min-transfer-rate <bytes/s>',
        'abort a registry download slower than this over any --timeout window after the first (0 disables)',
      ).default('1024'),
    )
    .addOption(new Option('--max-retries <n>', 'retries on 429/502/503/504').default('4'))
    .addOption(new Option('--concurrency <n>', 'registry requests in flight at once').default('16'));
}

function atLeastOne(name: string, v: string | undefined, fallback: number): number {
  const n = positiveInt(name, v, fallback);
  if (n < 1) throw new UsageError(`--${name} must be at least 1 second, got "${v}"`);
  return n;
}

function positiveInt(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
  return n;
}

/**
 * Client options from the registry flags. `commandLineImages` are the references the operator typed
 * (arguments, --signature-repository): only they may choose the default credentials host. Images read
 * from --images-from or manifests never do, so a file edited in a pull request cannot send the CI
 * token to a registry of its choosing.
 */
export function registryClientOptions(
  f: RegistryFlags,
  commandLineImages: readonly (string | undefined)[],
): RegistryClientOptions {
  const env = process.env;
  const o: RegistryClientOptions = {
    insecureSkipTlsVerify: f.allowInsecureRegistry ?? false,
    allowHttp: f.allowHttpRegistry ?? false,
    timeoutMs: atLeastOne('timeout', f.timeout, 30) * 1000,
    minTransferRate: positiveInt('min-transfer-rate', f.minTransferRate, 1024),
    runTimeoutMs: positiveInt('run-timeout', f.runTimeout, 1800) * 1000,
    ...(f.requestTimeout === undefined
      ? {}
      : { requestTimeoutMs: atLeastOne('request-timeout', f.requestTimeout, 300) * 1000 }),
    maxRetries: positiveInt('max-retries', f.maxRetries, 4),
    concurrency: Math.max(1, positiveInt('concurrency', f.concurrency, 16)),
    caFiles: f.registryCacert ?? [],
  };
  // An empty variable is unset: CI fills a missing secret with "".
  const username = f.registryUsername ?? nonEmpty(env.TRUSTGATE_REGISTRY_USERNAME);
  const password = f.registryPassword ?? nonEmpty(env.TRUSTGATE_REGISTRY_PASSWORD);
  const token = f.registryToken ?? nonEmpty(env.TRUSTGATE_REGISTRY_TOKEN);
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError('--registry-username and --registry-password must be given together');
  }
  const host = f.registryHost ?? nonEmpty(env.TRUSTGATE_REGISTRY_HOST);
  if (host !== undefined) {
    const normalized = normalizeRegistryHost(host);
    if (!normalized)
      throw new UsageError(`--registry-host "${host}" is not a registry host[:port] such as ghcr.io`);
    o.registryHost = normalized;
  }
  if (username === undefined && token === undefined) return o;
  if (username !== undefined) o.username = username;
  if (password !== undefined) o.password = password;
  if (token !== undefined) o.registryToken = token;
  o.registryHost ??= defaultCredentialsHost(commandLineImages);
  return o;
}

/** Where a command's images come from: the registry flags, and --platform when the command has it. */
export function sourceOptionsFromFlags(
  f: RegistryFlags & { platform?: string },
  commandLineImages: readonly (string | undefined)[],
): SourceOptions {
  return { ...registryClientOptions(f, commandLineImages), ...(f.platform ? { platform: f.platform } : {}) };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** The one registry the command-line images share; otherwise a usage error naming --registry-host. */
function defaultCredentialsHost(images: readonly (string | undefined)[]): string {
  const hosts = new Set<string>();
  for (const image of images) {
    if (image === undefined) continue;
    try {
      const ref = parseReference(image);
      if (ref.kind === 'registry') hosts.add(normalizeRegistryHost(ref.registry) ?? ref.registry);
    } catch {
      // An invalid reference is reported where it is used; it names no host here.
    }
  }
  if (hosts.size === 1) return [...hosts][0]!;
  const why =
    hosts.size === 0
      ? 'no image given as an argument names a registry (images from --images-from or --from-manifests never choose it)'
      : `the images given as arguments are on several registries (${[...hosts].sort().join(', ')})`;
  throw new UsageError(
    `registry credentials are sent to one registry only, and ${why}: give --registry-host HOST (or TRUSTGATE_REGISTRY_HOST)`,
  );
}
