import { type Command, Option } from 'commander';
import { ExitCode } from '../../exit-codes.js';
import type { Selection } from '../../output/extract.js';
import { platformFileNames, platformOutputPath } from '../../output/platform-paths.js';
import type { PlatformExpansion } from '../../run/all-platforms.js';
import type { ExtractResult } from '../../run/extract.js';
import { withSource } from '../../run/source.js';
import { printable } from '../../util/printable.js';
import {
  type AllPlatformsFlags,
  addAllPlatformsOption,
  checkAllPlatforms,
  referencesFor,
} from '../all-platforms.js';
import { worstExitCode } from '../exit-codes.js';
import type { Io } from '../output.js';
import {
  addRegistryOptions,
  type RegistryFlags,
  sourceOptionsFromFlags,
  UsageError,
} from '../registry-options.js';
import { type ExtractSummary, printSummaries, writeUnverified, writeVerified } from '../render/extract.js';
import { addTrustOptions, limitsFromFlags, type TrustFlags, trustInputFromFlags } from '../trust-options.js';

interface ExtractFlags extends RegistryFlags, TrustFlags, AllPlatformsFlags {
  type: string;
  output?: string;
  predicateOnly?: boolean;
  all?: boolean;
  latest?: boolean;
  index?: string;
  platform?: string;
  json?: boolean;
  allowUnverified?: boolean;
}

export function registerExtract(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('extract')
    .description(
      'verify attestations of a type, then write the verified payload (the statement, or --predicate-only its predicate), exactly the bytes verified',
    )
    .argument('<image>', 'image reference');
  addTrustOptions(cmd)
    .requiredOption(
      '--type <type>',
      'attestation type: a --type shorthand of verify-attestation, or a predicateType URI',
    )
    .addOption(
      new Option(
        '--output <file>',
        "write here instead of stdout (- for stdout); with --all, always <file>.<n>, even for one match (on stdout, each followed by a newline); with --all-platforms, a platform image's goes to <file>.<os>-<arch>[-<variant>]",
      ),
    )
    .addOption(
      new Option('--predicate-only', 'write only the predicate (e.g. the CycloneDX or SPDX document itself)'),
    )
    .addOption(new Option('--all', 'every verified attestation of the type'))
    .addOption(new Option('--latest', 'the one with the newest log time'))
    .addOption(
      new Option('--index <n>', 'the n-th verified one (0-based, as listed when a choice is needed)'),
    )
    .addOption(new Option('--platform <os/arch[/variant]>', "this platform's image from a multi-arch index"))
    .addOption(
      new Option(
        '--json',
        'on stdout, a JSON summary of what was written instead of the payload (requires --output)',
      ),
    )
    .addOption(
      new Option(
        '--allow-unverified',
        'when no attestation of the type exists, extract an unsigned attachment of that artifactType, or a BuildKit attestation of that type stored in the index (marked UNVERIFIED)',
      ),
    );
  addAllPlatformsOption(cmd);
  addRegistryOptions(cmd).action(async (image: string, flags: ExtractFlags) => {
    const selection = selectionOf(flags);
    checkAllPlatforms(flags);
    if (flags.allPlatforms && flags.allowUnverified)
      throw new UsageError('--all-platforms and --allow-unverified cannot be combined', {
        hint: 'an unsigned attestation is written for one image at a time: use --platform OS/ARCH --allow-unverified',
      });
    const trustInput = trustInputFromFlags(flags);
    const source = sourceOptionsFromFlags(flags, [image]);
    // lazy: sigstore-js (the verify chunk) adds ~40-60 ms of CPU to the start of commands that never verify.
    const [{ buildTrust }, { runExtract }] = await Promise.all([
      import('../../verify/trust.js'),
      import('../../run/extract.js'),
    ]);
    const trust = await buildTrust(trustInput);
    const job = {
      type: flags.type,
      selection,
      predicateOnly: flags.predicateOnly ?? false,
      allowUnverified: flags.allowUnverified ?? false,
    };
    let expansion: PlatformExpansion | undefined;
    const results = await withSource(source, async (s) => {
      expansion = await referencesFor(flags, [image], s.client, io);
      const out: Array<{ reference: string; result: ExtractResult }> = [];
      for (const reference of expansion?.references ?? [image])
        out.push({
          reference,
          result: await runExtract(reference, trust, { source: s, limits: limitsFromFlags(flags) }, job),
        });
      return out;
    });
    const names = expansion ? platformFileNames(expansion.platforms) : new Map<string, string>();
    const summaries: ExtractSummary[] = [];
    const codes: number[] = expansion?.failures.length ? [ExitCode.FAILURE] : [];
    for (const { reference, result } of results) {
      const platform = expansion?.platforms.get(reference)?.platform;
      if (result.kind === 'failed') {
        const img = result.run.images[0]!;
        const which = platform ? ` [${printable(platform)}]` : '';
        io.err(`${io.errChalk.red('error:')} ${printable(img.reference)}${which}: ${printable(img.message)}`);
        for (const a of img.attestations)
          if (a.reason) io.err(`  ${printable(a.origin.via)}: ${printable(a.reason)}`);
        codes.push(result.run.exitCode);
        continue;
      }
      const name = names.get(reference);
      const to = {
        ...flags,
        ...(name && flags.output && flags.output !== '-'
          ? { output: platformOutputPath(flags.output, name) }
          : {}),
        ...(flags.allPlatforms ? { newlineEach: true } : {}),
        ...(platform ? { platform } : {}),
      };
      summaries.push(
        result.kind === 'unverified'
          ? await writeUnverified(result, to, io)
          : await writeVerified(result, to, io),
      );
      codes.push(ExitCode.OK);
    }
    if (flags.json && summaries.length > 0) printSummaries(summaries, flags.allPlatforms ?? false, io);
    setExit(worstExitCode(codes));
  });
}

/** Which verified attestation(s) the flags ask for; the flag combinations that make no sense are usage errors. */
function selectionOf(flags: ExtractFlags): Selection {
  const chosen = [flags.all, flags.latest, flags.index !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('choose one of --all, --latest, --index');
  const index = flags.index === undefined ? undefined : Number(flags.index);
  if (index !== undefined && (!Number.isInteger(index) || index < 0))
    throw new UsageError('--index must be a whole number');
  if (flags.json && (!flags.output || flags.output === '-'))
    throw new UsageError('--json needs --output FILE');
  if (flags.all) return { kind: 'all' };
  if (flags.latest) return { kind: 'latest' };
  return index !== undefined ? { kind: 'index', index } : { kind: 'single' };
}
