import { type Command, Option } from 'commander';
import { printable } from '../../util/printable.js';
import { exitCodeForFailures } from '../exit-codes.js';
import type { Io } from '../output.js';
import {
  addRegistryOptions,
  type RegistryFlags,
  registryClientOptions,
  UsageError,
} from '../registry-options.js';
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
    const [{ planPins, unifiedDiff, writePins }, { RegistryClient }] = await Promise.all([
      import('../../batch/pin.js'),
      import('../../oci/registry/client.js'),
    ]);
    // The images come from the manifests, which never choose where credentials go.
    const clientOptions = registryClientOptions(flags, []);
    const client = new RegistryClient(clientOptions);
    try {
      let verify: import('../../batch/pin.js').PinVerifier | undefined;
      if (flags.verify) {
        const trust = trustOptions(flags);
        const { verifyImages } = await import('../../verify/verify-image.js');
        verify = async (refs) => {
          const run = await verifyImages(refs, { ...clientOptions, ...trust, client });
          return new Map(
            run.images.map((i) => [i.reference, i.verdict === 'verified' ? undefined : i.message]),
          );
        };
      } else if (flags.policy) {
        const [{ evaluateImages }, { firstFailingCheck }] = await Promise.all([
          import('../../policy/run.js'),
          import('../../policy/checks.js'),
        ]);
        const policy = flags.policy;
        verify = async (refs) => {
          const run = await evaluateImages(refs, { ...clientOptions, client, policy });
          return new Map(
            run.decisions.map((d) => {
              const first = firstFailingCheck(d);
              return [
                d.reference,
                d.decision === 'allow'
                  ? undefined
                  : `denied: ${first ? `${first.id}: ${first.reason}` : 'by the policy'}`,
              ];
            }),
          );
        };
      }
      const plan = await planPins(paths, {
        client,
        ...(verify ? { verify } : {}),
        ...(flags.platform ? { platform: flags.platform } : {}),
      });
      for (const e of plan.errors)
        io.err(`${io.errChalk.red('error:')} ${printable(`${e.file}:${e.line}: ${e.message}`)}`);
      if (flags.write) {
        await writePins(plan);
        for (const f of plan.files) io.err(`pinned ${f.changes.length} reference(s) in ${printable(f.file)}`);
      } else {
        for (const f of plan.files) io.out(unifiedDiff(f.file, f.before, f.after).replace(/\n$/, ''));
      }
      for (const f of plan.failures) {
        io.err(
          `${io.errChalk.red('not pinned:')} ${printable(f.reference)} (${f.locations.map((l) => `${l.file}:${l.line}`).join(', ')}): ${printable(f.reason)}`,
        );
      }
      setExit(exitCodeForFailures(plan.failures.length + plan.errors.length));
    } finally {
      await client.close();
    }
  });
}
