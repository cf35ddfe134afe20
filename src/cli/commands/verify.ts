import { type Command, Option } from 'commander';
import type { Io } from '../output.js';
import {
  addRegistryOptions,
  type RegistryFlags,
  registryClientOptions,
  UsageError,
} from '../registry-options.js';
import { addTrustOptions, type TrustFlags, trustOptions } from '../trust-options.js';

interface VerifyFlags extends RegistryFlags, TrustFlags {
  signatureRepository?: string;
  requireDockerReference?: boolean;
  platform?: string;
  output: string;
  allSignatures?: boolean;
  policy?: string;
  effectiveTime?: string;
  auditLog?: string;
  imageName?: string;
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
      new Option(
        '--policy <file>',
        'evaluate the organisation policy instead of --key/identity flags: exit 0 allowed, 1 denied, 3 allowed with warnings',
      ),
    )
    .addOption(new Option('--effective-time <time>', 'with --policy: evaluate as of this RFC 3339 time'))
    .addOption(new Option('--audit-log <file>', 'with --policy: append one JSON line per decision (fsynced)'))
    .addOption(
      new Option(
        '--image-name <registry/repository>',
        'with --policy and an oci: layout: the name to match rules against (what it will be pulled as)',
      ),
    )
    .addOption(
      new Option('-o, --output <format>', 'text, json or cosign')
        .choices(['text', 'json', 'cosign'])
        .default('text'),
    );
  addRegistryOptions(cmd).action(async (images: string[], flags: VerifyFlags) => {
    if (flags.policy) {
      await verifyWithPolicy(images, flags, io, setExit);
      return;
    }
    for (const f of ['effectiveTime', 'auditLog', 'imageName'] as const)
      if (flags[f])
        throw new UsageError(`--${f.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)} needs --policy`);
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

async function verifyWithPolicy(
  images: string[],
  flags: VerifyFlags,
  io: Io,
  setExit: (code: number) => void,
): Promise<void> {
  if ((flags.key?.length ?? 0) > 0 || flags.certificateIdentity || flags.certificateIdentityRegexp)
    throw new UsageError('--policy names its own authorities; drop --key and --certificate-identity flags');
  if (flags.output === 'cosign') throw new UsageError('-o cosign has no policy form; use text or json');
  let effectiveTime: Date | undefined;
  if (flags.effectiveTime) {
    effectiveTime = new Date(flags.effectiveTime);
    if (Number.isNaN(effectiveTime.getTime()) || !/^\d{4}-\d\d-\d\dT/.test(flags.effectiveTime))
      throw new UsageError(
        `--effective-time ${flags.effectiveTime}: not an RFC 3339 time (2026-12-31T00:00:00Z)`,
      );
  }
  const { evaluateImages } = await import('../../policy/run.js');
  const run = await evaluateImages(images, {
    ...registryClientOptions(flags),
    policy: flags.policy!,
    ...(effectiveTime ? { effectiveTime } : {}),
    ...(flags.auditLog ? { auditLog: flags.auditLog } : {}),
    ...(flags.imageName ? { layoutName: flags.imageName } : {}),
    ...(flags.platform ? { platform: flags.platform } : {}),
  });
  const render = await import('../render/policy.js');
  if (flags.output === 'json') io.out(JSON.stringify(render.policyJson(run), null, 2));
  else render.renderPolicyText(run, io);
  setExit(run.exitCode);
}
