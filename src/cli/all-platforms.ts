/**
 * `--all-platforms` for verify, verify-attestation, extract and export: act on every platform image
 * of a multi-arch index as well as on the index, each as if it had been named on the command line.
 */
import { type Command, Option } from 'commander';
import type { RegistryClient } from '../oci/registry/client.js';
import { type ImageReference, parseReference } from '../reference/parse.js';
import { expandPlatforms, type PlatformExpansion } from '../run/all-platforms.js';
import { printable } from '../util/printable.js';
import type { Io } from './output.js';
import { UsageError } from './registry-options.js';

export interface AllPlatformsFlags {
  allPlatforms?: boolean;
  platform?: string;
}

export function addAllPlatformsOption(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      '--all-platforms',
      'act on every platform image of a multi-arch index as well as on the index (each as its own image; attestation manifests left out)',
    ),
  );
}

/** --platform picks one image, --all-platforms every one: both at once is a mistake. */
export function checkAllPlatforms(flags: AllPlatformsFlags): void {
  if (flags.allPlatforms && flags.platform)
    throw new UsageError('--all-platforms and --platform cannot be combined', {
      hint: '--platform selects one platform image of an index; --all-platforms acts on the index and every platform image',
    });
}

/**
 * The references to act on: as given, or with every index followed by its platform images. An index
 * whose platform images cannot be listed is reported on stderr; the caller fails the run.
 */
export async function referencesFor(
  flags: AllPlatformsFlags,
  references: string[],
  client: RegistryClient,
  io: Io,
): Promise<PlatformExpansion | undefined> {
  if (!flags.allPlatforms) return undefined;
  const expansion = await expandPlatforms(references, client);
  for (const f of expansion.failures)
    io.err(
      `error: --all-platforms: the platform images of ${printable(f.reference)}: ${printable(f.message)}`,
    );
  return expansion;
}

/** The platform of each result that is a platform image, on the result (for the tree and reports). */
function labelPlatforms<T extends { reference: string }>(
  results: T[],
  expansion: PlatformExpansion | undefined,
): Array<T & { platform?: string }> {
  if (!expansion) return results;
  return results.map((r) => {
    const p = expansion.platforms.get(r.reference);
    return p ? { ...r, platform: p.platform } : r;
  });
}

/**
 * One verifying run over what the flags ask for: the parsed references as given, or each index
 * followed by its platform images; results that are platform images are labelled with their platform.
 * verify and verify-attestation share it, so --all-platforms means the same in both.
 */
export async function runOverPlatforms<R extends { images: Array<{ reference: string }> }>(
  flags: AllPlatformsFlags,
  given: { references: string[]; parsed: ImageReference[] },
  client: RegistryClient,
  io: Io,
  run: (references: ImageReference[]) => Promise<R>,
): Promise<{ run: R; expansion: PlatformExpansion | undefined }> {
  const expansion = await referencesFor(flags, given.references, client, io);
  const done = await run(expansion ? expansion.references.map((r) => parseReference(r)) : given.parsed);
  return { run: { ...done, images: labelPlatforms(done.images, expansion) }, expansion };
}

/** The run's exit code, failed (1) when an index's platform images could not be listed. */
export function exitWithPlatforms(code: number, expansion: PlatformExpansion | undefined): number {
  return code === 0 && (expansion?.failures.length ?? 0) > 0 ? 1 : code;
}
