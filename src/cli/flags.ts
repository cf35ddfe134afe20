/**
 * The one place that knows which command-line flag sets which library option. The library names
 * options in its errors (TrustgateError.option); the CLI turns them into the flags its user typed.
 */
import { describeError, isTrustgateError } from '../errors.js';

/** Library option (VerifyOptions, RegistryClientOptions, PolicyRunOptions) → the flag that sets it. */
export const FLAG_FOR_OPTION: Readonly<Record<string, string>> = {
  keys: '--key',
  identity: '--certificate-identity',
  caRoots: '--ca-roots',
  caIntermediates: '--ca-intermediates',
  ignoreSct: '--insecure-ignore-sct',
  ignoreTlog: '--insecure-ignore-tlog',
  tufMirror: '--tuf-mirror',
  tufRoot: '--tuf-root',
  trustedRoot: '--trusted-root',
  rekorPublicKey: '--rekor-public-key',
  signatureRepository: '--signature-repository',
  platform: '--platform',
  failFast: '--fail-fast',
  maxPayloadBytes: '--max-payload-size',
  policy: '--policy',
  effectiveTime: '--effective-time',
  auditLog: '--audit-log',
  username: '--registry-username',
  password: '--registry-password',
  registryToken: '--registry-token',
  registryHost: '--registry-host',
  caFiles: '--registry-cacert',
  insecureSkipTlsVerify: '--allow-insecure-registry',
  allowHttp: '--allow-http-registry',
  timeoutMs: '--timeout',
  requestTimeoutMs: '--request-timeout',
  minTransferRate: '--min-transfer-rate',
  maxRetries: '--max-retries',
  concurrency: '--concurrency',
};

/**
 * The error line the CLI prints: describeError, led by the flag when the error names a library
 * option the user set by that flag (and does not already say it).
 */
export function cliMessage(e: unknown): string {
  const text = describeError(e);
  if (!isTrustgateError(e) || e.option === undefined) return text;
  const flag = FLAG_FOR_OPTION[e.option];
  return flag === undefined || text.includes(flag) ? text : `${flag}: ${text}`;
}
