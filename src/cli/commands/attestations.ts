import { type Command, Option } from 'commander';
import { ExitCode } from '../../exit-codes.js';
import { jsonText, printable } from '../../util/printable.js';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, registryClientOptions } from '../registry-options.js';
import { addTrustOptions, identityInput, type TrustFlags, trustOptions } from '../trust-options.js';

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
    const bag = {
      ...registryClientOptions(flags, [image]),
      ...(trusted ? trustOptions(flags) : {}),
      ...(flags.platform ? { platform: flags.platform } : {}),
    };
    const [
      { runAttachments },
      { limitsOf, sourceOptionsOf, trustInputOf },
      { withSource },
      { buildTrust },
      { parseReference },
    ] = await Promise.all([
      import('../../run/attachments.js'),
      import('../../run/options.js'),
      import('../../run/source.js'),
      import('../../verify/trust.js'),
      import('../../reference/parse.js'),
    ]);
    // The reference first: a typo in it is reported before any key file is read.
    parseReference(image);
    const trust = trusted ? await buildTrust(trustInputOf(bag)) : undefined;
    const list = await withSource(sourceOptionsOf(bag), (source) =>
      runAttachments(
        image,
        trust,
        { source, limits: limitsOf(bag) },
        {
          inspectUnknown: flags.inspectUnknown ?? false,
        },
      ),
    );
    if (flags.json) {
      io.out(jsonText(list, 2));
      setExit(ExitCode.OK);
      return;
    }
    const c = io.outChalk;
    const mark = (v: boolean | undefined) =>
      v === undefined ? c.dim('unverified') : v ? c.green('verified') : c.red('NOT verified');
    io.out(`${list.canonical}`);
    if (list.verifiedWith) io.out(`  (checked against ${list.verifiedWith})`);
    // Tree branches: the last child of each node closes with └──, and its subtree is not ruled.
    const branch = (last: boolean) => (last ? '└── ' : '├── ');
    const rule = (last: boolean) => (last ? '    ' : '│   ');
    io.out(`├── signatures: ${list.signatures.length}`);
    list.signatures.forEach((s, i) => {
      io.out(
        `│   ${branch(i === list.signatures.length - 1)}${s.format}  ${printable(s.via)}  ${mark(s.verified)}${s.signer ? `  ${printable(s.signer)}` : ''}${s.logTime ? `  ${s.logTime}` : ''}`,
      );
    });
    const byType = new Map<string, typeof list.attestations>();
    for (const a of list.attestations)
      byType.set(a.predicateType, [...(byType.get(a.predicateType) ?? []), a]);
    io.out(`├── attestations: ${list.attestations.length}`);
    [...byType].forEach(([t, items], ti) => {
      const lastType = ti === byType.size - 1;
      io.out(`│   ${branch(lastType)}${printable(t)} ×${items.length}`);
      items.forEach((a, i) => {
        io.out(
          `│   ${rule(lastType)}${branch(i === items.length - 1)}${printable(a.via)}  ${mark(a.verified)}${a.signer ? `  ${printable(a.signer)}` : ''}${a.logTime ? `  ${a.logTime}` : ''}${a.typeSource !== 'verified statement' ? `  [type from ${printable(a.typeSource)}]` : ''}`,
        );
      });
    });
    io.out(`└── unsigned attachments (never counted as verified): ${list.unsigned.length}`);
    list.unsigned.forEach((u, i) => {
      io.out(
        `    ${branch(i === list.unsigned.length - 1)}${printable(u.artifactType)}  ${u.digest}  ${printable(u.via)}`,
      );
    });
    setExit(ExitCode.OK);
  });
}
