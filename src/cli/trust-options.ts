/** Keyless flags, named as in cosign, shared by every verifying command. */
import { type Command, Option } from 'commander';
import type { Limits } from '../run/context.js';
import { trustInputOf, type VerifyOptions } from '../run/options.js';
import { GITHUB_V1_CLAIMS, parseExtensionFlag } from '../trust/claims.js';
import type { IdentityPolicyInput } from '../trust/identity.js';
import type { TrustInput } from '../verify/trust.js';
import { type CosignTrustFlags, cosignTrustOptions } from './cosign-trust-options.js';
import { collect, UsageError } from './registry-options.js';

export interface TrustFlags extends KeylessFlags, CosignTrustFlags {
  key?: string[];
  maxPayloadSize?: string;
  insecureIgnoreTlog?: boolean;
  trustedRoot?: string;
  rekorPublicKey?: string;
}

export interface KeylessFlags {
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  certificateGithubWorkflowTrigger?: string;
  certificateGithubWorkflowSha?: string;
  certificateGithubWorkflowName?: string;
  certificateGithubWorkflowRepository?: string;
  certificateGithubWorkflowRef?: string;
  certificateExtension?: string[];
  caRoots?: string;
  caIntermediates?: string;
  insecureIgnoreSct?: boolean;
  offline?: boolean;
  tufMirror?: string;
  tufRoot?: string;
}

export function addKeylessOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--certificate-identity <san>', 'keyless: the certificate SAN, exact'))
    .addOption(
      new Option(
        '--certificate-identity-regexp <re>',
        'keyless: the certificate SAN as a regexp; anchored (^…$ is implied)',
      ),
    )
    .addOption(new Option('--certificate-oidc-issuer <url>', 'keyless: the OIDC issuer, exact'))
    .addOption(
      new Option('--certificate-oidc-issuer-regexp <re>', 'keyless: the OIDC issuer as a regexp; anchored'),
    )
    .addOption(
      new Option('--certificate-github-workflow-trigger <v>', 'keyless: exact GitHub workflow trigger claim'),
    )
    .addOption(
      new Option('--certificate-github-workflow-sha <v>', 'keyless: exact GitHub workflow commit claim'),
    )
    .addOption(
      new Option('--certificate-github-workflow-name <v>', 'keyless: exact GitHub workflow name claim'),
    )
    .addOption(
      new Option('--certificate-github-workflow-repository <v>', 'keyless: exact GitHub repository claim'),
    )
    .addOption(
      new Option(
        '--certificate-github-workflow-ref <v>',
        'keyless: exact GitHub ref claim (e.g. refs/tags/v1.2.3)',
      ),
    )
    .addOption(
      new Option(
        '--certificate-extension <name=value>',
        'keyless: exact Fulcio claim, e.g. sourceRepositoryRef=refs/tags/v1; repeatable',
      ).argParser(collect),
    )
    .addOption(
      new Option('--ca-roots <file>', 'keyless with a private CA: PEM root certificates (no Fulcio/Rekor)'),
    )
    .addOption(
      new Option('--ca-intermediates <file>', 'keyless with a private CA: PEM intermediate certificates'),
    )
    .addOption(new Option('--insecure-ignore-sct', 'keyless: accept certificates without an embedded SCT'))
    .addOption(
      new Option(
        '--offline',
        "no network but the registries of the images: a key URL or --tuf-mirror is an error (cosign's --offline still goes online)",
      ),
    )
    .addOption(
      new Option(
        '--tuf-mirror <url>',
        'refresh the trusted root online from this TUF mirror (explicit; cached)',
      ),
    )
    .addOption(
      new Option('--tuf-root <file>', 'initial root.json for --tuf-mirror (private TUF repositories)'),
    );
}

/** The identity policy the flags ask for, or undefined when none was given (key-based). */
export function identityInput(f: KeylessFlags): IdentityPolicyInput | undefined {
  const claims: Record<string, string> = {};
  const gh: Array<[keyof typeof GITHUB_V1_CLAIMS, string | undefined]> = [
    ['github-workflow-trigger', f.certificateGithubWorkflowTrigger],
    ['github-workflow-sha', f.certificateGithubWorkflowSha],
    ['github-workflow-name', f.certificateGithubWorkflowName],
    ['github-workflow-repository', f.certificateGithubWorkflowRepository],
    ['github-workflow-ref', f.certificateGithubWorkflowRef],
  ];
  for (const [name, v] of gh) if (v !== undefined) claims[GITHUB_V1_CLAIMS[name]] = v;
  for (const e of f.certificateExtension ?? []) {
    const [oid, v] = parseExtensionFlag(e);
    claims[oid] = v;
  }
  const any =
    f.certificateIdentity ??
    f.certificateIdentityRegexp ??
    f.certificateOidcIssuer ??
    f.certificateOidcIssuerRegexp;
  if (any === undefined && Object.keys(claims).length === 0) return undefined;
  return {
    ...(f.certificateIdentity !== undefined ? { identity: f.certificateIdentity } : {}),
    ...(f.certificateIdentityRegexp !== undefined ? { identityRegexp: f.certificateIdentityRegexp } : {}),
    ...(f.certificateOidcIssuer !== undefined ? { issuer: f.certificateOidcIssuer } : {}),
    ...(f.certificateOidcIssuerRegexp !== undefined ? { issuerRegexp: f.certificateOidcIssuerRegexp } : {}),
    ...(Object.keys(claims).length > 0 ? { claims } : {}),
  };
}

/** --key and the trust-root flags, then the keyless ones: every verifying command takes these. */
const DEFAULT_MAX_PAYLOAD_SIZE = '16MiB';

export function addTrustOptions(cmd: Command): Command {
  cmd
    .addOption(
      new Option(
        '--key <key>',
        'public key: PEM file, https:// URL or env://VAR; repeat for several (any one matching is enough)',
      )
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option(
        '--insecure-ignore-tlog',
        'accept signatures with no transparency-log entry (prints a warning)',
      ),
    )
    .addOption(
      new Option(
        '--trusted-root <file>',
        'Sigstore trusted_root.json (default: the public-good root embedded in @sigstore/tuf, offline)',
      ),
    )
    .addOption(
      new Option(
        '--rekor-public-key <file>',
        "verify Rekor bundles (SETs) against this key instead of the trusted root's logs",
      ).env('SIGSTORE_REKOR_PUBLIC_KEY'),
    );
  cmd.addOption(
    new Option(
      '--max-payload-size <size>',
      'largest signature payload, bundle or attestation read (e.g. 16MiB, 200MiB)',
    ).default(DEFAULT_MAX_PAYLOAD_SIZE),
  );
  return addKeylessOptions(cmd);
}

/** `16MiB`, `200MB`, `1048576` → bytes. */
export function parseSize(s: string, flag: string): number {
  const m = /^(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i.exec(s.trim());
  if (!m) throw new UsageError(`${flag} "${s}" is not a size like 16MiB or 200MB`);
  const unit = (m[2] ?? 'B').toLowerCase();
  const mult = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 }[unit] ?? 1;
  return Number(m[1]) * mult;
}

/** The library options the trust flags ask for; usage errors for contradictory ones. */
export function trustOptions(
  flags: TrustFlags,
): Pick<
  VerifyOptions,
  | 'keys'
  | 'identity'
  | 'caRoots'
  | 'caIntermediates'
  | 'ignoreSct'
  | 'tufMirror'
  | 'tufRoot'
  | 'ignoreTlog'
  | 'trustedRoot'
  | 'rekorPublicKey'
  | 'discoveryLimits'
  | 'annotations'
  | 'certificate'
  | 'certificateChain'
  | 'signatureDigestAlgorithm'
  | 'rekorUrl'
  | 'offline'
> {
  // cosign's refusals first: a pasted `--sk` or KMS key gets its own line, not a generic one.
  const cosign = cosignTrustOptions(flags as TrustFlags & Record<string, unknown>);
  const identity = identityInput(flags);
  if ((flags.key?.length ?? 0) > 0 === (identity !== undefined)) {
    throw new UsageError(
      'give either --key, or --certificate-identity(-regexp) with --certificate-oidc-issuer(-regexp)',
    );
  }
  if (flags.tufMirror && (flags.offline || flags.trustedRoot)) {
    throw new UsageError('--tuf-mirror goes online; it cannot be combined with --offline or --trusted-root');
  }
  if (flags.tufRoot && !flags.tufMirror) throw new UsageError('--tuf-root needs --tuf-mirror');
  return {
    discoveryLimits: { maxPayloadBytes: maxPayloadBytesOf(flags) },
    keys: flags.key ?? [],
    ...(identity ? { identity } : {}),
    ...(flags.caRoots ? { caRoots: flags.caRoots } : {}),
    ...(flags.caIntermediates ? { caIntermediates: flags.caIntermediates } : {}),
    ignoreSct: flags.insecureIgnoreSct ?? false,
    ...(flags.tufMirror ? { tufMirror: flags.tufMirror } : {}),
    ...(flags.tufRoot ? { tufRoot: flags.tufRoot } : {}),
    ignoreTlog: flags.insecureIgnoreTlog ?? false,
    ...(flags.trustedRoot ? { trustedRoot: flags.trustedRoot } : {}),
    ...(flags.rekorPublicKey ? { rekorPublicKey: flags.rekorPublicKey } : {}),
    ...cosign,
    ...(flags.offline ? { offline: true } : {}),
  };
}

/**
 * What buildTrust takes, from the trust flags (and verify's --require-docker-reference): the same
 * checks, in the same order, as trustOptions, so usage errors are reported as before.
 */
export function trustInputFromFlags(
  flags: TrustFlags,
  o: { requireDockerReference?: boolean } = {},
): TrustInput {
  return trustInputOf({ ...trustOptions(flags), ...o });
}

/** The discovery limits the trust flags set (--max-payload-size). */
export function limitsFromFlags(flags: TrustFlags): Limits {
  return { discovery: { maxPayloadBytes: maxPayloadBytesOf(flags) } };
}

function maxPayloadBytesOf(flags: TrustFlags): number {
  return parseSize(flags.maxPayloadSize ?? DEFAULT_MAX_PAYLOAD_SIZE, '--max-payload-size');
}
