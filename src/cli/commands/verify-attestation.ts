import { type Command, Option } from 'commander';
import {
  addBatchOptions,
  type BatchFlags,
  batchRunOptions,
  parseOutputs,
  readBatchInputs,
  withInputFailures,
  writeBatchOutputs,
} from '../batch-output.js';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, registryClientOptions } from '../registry-options.js';
import { addTrustOptions, type TrustFlags, trustOptions } from '../trust-options.js';

interface VerifyAttestationFlags extends RegistryFlags, TrustFlags, BatchFlags {
  type?: string;
  platform?: string;
}

export function registerVerifyAttestation(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('verify-attestation')
    .description(
      'verify in-toto attestations attached to images (cosign verify-attestation): exit 0 verified, 10 none found, 12 none matched',
    )
    .argument('[image...]', 'image references: [registry/]repo[:tag][@sha256:…] or oci:PATH[:tag|@sha256:…]');
  addTrustOptions(cmd)
    .addOption(
      new Option(
        '--type <type>',
        'slsaprovenance, slsaprovenance1, spdx, cyclonedx, vuln, openvex, link, custom, triage, license, or a predicateType URI; none: every attestation, by type (no silent default)',
      ),
    )
    .addOption(new Option('--platform <os/arch[/variant]>', "this platform's image from a multi-arch index"));
  addBatchOptions(cmd);
  addRegistryOptions(cmd).action(async (positional: string[], flags: VerifyAttestationFlags) => {
    const outputs = parseOutputs(flags.output);
    const { inputs, images, batch } = await readBatchInputs(positional, flags, io);
    const trust = trustOptions(flags);
    const { verifyImageAttestations } = await import('../../verify/verify-attestations-image.js');
    const run = await verifyImageAttestations(images, {
      ...registryClientOptions(flags, positional),
      ...trust,
      ...(flags.type ? { type: flags.type } : {}),
      ...(flags.platform ? { platform: flags.platform } : {}),
      ...batchRunOptions(flags),
    });
    const [render, { reportFromAttestations }] = await Promise.all([
      import('../render/attestations.js'),
      import('../../batch/report.js'),
    ]);
    const report = reportFromAttestations(run, inputs.locations, inputs.skipped);
    await writeBatchOutputs(
      report,
      outputs,
      io,
      { inputs, batch },
      {
        json: () => render.attestationsJson(run),
        list: 'images',
        text: (to) => render.renderAttestationsText(run, to),
        cosign: (to) => render.renderAttestationsCosign(run, to),
      },
    );
    setExit(withInputFailures(inputs, run.exitCode));
  });
}
