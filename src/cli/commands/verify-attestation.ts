import { type Command, Option } from 'commander';
import type { CuePolicies } from '../../policy/cue/policy.js';
import { parseReference } from '../../reference/parse.js';
import { reportFromAttestations } from '../../report/report.js';
import { batchOf } from '../../run/options.js';
import { withSource } from '../../run/source.js';
import { printable } from '../../util/printable.js';
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
import {
  addRegistryOptions,
  collect,
  type RegistryFlags,
  sourceOptionsFromFlags,
} from '../registry-options.js';
import {
  attestationsJson,
  renderAttestationsCosign,
  renderAttestationsText,
} from '../render/attestations.js';
import { addTrustOptions, limitsFromFlags, type TrustFlags, trustInputFromFlags } from '../trust-options.js';

interface VerifyAttestationFlags extends RegistryFlags, TrustFlags, BatchFlags {
  type?: string;
  platform?: string;
  policy?: string[];
  strictPolicy?: boolean;
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
    .addOption(new Option('--platform <os/arch[/variant]>', "this platform's image from a multi-arch index"))
    .addOption(
      new Option(
        '--policy <file.cue>',
        'a CUE policy every verified attestation of the type must pass, as in cosign (exit 12 if one fails); repeatable: the files are one policy',
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--strict-policy',
        'fail (exit 12) when the CUE policy declares a field the statement does not have, instead of a warning',
      ),
    );
  addBatchOptions(cmd);
  addRegistryOptions(cmd).action(async (positional: string[], flags: VerifyAttestationFlags) => {
    const outputs = parseOutputs(flags.output);
    const { inputs, images, batch } = await readBatchInputs(positional, flags, io);
    const trustInput = trustInputFromFlags(flags);
    const source = sourceOptionsFromFlags(flags, positional);
    const runBatch = batchOf(batchRunOptions(flags));
    // lazy: only a .cue policy needs the CUE module (and its 26 MB WASM, loaded on first use).
    let cuePolicies: CuePolicies | undefined;
    if (flags.policy?.length) {
      const { loadCuePolicies } = await import('../../policy/cue/policy.js');
      cuePolicies = loadCuePolicies(flags.policy);
    }
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
        {
          ...(flags.type ? { type: flags.type } : {}),
          ...(cuePolicies ? { cuePolicies, strictPolicy: flags.strictPolicy === true } : {}),
        },
      ),
    );
    for (const img of run.images)
      if (img.policyUnmatched && !flags.strictPolicy)
        io.err(
          `WARNING: ${printable(img.reference)}: the CUE policy declares fields the statement does not have, which constrain nothing: ${img.policyUnmatched.join(', ')} (check their spelling; --strict-policy makes this an error)`,
        );
    const report = reportFromAttestations(run, inputs.locations, inputs.skipped);
    await writeBatchOutputs(
      report,
      outputs,
      io,
      { inputs, batch },
      {
        json: () => attestationsJson(run),
        list: 'images',
        text: (to) => renderAttestationsText(run, to),
        cosign: (to) => renderAttestationsCosign(run, to),
      },
    );
    setExit(withInputFailures(inputs, run.exitCode));
  });
}
