import type { Command } from 'commander';
import { describeError, isTrustgateError } from '../../errors.js';
import { parseReference } from '../../reference/parse.js';
import { resolveImages } from '../../run/resolve.js';
import { jsonText, printable } from '../../util/printable.js';
import { exitCodeForFailures } from '../exit-codes.js';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, sourceOptionsFromFlags } from '../registry-options.js';

interface ResolveFlags extends RegistryFlags {
  json?: boolean;
  platform?: string;
}

export function registerResolve(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('resolve')
    .description(
      'resolve image references to digests, as `crane digest` (one registry/repo@sha256:… per line)',
    )
    .argument('<image...>', 'image references: [registry/]repo[:tag][@sha256:…] or oci:PATH[:tag|@sha256:…]')
    .option('--json', 'print a JSON array of {reference, canonical, digest, mediaType, size, platform}')
    .option('--platform <os/arch[/variant]>', 'select this platform from a multi-arch index');
  addRegistryOptions(cmd).action(async (images: string[], flags: ResolveFlags) => {
    // Every reference is parsed before any network work: a typo is a usage error, not a partial run.
    const parsed = images.map((i) => parseReference(i));
    const results = await resolveImages(parsed, sourceOptionsFromFlags(flags, images));
    let failed = 0;
    const json: unknown[] = [];
    for (const r of results) {
      if (r.ok && r.image) {
        const { canonical, digest, mediaType, size, platform } = r.image;
        if (flags.json)
          json.push({
            reference: r.reference,
            canonical,
            digest,
            mediaType,
            size,
            ...(platform ? { platform } : {}),
          });
        else io.out(canonical);
      } else {
        failed++;
        const code = isTrustgateError(r.error) ? r.error.code : 'ERROR';
        const message = describeError(r.error);
        if (flags.json) json.push({ reference: r.reference, error: { code, message } });
        io.err(`${io.errChalk.red('error:')} ${printable(r.reference)}: ${printable(message)}`);
      }
    }
    if (flags.json) io.out(jsonText(json, 2));
    setExit(exitCodeForFailures(failed));
  });
}
