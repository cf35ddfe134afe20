/** Keyless flags, named as in cosign, shared by every verifying command. */
import { type Command, Option } from 'commander';
import { GITHUB_V1_CLAIMS, parseExtensionFlag } from '../verify/claims.js';
import type { IdentityPolicyInput } from '../verify/identity.js';
import { collect } from './registry-options.js';

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
        'never go online for trust material (the default: the trust root is embedded or given)',
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
