import { type Command, Option } from 'commander';
import { parseReference } from '../../reference/parse.js';
import { reportFromVerify } from '../../report/report.js';
import { batchOf } from '../../run/options.js';
import { withSource } from '../../run/source.js';
import {
  type AllPlatformsFlags,
  addAllPlatformsOption,
  checkAllPlatforms,
  exitWithPlatforms,
  runOverPlatforms,
} from '../all-platforms.js';
import {
  addBatchOptions,
  type BatchFlags,
  batchRunOptions,
  imageConcurrencyOf,
  parseOutputs,
  readBatchInputs,
  withInputFailures,
  writeBatchOutputs,
} from '../batch-output.js';
import { addCosignRefusedOptions } from '../cosign-refusals.js';
import { addCosignTrustOptions } from '../cosign-trust-options.js';
import {
  addDiscoveryOptions,
  type DiscoveryFlags,
  discoveryFromFlags,
  localImages,
} from '../discovery-flags.js';
import { FLAG_FOR_OPTION } from '../flags.js';
import type { Io } from '../output.js';
import {
  addRegistryOptions,
  type RegistryFlags,
  sourceOptionsFromFlags,
  UsageError,
} from '../registry-options.js';
import { renderVerifyText, verifyJson } from '../render/verify.js';
import { addTrustOptions, limitsFromFlags, type TrustFlags, trustInputFromFlags } from '../trust-options.js';
import { addVsaOptions, type VsaFlags } from '../vsa-flags.js';
import { addPolicyOptions, type PolicyFlags, verifyWithPolicy } from './verify-policy.js';

interface VerifyFlags
  extends RegistryFlags,
    TrustFlags,
    BatchFlags,
    DiscoveryFlags,
    PolicyFlags,
    AllPlatformsFlags,
    VsaFlags {
  signatureRepository?: string;
  requireDockerReference?: boolean;
  platform?: string;
  allSignatures?: boolean;
  /** cosign's --check-claims and -a/--annotations, as far as its summary reports them. */
  checkClaims?: boolean;
  annotations?: string[];
}

/** `trustgate verify`: most of the length is cosign's flag declarations, spelled out as cosign's help. */
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
        'examine every signature even after one verified (implied by -o json and -o text, as cosign does)',
      ),
    );
  addAllPlatformsOption(cmd);
  addVsaOptions(addPolicyOptions(cmd));
  addCosignRefusedOptions(addCosignTrustOptions(cmd, 'verify'), 'verify');
  addBatchOptions(cmd);
  addDiscoveryOptions(cmd);
  addRegistryOptions(cmd).action(async (given: string[], flags: VerifyFlags) => {
    const positional = localImages(given, flags);
    const outputs = parseOutputs(flags.output, flags.policy ? 'tree' : 'json');
    const { inputs, images, batch } = await readBatchInputs(positional, flags, io);
    const exit = (c: number) => setExit(withInputFailures(inputs, c));
    checkAllPlatforms(flags);
    if (flags.policy && flags.allPlatforms)
      throw new UsageError('--all-platforms does not apply to --policy', {
        hint: "state the scope in the policy instead: a rule's platforms: each | any | [os/arch, …]",
      });
    if (flags.policy) return verifyWithPolicy(images, positional, flags, io, exit, outputs, inputs, batch);
    for (const f of [
      'effectiveTime',
      'auditLog',
      'imageName',
      'cache',
      'exhaustive',
      'vsa',
      'vsaKey',
      'vsaAttach',
      'vsaVerifierId',
    ] as const)
      if (flags[f]) throw new UsageError(`${FLAG_FOR_OPTION[f]} needs --policy`);
    const trustInput = trustInputFromFlags(flags, {
      requireDockerReference: flags.requireDockerReference ?? false,
    });
    const source = sourceOptionsFromFlags(flags, [...positional, flags.signatureRepository]);
    const runBatch = batchOf(batchRunOptions(flags));
    // Parse, then trust, then the client: the order errors were always reported in.
    const parsed = images.map((r) => parseReference(r));
    // lazy: sigstore-js (the verify chunk) adds ~40-50 ms of CPU to the start of commands that never verify.
    const [{ buildTrust }, { runVerify }] = await Promise.all([
      import('../../verify/trust.js'),
      import('../../run/verify.js'),
    ]);
    const trust = await buildTrust(trustInput);
    const { run, expansion } = await withSource(source, (s) =>
      runOverPlatforms(flags, { references: images, parsed }, s.client, io, (references) =>
        runVerify(
          references,
          trust,
          {
            source: s,
            limits: { ...limitsFromFlags(flags), ...discoveryFromFlags(flags), ...imageConcurrencyOf(flags) },
            ...(runBatch ? { batch: runBatch } : {}),
          },
          {
            ...(flags.signatureRepository ? { signatureRepository: flags.signatureRepository } : {}),
            // cosign's outputs print every signature that verifies.
            ...(flags.allSignatures || outputs.some((o) => o.format === 'json' || o.format === 'text')
              ? { allSignatures: true }
              : {}),
          },
        ),
      ),
    );
    const report = reportFromVerify(run, inputs.locations, inputs.skipped);
    // lazy: cosign's output reads certificates with sigstore-js, which start-up does not load.
    const { renderVerifyCosign } = await import('../render/cosign.js');
    await writeBatchOutputs(
      report,
      outputs,
      io,
      { inputs, batch },
      {
        report: () => verifyJson(run),
        list: 'images',
        tree: (to) => renderVerifyText(run, to),
        cosign: (format, to) =>
          renderVerifyCosign(run, format, to, {
            ...(flags.checkClaims === false ? { checkClaims: false } : {}),
            ...((flags.annotations?.length ?? 0) > 0 ? { annotations: true } : {}),
          }),
      },
    );
    exit(exitWithPlatforms(run.exitCode, expansion));
  });
}
