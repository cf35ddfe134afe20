/** The registry flags every command shares, named as in cosign. */
import { type Command, Option } from 'commander';
import type { RegistryClientOptions } from '../oci/registry/client.js';

export interface RegistryFlags {
  registryUsername?: string;
  registryPassword?: string;
  registryToken?: string;
  registryCacert?: string[];
  allowInsecureRegistry?: boolean;
  allowHttpRegistry?: boolean;
  timeout?: string;
  requestTimeout?: string;
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

export class UsageError extends Error {}

export function registryClientOptions(f: RegistryFlags): RegistryClientOptions {
  const env = process.env;
  const o: RegistryClientOptions = {
    insecureSkipTlsVerify: f.allowInsecureRegistry ?? false,
    allowHttp: f.allowHttpRegistry ?? false,
    timeoutMs: atLeastOne('timeout', f.timeout, 30) * 1000,
    minTransferRate: positiveInt('min-transfer-rate', f.minTransferRate, 1024),
    ...(f.requestTimeout === undefined
      ? {}
      : { requestTimeoutMs: atLeastOne('request-timeout', f.requestTimeout, 300) * 1000 }),
    maxRetries: positiveInt('max-retries', f.maxRetries, 4),
    concurrency: Math.max(1, positiveInt('concurrency', f.concurrency, 16)),
    caFiles: f.registryCacert ?? [],
  };
  const username = f.registryUsername ?? env.TRUSTGATE_REGISTRY_USERNAME;
  const password = f.registryPassword ?? env.TRUSTGATE_REGISTRY_PASSWORD;
  const token = f.registryToken ?? env.TRUSTGATE_REGISTRY_TOKEN;
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError('--registry-username and --registry-password must be given together');
  }
  if (username !== undefined) o.username = username;
  if (password !== undefined) o.password = password;
  if (token !== undefined) o.registryToken = token;
  return o;
}
