import { type Command, Option } from 'commander';
import { ExitCode } from '../../exit-codes.js';
import { parseReference } from '../../reference/parse.js';
import { withSource } from '../../run/source.js';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, sourceOptionsFromFlags } from '../registry-options.js';
import { addTrustOptions, limitsFromFlags, type TrustFlags, trustInputFromFlags } from '../trust-options.js';

interface ExportFlags extends RegistryFlags, TrustFlags {
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
    .requiredOption('--dir <dir>', 'a new or empty directory to write into')
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
  addRegistryOptions(cmd).action(async (image: string, flags: ExportFlags) => {
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
    const r = await withSource(source, (s) =>
      runExport(
        image,
        trust,
        { source: s, limits: limitsFromFlags(flags) },
        { dir: flags.dir, tar: flags.tar ?? false, ...(policy ? { policy } : {}) },
      ),
    );
    io.out(
      `wrote ${r.files.length} files to ${r.dir}${r.tarball ? ` and ${r.tarball}` : ''}: ${r.verifiedSignatures} verified signature(s), ${r.verifiedAttestations} verified attestation(s)`,
    );
    if (r.decision) {
      io.out(
        `policy decision: ${r.decision.decision}${r.decision.status === 'warn' ? ' with warnings' : ''} (recorded in summary.json)`,
      );
      setExit(r.decision.exitCode);
      return;
    }
    setExit(ExitCode.OK);
  });
}
