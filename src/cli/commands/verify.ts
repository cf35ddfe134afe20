import { type Command, Option } from 'commander';
import type { Io } from '../output.js';
import {
  addRegistryOptions,
  collect,
  type RegistryFlags,
  registryClientOptions,
  UsageError,
} from '../registry-options.js';
import { addKeylessOptions, identityInput, type KeylessFlags } from '../trust-options.js';

interface VerifyFlags extends RegistryFlags, KeylessFlags {
  key?: string[];
  insecureIgnoreTlog?: boolean;
  trustedRoot?: string;
  rekorPublicKey?: string;
  signatureRepository?: string;
  requireDockerReference?: boolean;
  platform?: string;
  output: string;
  allSignatures?: boolean;
}

export function registerVerify(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('verify')
    .description(
      'verify the signatures attached to images (cosign verify): exit 0 verified, 10 none found, 12 none matched',
    )
    .argument('<image...>', 'image references: [registry/]repo[:tag][@sha256:…] or oci:PATH[:tag|@sha256:…]')
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
    )
    .addOption(
      new Option('--signature-repository <repo>', 'registry/repo holding the .sig tags').env(
        'COSIGN_REPOSITORY',
      ),
    )
    .addOption(
      new Option(
        '--require-docker-reference',
        'fail when the signed docker-reference names another repository',
      ),
    )
    .addOption(
      new Option('--platform <os/arch[/variant]>', "verify this platform's image from a multi-arch index"),
    )
    .addOption(
      new Option(
        '--all-signatures',
        'examine every signature even after one verified (implied by -o cosign)',
      ),
    )
    .addOption(
      new Option('-o, --output <format>', 'text, json or cosign')
        .choices(['text', 'json', 'cosign'])
        .default('text'),
    );
  addRegistryOptions(addKeylessOptions(cmd)).action(async (images: string[], flags: VerifyFlags) => {
    const identity = identityInput(flags);
    if (flags.tufMirror && (flags.offline || flags.trustedRoot)) {
      throw new UsageError(
        '--tuf-mirror goes online; it cannot be combined with --offline or --trusted-root',
      );
    }
    if (flags.tufRoot && !flags.tufMirror) throw new UsageError('--tuf-root needs --tuf-mirror');
    if ((flags.key?.length ?? 0) > 0 === (identity !== undefined)) {
      throw new UsageError(
        'give either --key, or --certificate-identity(-regexp) with --certificate-oidc-issuer(-regexp)',
      );
    }
    // Loaded on use: sigstore-js is not needed to start every command.
    const { verifyImages } = await import('../../verify/verify-image.js');
    const run = await verifyImages(images, {
      ...registryClientOptions(flags),
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
      ...(flags.signatureRepository ? { signatureRepository: flags.signatureRepository } : {}),
      requireDockerReference: flags.requireDockerReference ?? false,
      allSignatures: (flags.allSignatures ?? false) || flags.output === 'cosign',
      ...(flags.platform ? { platform: flags.platform } : {}),
    });
    const render = await import('../render/verify.js');
    if (flags.output === 'json') io.out(JSON.stringify(render.verifyJson(run), null, 2));
    else if (flags.output === 'cosign') render.renderVerifyCosign(run, io);
    else render.renderVerifyText(run, io);
    setExit(run.exitCode);
  });
}
