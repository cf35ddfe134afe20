import { type Command, Option } from 'commander';
import { printable } from '../../util/printable.js';
import {
  addBatchOptions,
  type BatchFlags,
  batchRunOptions,
  type OutputSpec,
  parseOutputs,
  readBatchInputs,
  withInputFailures,
  writeBatchOutputs,
} from '../batch-output.js';
import type { Io } from '../output.js';
import {
  addRegistryOptions,
  type RegistryFlags,
  registryClientOptions,
  UsageError,
} from '../registry-options.js';
import { addTrustOptions, type TrustFlags, trustOptions } from '../trust-options.js';

interface VerifyFlags extends RegistryFlags, TrustFlags, BatchFlags {
  signatureRepository?: string;
  requireDockerReference?: boolean;
  platform?: string;
  allSignatures?: boolean;
  policy?: string;
  effectiveTime?: string;
  auditLog?: string;
  imageName?: string;
  cache?: string;
  cacheTtl?: string;
  exhaustive?: boolean;
}

export function registerVerify(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('verify')
    .description(
      'verify the signatures attached to images (cosign verify): exit 0 verified, 10 none found, 12 none matched',
    )
    .argument('[image...]', 'image references: [registry/]repo[:tag][@sha256:…] or oci:PATH[:tag|@sha256:…]');
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
        '--cache <dir>',
        'with --policy: keep what was fetched per digest here and re-verify it on later runs (untrusted; off by default)',
      ),
    )
    .addOption(
      new Option('--cache-ttl <duration>', 'how long cache entries are used: 30m, 12h, 7d').default('24h'),
    )
    .addOption(
      new Option(
        '--exhaustive',
        'with --policy: read every attachment, even once what was read passes every check (for evidence archives; an unneeded attachment that is malformed or unreachable then denies the image)',
      ),
    )
    .addOption(
      new Option(
        '--image-name <registry/repository>',
        'with --policy and an oci: layout: the name to match rules against (what it will be pulled as)',
      ),
    );
  addBatchOptions(cmd);
  addRegistryOptions(cmd).action(async (positional: string[], flags: VerifyFlags) => {
    const outputs = parseOutputs(flags.output);
    const { inputs, images, batch } = await readBatchInputs(positional, flags, io);
    if (flags.policy) {
      await verifyWithPolicy(
        images,
        positional,
        flags,
        io,
        (c) => setExit(withInputFailures(inputs, c)),
        outputs,
        inputs,
        batch,
      );
      return;
    }
    for (const f of ['effectiveTime', 'auditLog', 'imageName', 'cache', 'exhaustive'] as const)
      if (flags[f])
        throw new UsageError(`--${f.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)} needs --policy`);
    const trust = trustOptions(flags);
    const wantsCosign = outputs.some((o) => o.format === 'cosign');
    // Loaded on use: sigstore-js is not needed to start every command.
    const { verifyImages } = await import('../../verify/verify-image.js');
    const run = await verifyImages(images, {
      ...registryClientOptions(flags, [...positional, flags.signatureRepository]),
      ...trust,
      ...(flags.signatureRepository ? { signatureRepository: flags.signatureRepository } : {}),
      requireDockerReference: flags.requireDockerReference ?? false,
      allSignatures: (flags.allSignatures ?? false) || wantsCosign,
      ...(flags.platform ? { platform: flags.platform } : {}),
      ...batchRunOptions(flags),
    });
    const [render, { reportFromVerify }] = await Promise.all([
      import('../render/verify.js'),
      import('../../batch/report.js'),
    ]);
    const report = reportFromVerify(run, inputs.locations, inputs.skipped);
    await writeBatchOutputs(
      report,
      outputs,
      io,
      { inputs, batch },
      {
        json: () => render.verifyJson(run),
        list: 'images',
        text: (to) => render.renderVerifyText(run, to),
        cosign: (to) => render.renderVerifyCosign(run, to),
      },
    );
    setExit(withInputFailures(inputs, run.exitCode));
  });
}

async function verifyWithPolicy(
  images: string[],
  positional: string[],
  flags: VerifyFlags,
  io: Io,
  setExit: (code: number) => void,
  outputs: OutputSpec[],
  inputs: import('../../batch/inputs.js').BatchInputs,
  batch: boolean,
): Promise<void> {
  if ((flags.key?.length ?? 0) > 0 || flags.certificateIdentity || flags.certificateIdentityRegexp)
    throw new UsageError('--policy names its own authorities; drop --key and --certificate-identity flags');
  if (outputs.some((o) => o.format === 'cosign'))
    throw new UsageError('-o cosign has no policy form; use text or json');
  let effectiveTime: Date | undefined;
  if (flags.effectiveTime) {
    effectiveTime = new Date(flags.effectiveTime);
    if (Number.isNaN(effectiveTime.getTime()) || !/^\d{4}-\d\d-\d\dT/.test(flags.effectiveTime))
      throw new UsageError(
        `--effective-time ${flags.effectiveTime}: not an RFC 3339 time (2026-12-31T00:00:00Z)`,
      );
  }
  const { evaluateImages } = await import('../../policy/run.js');
  let cache: import('../../batch/cache.js').VerificationCache | undefined;
  if (flags.cache) {
    const [{ VerificationCache }, { parseDuration }] = await Promise.all([
      import('../../batch/cache.js'),
      import('../../policy/duration.js'),
    ]);
    let ttlMs: number;
    try {
      ttlMs = parseDuration(flags.cacheTtl ?? '24h');
    } catch {
      throw new UsageError(`--cache-ttl ${flags.cacheTtl}: a duration such as 30m, 12h or 7d`);
    }
    cache = new VerificationCache(flags.cache, { ttlMs });
  }
  const run = await evaluateImages(images, {
    ...(cache ? { cache } : {}),
    ...registryClientOptions(flags, positional),
    policy: flags.policy!,
    ...(effectiveTime ? { effectiveTime } : {}),
    ...(flags.auditLog ? { auditLog: flags.auditLog } : {}),
    ...(flags.imageName ? { layoutName: flags.imageName } : {}),
    ...(flags.platform ? { platform: flags.platform } : {}),
    ...(flags.exhaustive ? { exhaustive: true } : {}),
    ...batchRunOptions(flags),
  });
  if (cache) {
    for (const e of cache.events)
      if (e.kind !== 'hit' && e.kind !== 'miss')
        io.err(
          `${io.errChalk.yellow('cache:')} discarded the ${e.kind} entry for ${printable(e.image)}: ${printable(e.reason)}; fetched it again`,
        );
    const hits = cache.events.filter((e) => e.kind === 'hit').length;
    io.err(`cache: ${hits} of ${images.length} image(s) re-verified from ${printable(flags.cache!)}`);
  }
  const [render, { reportFromPolicy }] = await Promise.all([
    import('../render/policy.js'),
    import('../../batch/report.js'),
  ]);
  const report = reportFromPolicy(run, inputs.locations, inputs.skipped);
  await writeBatchOutputs(
    report,
    outputs,
    io,
    { inputs, batch },
    {
      json: () => render.policyJson(run),
      list: 'decisions',
      text: (to) => render.renderPolicyText(run, to),
    },
  );
  setExit(run.exitCode);
}
