/** The registry flags every command shares, named as in cosign. */
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import type { RegistryClientOptions } from '../oci/registry/client.js';
import { normalizeRegistryHost } from '../oci/registry/credentials.js';
import { parseReference } from '../reference/parse.js';
import type { SourceOptions } from '../run/source.js';
import { redact } from '../util/secrets.js';
import { parseGoDuration } from './duration.js';

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
  registryClientCert?: string;
  registryClientKey?: string;
  registryServerName?: string;
  k8sKeychain?: boolean;
  /** cosign's -t: the run's deadline (what --run-timeout sets). */
  timeout?: string;
  idleTimeout?: string;
  requestTimeout?: string;
  runTimeout?: string;
  verbose?: boolean;
  /** Read by main.ts (stdout goes to the file); listed so commands may see it. */
  outputFile?: string;
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
    .addOption(
      new Option(
        '--registry-client-cert <file>',
        'PEM client certificate for mutual TLS with the registry (with --registry-client-key)',
      ),
    )
    .addOption(new Option('--registry-client-key <file>', 'PEM private key of --registry-client-cert'))
    .addOption(
      new Option(
        '--registry-server-name <name>',
        'TLS server name for the registry: sent as SNI and expected in its certificate',
      ),
    )
    .addOption(new Option('--k8s-keychain', 'refused: not supported').hideHelp())
    .addOption(new Option('--allow-insecure-registry', 'skip TLS certificate verification (testing only)'))
    .addOption(
      new Option(
        '--allow-http-registry',
        'allow plain HTTP to registries (always allowed for localhost/127.0.0.1)',
      ),
    )
    .addOption(
      new Option(
        '-t, --timeout <duration>',
        "the run's deadline, as cosign's -t: 90s, 3m, 1h30m (a bare number is seconds; 0: none). Default 30m (cosign's is 3m)",
      ),
    )
    .addOption(
      new Option(
        '--run-timeout <duration>',
        'the same as -t/--timeout (its older name): time for all registry traffic of the run',
      ),
    )
    .addOption(
      new Option(
        '--idle-timeout <duration>',
        'longest a registry may stay silent: before answering, or between body bytes',
      ).default('30s'),
    )
    .addOption(
      new Option(
        '--request-timeout <duration>',
        'overall deadline of each registry request, retries and redirects included (default: 10 × --idle-timeout)',
      ),
    )
    .addOption(
      new Option(
        '--min-transfer-rate <bytes/s>',
        'abort a registry download slower than this over any --idle-timeout window after the first (0 disables)',
      ).default('1024'),
    )
    .addOption(new Option('--max-retries <n>', 'retries on 429/502/503/504').default('4'))
    .addOption(new Option('--concurrency <n>', 'registry requests in flight at once').default('16'))
    .addOption(new Option('--output-file <file>', 'write what would go to stdout to this file instead'))
    .addOption(
      new Option(
        '-d, --verbose',
        'print each registry request (method, URL without query, status) on stderr',
      ),
    );
}

/** A duration flag in ms that must not be 0 (0 would mean "no limit" to the transport). */
function nonZeroDuration(name: string, v: string): number {
  const ms = parseGoDuration(v, `--${name}`);
  if (ms === 0) throw new UsageError(`--${name} must be more than 0, got "${v}"`);
  return ms;
}

/** The run's deadline in ms: -t/--timeout, or --run-timeout (its older name); 0 is none. */
function runTimeoutMs(f: RegistryFlags): number {
  const t = f.timeout === undefined ? undefined : parseGoDuration(f.timeout, '--timeout');
  const r = f.runTimeout === undefined ? undefined : parseGoDuration(f.runTimeout, '--run-timeout');
  if (t !== undefined && r !== undefined && t !== r)
    throw new UsageError('-t/--timeout and --run-timeout are the same setting: give one');
  return t ?? r ?? DEFAULT_RUN_TIMEOUT_MS;
}

/** trustgate's default deadline of a run; cosign's -t defaults to 3m. */
const DEFAULT_RUN_TIMEOUT_MS = 30 * 60_000;

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
  if (f.k8sKeychain)
    throw new UsageError(
      '--k8s-keychain is not supported; use docker config (~/.docker/config.json) or --registry-username/--registry-password',
    );
  const o: RegistryClientOptions = {
    insecureSkipTlsVerify: f.allowInsecureRegistry ?? false,
    allowHttp: f.allowHttpRegistry ?? false,
    timeoutMs: nonZeroDuration('idle-timeout', f.idleTimeout ?? '30s'),
    minTransferRate: positiveInt('min-transfer-rate', f.minTransferRate, 1024),
    runTimeoutMs: runTimeoutMs(f),
    ...(f.requestTimeout === undefined
      ? {}
      : { requestTimeoutMs: nonZeroDuration('request-timeout', f.requestTimeout) }),
    ...(f.registryClientCert ? { clientCertFile: f.registryClientCert } : {}),
    ...(f.registryClientKey ? { clientKeyFile: f.registryClientKey } : {}),
    ...(f.registryServerName ? { serverName: f.registryServerName } : {}),
    ...(f.verbose ? { onDebug: (line: string) => process.stderr.write(`${redact(line)}\n`) } : {}),
    maxRetries: positiveInt('max-retries', f.maxRetries, 4),
    concurrency: Math.max(1, positiveInt('concurrency', f.concurrency, 16)),
    caFiles: f.registryCacert ?? [],
  };
  if ((f.registryClientCert === undefined) !== (f.registryClientKey === undefined))
    throw new UsageError('--registry-client-cert and --registry-client-key must be given together');
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
