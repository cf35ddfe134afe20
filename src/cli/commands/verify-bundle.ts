import { type Command, Option } from 'commander';
import { ExitCode } from '../../exit-codes.js';
import { MAX_INPUT_FILE_BYTES, readInputFile } from '../../util/safe-fs.js';
import type { Io } from '../output.js';
import { UsageError } from '../registry-options.js';
import { identityInput } from '../trust-options.js';

interface VerifyBundleFlags {
  bundle: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  key?: string;
  trustedRoot?: string;
  staging?: boolean;
  digestAlg?: 'sha256' | 'sha384' | 'sha512';
}

/** The sigstore-conformance `verify-bundle` protocol: exit 0 to accept, non-zero to reject. */
export function registerVerifyBundle(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('verify-bundle')
    .description('verify a Sigstore bundle against a file or a digest (sigstore-conformance CLI protocol)')
    .argument(
      '<file-or-digest>',
      'the artifact, or its digest: sha256:<64 hex>, sha384:<96 hex>, sha512:<128 hex>',
    )
    .requiredOption('--bundle <file>', 'the Sigstore bundle (JSON)')
    .addOption(new Option('--certificate-identity <san>', 'expected certificate SAN, exact'))
    .addOption(
      new Option(
        '--certificate-identity-regexp <re>',
        'expected certificate SAN, as a regexp (anchored: ^…$ is implied)',
      ),
    )
    .addOption(new Option('--certificate-oidc-issuer <url>', 'expected OIDC issuer, exact'))
    .addOption(
      new Option('--certificate-oidc-issuer-regexp <re>', 'expected OIDC issuer, as a regexp (anchored)'),
    )
    .addOption(new Option('--key <file>', 'PEM public key, instead of an identity'))
    .addOption(
      new Option(
        '--trusted-root <file>',
        'trusted_root.json (default: the public-good root embedded in @sigstore/tuf)',
      ),
    )
    .addOption(
      new Option(
        '--digest-alg <alg>',
        "match the statement's subjects by this digest only (default: any of sha256, sha384, sha512 they carry)",
      ).choices(['sha256', 'sha384', 'sha512']),
    )
    .addOption(
      new Option(
        '--staging',
        'accepted for protocol compatibility; use --trusted-root for staging',
      ).hideHelp(),
    )
    .action(async (target: string, flags: VerifyBundleFlags) => {
      const keyless = [
        flags.certificateIdentity,
        flags.certificateIdentityRegexp,
        flags.certificateOidcIssuer,
        flags.certificateOidcIssuerRegexp,
      ].some((v) => v !== undefined);
      if (keyless === (flags.key !== undefined))
        throw new UsageError(
          'give either --key, or --certificate-identity(-regexp) with --certificate-oidc-issuer(-regexp)',
        );
      // lazy: sigstore-js (the verify chunk) adds ~40-60 ms of CPU to the start of commands that never verify.
      const [{ artifactOf, runVerifyBundle }, { buildTrust }] = await Promise.all([
        import('../../run/verify-bundle.js'),
        import('../../verify/trust.js'),
      ]);
      const identity = identityInput(flags);
      const trust = await buildTrust({
        ...(flags.key ? { keys: [flags.key] } : identity ? { identity } : {}),
        root: flags.trustedRoot ? { trustedRoot: flags.trustedRoot } : { embedded: 'public-good' },
      });
      const artifact = artifactOf(target);
      let json: unknown;
      try {
        json = JSON.parse(readInputFile(flags.bundle, MAX_INPUT_FILE_BYTES).toString('utf8'));
      } catch {
        io.err(`${io.errChalk.red('rejected:')} ${flags.bundle} is not JSON`);
        setExit(ExitCode.FAILURE);
        return;
      }
      const r = runVerifyBundle(
        json,
        artifact,
        trust,
        flags.digestAlg ? { digestAlgorithm: flags.digestAlg } : {},
      );
      if (r.ok) {
        io.out(`verified: ${target}, signed by ${r.description}`);
        setExit(ExitCode.OK);
      } else {
        io.err(`${io.errChalk.red('rejected:')} ${r.reason}`);
        setExit(ExitCode.FAILURE);
      }
    });
}
