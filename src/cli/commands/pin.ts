import { type Command, Option } from 'commander';
import { UsageError } from '../../errors.js';
import type { Limits } from '../../run/context.js';
import type { PinGate } from '../../run/pin.js';
import { printable } from '../../util/printable.js';
import { exitCodeForFailures } from '../exit-codes.js';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, registryClientOptions } from '../registry-options.js';
import { addTrustOptions, type TrustFlags, trustOptions } from '../trust-options.js';

interface PinFlags extends RegistryFlags, TrustFlags {
  write?: boolean;
  verify?: boolean;
  policy?: string;
  platform?: string;
}

/** `trustgate pin PATH... [--write] [--verify trust flags | --policy FILE]`. */
export function registerPin(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('pin')
    .description(
      'rewrite image references in manifests or compose files to repo:tag@sha256:…, keeping comments and formatting; prints a diff unless --write',
    )
    .argument('<path...>', 'Kubernetes YAML, Helm output or compose files');
  addTrustOptions(cmd)
    .addOption(new Option('--write', 'rewrite the files in place (atomically) instead of printing a diff'))
    .addOption(new Option('--verify', 'pin only images whose signatures verify with the trust flags'))
    .addOption(new Option('--policy <file>', 'pin only images the policy allows'))
    .addOption(new Option('--platform <os/arch[/variant]>', 'pin this platform of multi-arch images'));
  addRegistryOptions(cmd).action(async (paths: string[], flags: PinFlags) => {
    if (flags.verify && flags.policy)
      throw new UsageError('give --verify (with trust flags) or --policy, not both');
    // The images come from the manifests, which never choose where credentials go.
    const sourceOptions = registryClientOptions(flags, []);
    const { gate, limits } = await pinGate(flags);
    // lazy: yaml, sigstore and the registry client: ~130 ms of start-up that other commands skip.
    const [{ unifiedDiff, writePins }, { runPin }, { withSource }] = await Promise.all([
      import('../../inputs/pin.js'),
      import('../../run/pin.js'),
      import('../../run/source.js'),
    ]);
    // --platform picks what is pinned, not the source's platform: a gate checks the pinned digest itself.
    await withSource(sourceOptions, async (source) => {
      const plan = await runPin(
        paths,
        { source, limits },
        { ...(gate ? { gate } : {}), ...(flags.platform ? { platform: flags.platform } : {}) },
      );
      for (const e of plan.errors)
        io.err(`${io.errChalk.red('error:')} ${printable(`${e.file}:${e.line}: ${e.message}`)}`);
      if (flags.write) {
        await writePins(plan);
        for (const f of plan.files) io.err(`pinned ${f.changes.length} reference(s) in ${printable(f.file)}`);
      } else {
        for (const f of plan.files) io.out(unifiedDiff(f.file, f.before, f.after).replace(/\n$/, ''));
      }
      for (const p of plan.platforms ?? [])
        io.err(
          `pinned ${printable(p.reference)} (the index digest): platforms passed: ${printable(p.passed.join(', ') || 'none')}${p.failed.length > 0 ? `; failed: ${printable(p.failed.join(', '))}` : ''}`,
        );
      for (const f of plan.failures) {
        io.err(
          `${io.errChalk.red('not pinned:')} ${printable(f.reference)} (${f.locations.map((l) => `${l.file}:${l.line}`).join(', ')}): ${printable(f.reason)}`,
        );
      }
      setExit(exitCodeForFailures(plan.failures.length + plan.errors.length));
    });
  });
}

/**
 * What an image must pass to be pinned, from --verify (trust flags) or --policy, none without either;
 * and the discovery limits the gate reads under (--max-payload-size, with --verify).
 */
async function pinGate(flags: PinFlags): Promise<{ gate?: PinGate; limits: Limits }> {
  if (flags.verify) {
    const o = trustOptions(flags);
    // lazy: the trust builder loads sigstore-js, which a pin without --verify never needs.
    const [{ buildTrust }, { limitsOf, trustInputOf }] = await Promise.all([
      import('../../verify/trust.js'),
      import('../../run/options.js'),
    ]);
    return { gate: { kind: 'verify', trust: await buildTrust(trustInputOf(o)) }, limits: limitsOf(o) };
  }
  if (!flags.policy) return { limits: {} };
  // lazy: the policy compiler (yaml, zod, CEL): ~100 ms of start-up that other commands skip.
  const [{ loadPolicy }, { buildPolicyVerifiers }] = await Promise.all([
    import('../../policy/load.js'),
    import('../../policy/policy-trust.js'),
  ]);
  const policy = loadPolicy(flags.policy);
  return { gate: { kind: 'policy', policy, trust: buildPolicyVerifiers(policy) }, limits: {} };
}
