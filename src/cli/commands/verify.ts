import { type Command, Option } from 'commander';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, registryClientOptions } from '../registry-options.js';
import { addTrustOptions, type TrustFlags, trustOptions } from '../trust-options.js';

interface VerifyFlags extends RegistryFlags, TrustFlags {
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
    .argument('<image...>', 'image references: [registry/]repo[:tag][@sha256:…] or oci:PATH[:tag|@sha256:…]');
  addTrustOptions(cmd)
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
  addRegistryOptions(cmd).action(async (images: string[], flags: VerifyFlags) => {
    const trust = trustOptions(flags);
    // Loaded on use: sigstore-js is not needed to start every command.
    const { verifyImages } = await import('../../verify/verify-image.js');
    const run = await verifyImages(images, {
      ...registryClientOptions(flags),
      ...trust,
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
