import { type Command, Option } from 'commander';
import { describeError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { platformExportDir, platformFileNames } from '../../output/platform-paths.js';
import { parseReference } from '../../reference/parse.js';
import type { ExportResult } from '../../run/export.js';
import { withSource } from '../../run/source.js';
import { printable } from '../../util/printable.js';
import {
  type AllPlatformsFlags,
  addAllPlatformsOption,
  checkAllPlatforms,
  referencesFor,
} from '../all-platforms.js';
import { exitCodeForError, worstExitCode } from '../exit-codes.js';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, sourceOptionsFromFlags } from '../registry-options.js';
import { addTrustOptions, limitsFromFlags, type TrustFlags, trustInputFromFlags } from '../trust-options.js';

interface ExportFlags extends RegistryFlags, TrustFlags, AllPlatformsFlags {
  dir: string;
  tar?: boolean;
  platform?: string;
  policy?: string;
  imageName?: string;
}

export function registerExport(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('export')
    .description(
      "write the auditor's evidence archive: verified payloads, raw bundles, certificates, manifest, summary.json, SHA256SUMS",
    )
    .argument('<image>', 'image reference')
    // Trust and --dir are required; commander's default line would show them inside [options].
    .usage(
      '(--key FILE | --certificate-identity[-regexp] SAN --certificate-oidc-issuer[-regexp] URL) --dir DIR [options] <image>',
    );
  addTrustOptions(cmd)
    .requiredOption(
      '--dir <dir>',
      "a new or empty directory to write into; with --all-platforms, each platform image's archive goes to the sibling <dir>-<os>-<arch>[-<variant>]",
    )
    .addOption(new Option('--tar', 'also write one deterministic <dir>.tar.gz'))
    .addOption(new Option('--platform <os/arch[/variant]>', "this platform's image from a multi-arch index"))
    .addOption(
      new Option(
        '--policy <file>',
        "also record this policy's decision in summary.json; exit 1 denied, 3 warnings",
      ),
    )
    .addOption(
      new Option(
        '--image-name <registry/repository>',
        'with --policy and an oci: layout: the name rules match',
      ),
    );
  addAllPlatformsOption(cmd);
  addRegistryOptions(cmd).action(async (image: string, flags: ExportFlags) => {
    checkAllPlatforms(flags);
    const trustInput = trustInputFromFlags(flags);
    const source = sourceOptionsFromFlags(flags, [image]);
    // lazy: sigstore-js and, for --policy, the policy compiler add ~60-80 ms of CPU to every other command's start.
    const [{ buildTrust }, { exportPolicyFrom, runExport }] = await Promise.all([
      import('../../verify/trust.js'),
      import('../../run/export.js'),
    ]);
    // The reference first: a typo in it is reported before any key or policy file is read.
    parseReference(image);
    const trust = await buildTrust(trustInput);
    const policy = flags.policy ? exportPolicyFrom(flags.policy, flags.imageName) : undefined;
    const codes: number[] = [];
    await withSource(source, async (s) => {
      const exportOne = (reference: string, dir: string) =>
        runExport(
          reference,
          trust,
          { source: s, limits: limitsFromFlags(flags) },
          { dir, tar: flags.tar ?? false, ...(policy ? { policy } : {}) },
        );
      const expansion = await referencesFor(flags, [image], s.client, io);
      if (!expansion) return void codes.push(report(await exportOne(image, flags.dir), io));
      // Each image in its own archive: one that fails is reported, and the others are still written.
      if (expansion.failures.length > 0) codes.push(ExitCode.FAILURE);
      const names = platformFileNames(expansion.platforms);
      for (const reference of expansion.references) {
        const name = names.get(reference);
        const platform = expansion.platforms.get(reference)?.platform;
        try {
          const r = await exportOne(reference, name ? platformExportDir(flags.dir, name) : flags.dir);
          codes.push(report(r, io, platform));
        } catch (e) {
          io.err(
            `${io.errChalk.red('error:')} ${printable(reference)}${platform ? ` [${printable(platform)}]` : ''}: ${printable(describeError(e))}`,
          );
          codes.push(exitCodeForError(e));
        }
      }
    });
    setExit(worstExitCode(codes));
  });
}

/** One archive's line (and its policy decision's), and its exit code. */
function report(r: ExportResult, io: Io, platform?: string): number {
  io.out(
    `wrote ${r.files.length} files to ${r.dir}${r.tarball ? ` and ${r.tarball}` : ''}${platform ? ` (${printable(platform)})` : ''}: ${r.verifiedSignatures} verified signature(s), ${r.verifiedAttestations} verified attestation(s)`,
  );
  if (!r.decision) return ExitCode.OK;
  io.out(
    `policy decision: ${r.decision.decision}${r.decision.status === 'warn' ? ' with warnings' : ''} (recorded in summary.json)`,
  );
  return r.decision.exitCode;
}
