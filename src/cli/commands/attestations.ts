import { type Command, Option } from 'commander';
import { ExitCode } from '../../exit-codes.js';
import { parseReference } from '../../reference/parse.js';
import { withSource } from '../../run/source.js';
import { jsonText } from '../../util/printable.js';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, sourceOptionsFromFlags } from '../registry-options.js';
import { renderAttachmentTree } from '../render/attachments.js';
import {
  addTrustOptions,
  identityInput,
  limitsFromFlags,
  type TrustFlags,
  trustInputFromFlags,
} from '../trust-options.js';

interface ListFlags extends RegistryFlags, TrustFlags {
  inspectUnknown?: boolean;
  platform?: string;
  json?: boolean;
}

export function registerAttestations(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('attestations')
    .alias('tree')
    .description(
      'list everything attached to an image (cosign tree): signatures, attestations by type, unsigned attachments; verified when trust flags are given',
    )
    .argument('<image>', 'image reference');
  addTrustOptions(cmd)
    .addOption(
      new Option(
        '--inspect-unknown',
        'show the inner predicateType of referrers that lack the annotation (read unverified)',
      ),
    )
    .addOption(new Option('--platform <os/arch[/variant]>', "this platform's image from a multi-arch index"))
    .addOption(new Option('--json', 'JSON instead of a tree'));
  addRegistryOptions(cmd).action(async (image: string, flags: ListFlags) => {
    const trusted = (flags.key?.length ?? 0) > 0 || identityInput(flags) !== undefined;
    const source = sourceOptionsFromFlags(flags, [image]);
    const trustInput = trusted ? trustInputFromFlags(flags) : undefined;
    // lazy: sigstore-js (the verify chunk) adds ~40-60 ms of CPU to the start of commands that never verify.
    const [{ buildTrust }, { runAttachments }] = await Promise.all([
      import('../../verify/trust.js'),
      import('../../run/attachments.js'),
    ]);
    // The reference first: a typo in it is reported before any key file is read.
    parseReference(image);
    const trust = trustInput ? await buildTrust(trustInput) : undefined;
    const list = await withSource(source, (s) =>
      runAttachments(
        image,
        trust,
        { source: s, limits: trustInput ? limitsFromFlags(flags) : {} },
        { inspectUnknown: flags.inspectUnknown ?? false },
      ),
    );
    if (flags.json) io.out(jsonText(list, 2));
    else renderAttachmentTree(list, io);
    setExit(ExitCode.OK);
  });
}
