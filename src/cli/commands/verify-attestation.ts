import { type Command, Option } from 'commander';
import { parseReference } from '../../reference/parse.js';
import { reportFromAttestations } from '../../report/report.js';
import { batchOf } from '../../run/options.js';
import { withSource } from '../../run/source.js';
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
import { addRegistryOptions, type RegistryFlags, sourceOptionsFromFlags } from '../registry-options.js';
import { attestationsJson, renderAttestationsText } from '../render/attestations.js';
import { addTrustOptions, limitsFromFlags, type TrustFlags, trustInputFromFlags } from '../trust-options.js';

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
    const trustInput = trustInputFromFlags(flags);
    const source = sourceOptionsFromFlags(flags, positional);
    const runBatch = batchOf(batchRunOptions(flags));
    // Parse, then trust, then the client: the order errors were always reported in.
    const parsed = images.map((r) => parseReference(r));
    // lazy: sigstore-js (the verify chunk) adds ~40-60 ms of CPU to the start of commands that never verify.
    const [{ buildTrust }, { runVerifyAttestations }] = await Promise.all([
      import('../../verify/trust.js'),
      import('../../run/verify-attestations.js'),
    ]);
    const trust = await buildTrust(trustInput);
    const run = await withSource(source, (s) =>
      runVerifyAttestations(
        parsed,
        trust,
        { source: s, limits: limitsFromFlags(flags), ...(runBatch ? { batch: runBatch } : {}) },
        flags.type ? { type: flags.type } : {},
      ),
    );
    const report = reportFromAttestations(run, inputs.locations, inputs.skipped);
    // lazy: cosign's output reads certificates with sigstore-js, which start-up does not load.
    const { renderAttestationsCosign } = await import('../render/cosign.js');
    await writeBatchOutputs(
      report,
      outputs,
      io,
      { inputs, batch },
      {
        report: () => attestationsJson(run),
        list: 'images',
        tree: (to) => renderAttestationsText(run, to),
        // cosign's verify-attestation prints the same for every -o.
        cosign: (_format, to) =>
          renderAttestationsCosign(run, to, flags.insecureIgnoreTlog ? { ignoreTlog: true } : {}),
      },
    );
    setExit(withInputFailures(inputs, run.exitCode));
  });
}
