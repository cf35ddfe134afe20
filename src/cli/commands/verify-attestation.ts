import { type Command, Option } from 'commander';
import type { CuePolicies } from '../../policy/cue/policy.js';
import { parseReference } from '../../reference/parse.js';
import { reportFromAttestations } from '../../report/report.js';
import { batchOf } from '../../run/options.js';
import { withSource } from '../../run/source.js';
import { printable } from '../../util/printable.js';
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
import type { Io } from '../output.js';
import {
  addRegistryOptions,
  collect,
  type RegistryFlags,
  sourceOptionsFromFlags,
  UsageError,
} from '../registry-options.js';
import { attestationsJson, renderAttestationsText } from '../render/attestations.js';
import { addTrustOptions, limitsFromFlags, type TrustFlags, trustInputFromFlags } from '../trust-options.js';

/**
 * cosign's rule for --type: a name it knows, or something that parses as a URI, so that a typo
 * (`spdx-json`) is refused instead of searched for.
 */
function checkPredicateType(t: string, known: Readonly<Record<string, string>>): void {
  if (Object.hasOwn(known, t) || /^[a-z][a-z0-9+.-]*:\S+$/i.test(t) || /^\/\S*$/.test(t)) return;
  throw new UsageError(
    `--type ${t} is neither a predicate type name (${Object.keys(known).join(', ')}) nor a URI`,
  );
}

/** `--type any`: every attestation, reported by type (trustgate's own; cosign has no such name). */
const ANY_TYPE = 'any';

interface VerifyAttestationFlags
  extends RegistryFlags,
    TrustFlags,
    BatchFlags,
    DiscoveryFlags,
    AllPlatformsFlags {
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
        "slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson, cyclonedx, vuln, openvex, link, custom, triage, license, or a predicateType URI; any: every attestation (default: custom, cosign's own predicate type, as in cosign)",
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
  addAllPlatformsOption(cmd);
  addCosignRefusedOptions(addCosignTrustOptions(cmd, 'verify-attestation'), 'verify-attestation');
  addBatchOptions(cmd);
  addDiscoveryOptions(cmd);
  addRegistryOptions(cmd).action(async (given: string[], flags: VerifyAttestationFlags) => {
    const positional = localImages(given, flags);
    const outputs = parseOutputs(flags.output);
    const { inputs, images, batch } = await readBatchInputs(positional, flags, io);
    checkAllPlatforms(flags);
    const trustInput = trustInputFromFlags(flags);
    const source = sourceOptionsFromFlags(flags, positional);
    const runBatch = batchOf(batchRunOptions(flags));
    // lazy: only a .cue policy needs the CUE module (and its 26 MB WASM, loaded on first use).
    let cuePolicies: CuePolicies | undefined;
    if (flags.strictPolicy && !flags.policy?.length)
      throw new UsageError('--strict-policy needs --policy FILE.cue', {
        hint: 'it makes fields a CUE policy declares and the statement lacks an error',
      });
    if (flags.policy?.length) {
      const { loadCuePolicies } = await import('../../policy/cue/policy.js');
      cuePolicies = loadCuePolicies(flags.policy);
    }
    // Parse, then trust, then the client: the order errors were always reported in.
    const parsed = images.map((r) => parseReference(r));
    // lazy: sigstore-js (the verify chunk) adds ~40-60 ms of CPU to the start of commands that never verify.
    const [{ buildTrust }, { runVerifyAttestations }, { PREDICATE_TYPES }, { cosignIgnoreTlogWarning }] =
      await Promise.all([
        import('../../verify/trust.js'),
        import('../../run/verify-attestations.js'),
        import('../../verify/attestations.js'),
        import('../../output/cosign.js'),
      ]);
    // cosign's default is --type custom: without --type only its own predicate type counts and is printed.
    const type = flags.type ?? 'custom';
    if (type !== ANY_TYPE) checkPredicateType(type, PREDICATE_TYPES);
    const trust = await buildTrust(trustInput);
    // Once per run, before any result, whatever the output format (as cosign does).
    if (trust.ignoreTlog) io.err(cosignIgnoreTlogWarning('attestation'));
    const { run, expansion } = await withSource(source, (s) =>
      runOverPlatforms(flags, { references: images, parsed }, s.client, io, (references) =>
        runVerifyAttestations(
          references,
          trust,
          {
            source: s,
            limits: { ...limitsFromFlags(flags), ...discoveryFromFlags(flags), ...imageConcurrencyOf(flags) },
            ...(runBatch ? { batch: runBatch } : {}),
          },
          {
            ...(type === ANY_TYPE ? {} : { type }),
            buildkitHint: true,
            ...(cuePolicies ? { cuePolicies, strictPolicy: flags.strictPolicy === true } : {}),
          },
        ),
      ),
    );
    for (const img of run.images)
      if (img.policyUnmatched && !flags.strictPolicy)
        io.err(
          `WARNING: ${printable(img.reference)}: the CUE policy declares fields the statement does not have, which constrain nothing: ${img.policyUnmatched.join(', ')} (check their spelling; --strict-policy makes this an error)`,
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
        // cosign's verify-attestation prints the same for every -o; the tlog warning is printed above.
        cosign: (_format, to) => renderAttestationsCosign(run, to),
      },
    );
    if (flags.type === undefined && run.images.some((i) => i.verdict === 'no-signatures'))
      io.err(
        "hint: without --type only cosign's custom predicate type counts, as in cosign; name the type with --type, or --type any for every attestation",
      );
    for (const img of run.images)
      if (img.verdict === 'no-signatures' && img.buildkit)
        io.err(
          `hint: ${printable(img.reference)}: its index holds ${img.buildkit} BuildKit attestation manifest(s) for it, which are unsigned and never verified: list them with \`trustgate tree\`, write one with \`trustgate extract --allow-unverified\`, or accept them in a policy with \`allowUnsigned: buildkit\``,
        );
    setExit(withInputFailures(inputs, exitWithPlatforms(run.exitCode, expansion)));
  });
}
