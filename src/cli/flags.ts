/**
 * The one place that knows which command-line flag sets which library option. The library names
 * options in its errors (TrustgateError.option); the CLI turns them into the flags its user typed.
 */
import { describeError, isTrustgateError } from '../errors.js';

/** Library option (VerifyOptions, RegistryClientOptions, PolicyRunOptions) → the flag that sets it. */
export const FLAG_FOR_OPTION: Readonly<Record<string, string>> = {
  keys: '--key',
  vsa: '--vsa',
  vsaKey: '--vsa-key',
  vsaAttach: '--vsa-attach',
  vsaVerifierId: '--vsa-verifier-id',
  identity: '--certificate-identity',
  caRoots: '--ca-roots',
  caIntermediates: '--ca-intermediates',
  ignoreSct: '--insecure-ignore-sct',
  ignoreTlog: '--insecure-ignore-tlog',
  tufMirror: '--tuf-mirror',
  tufRoot: '--tuf-root',
  trustedRoot: '--trusted-root',
  rekorPublicKey: '--rekor-public-key',
  rekorUrl: '--rekor-url',
  certificate: '--certificate',
  certificateChain: '--certificate-chain',
  annotations: '--annotations',
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
  timeoutMs: '--idle-timeout',
  runTimeoutMs: '--timeout',
  clientCertFile: '--registry-client-cert',
  clientKeyFile: '--registry-client-key',
  serverName: '--registry-server-name',
  imageConcurrency: '--max-workers',
  newBundleFormat: '--new-bundle-format',
  attachmentTagPrefix: '--attachment-tag-prefix',
  offline: '--offline',
  requestTimeoutMs: '--request-timeout',
  minTransferRate: '--min-transfer-rate',
  maxRetries: '--max-retries',
  concurrency: '--concurrency',
  cache: '--cache',
  exhaustive: '--exhaustive',
  casesFile: '--cases',
  dir: '--dir',
  imagesFrom: '--images-from',
  imageName: '--image-name',
  claims: '--certificate-extension',
  identityRegexp: '--certificate-identity-regexp',
  issuerRegexp: '--certificate-oidc-issuer-regexp',
  index: '--index',
  latest: '--latest',
};

/**
 * The error line the CLI prints: describeError, led by the flag when the error names a library
 * option the user set by that flag. A library message that opens with the option's name
 * ("keys ./k.pub: not a valid PEM public key") has that name swapped for the flag, so the CLI
 * prints what it always has ("--key ./k.pub: …"); any other message is led by "flag: ".
 */
export function cliMessage(e: unknown): string {
  const text = describeError(e);
  if (!isTrustgateError(e) || e.option === undefined) return text;
  const flag = FLAG_FOR_OPTION[e.option];
  if (flag === undefined || text.includes(flag)) return text;
  const rest = text.slice(e.option.length);
  if (text.startsWith(e.option) && (rest === '' || rest[0] === ' ' || rest[0] === ':')) return flag + rest;
  return `${flag}: ${text}`;
}
