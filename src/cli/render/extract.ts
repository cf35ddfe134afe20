/** What `extract` writes: the payload bytes (stdout or --output), and with --json a summary of them. */
import { extractedPath, stdoutTrailer } from '../../output/extract.js';
import { writeOutputFile } from '../../output/write-file.js';
import type { ExtractResult } from '../../run/extract.js';
import { jsonText, printable } from '../../util/printable.js';
import type { Io } from '../output.js';

/** The extract flags that say where and how the payload is written. */
export interface WriteFlags {
  type: string;
  output?: string;
  json?: boolean;
  all?: boolean;
  /** On stdout, a newline after every payload (--all-platforms: several images' payloads in a row). */
  newlineEach?: boolean;
  /** With --all-platforms: the platform of a platform image (in the --json summary). */
  platform?: string;
}

/** What --json prints for one image. */
export type ExtractSummary = Record<string, unknown>;

export async function writeUnverified(
  result: Extract<ExtractResult, { kind: 'unverified' }>,
  flags: WriteFlags,
  io: Io,
): Promise<ExtractSummary> {
  const img = result.run.images[0]!;
  const u = result.attachment;
  const bk = u.buildkit;
  io.err(
    bk
      ? `${io.errChalk.yellow('UNVERIFIED:')} BuildKit ${printable(bk.predicateType)} attestation for ${printable(bk.platform ?? 'the image')} ${bk.child} (attestation manifest ${u.digest} in index ${bk.index}) is not signed; its bytes were checked only against their digest`
      : `${io.errChalk.yellow('UNVERIFIED:')} ${flags.type} attachment ${u.digest} is not signed; its bytes were checked only against their digest`,
  );
  if (!flags.output || flags.output === '-')
    process.stdout.write(
      Buffer.concat([u.bytes, Buffer.from(stdoutTrailer(u.bytes, flags.newlineEach ?? false, isTerminal()))]),
    );
  else await writeOutputFile(flags.output, u.bytes, '--output');
  return {
    image: img.canonical,
    ...(flags.platform ? { platform: flags.platform } : {}),
    digest: img.digest,
    artifactType: flags.type,
    verified: false,
    attachment: u.digest,
    layer: u.layer,
    ...(bk ? { buildkit: bk } : {}),
  };
}

export async function writeVerified(
  result: Extract<ExtractResult, { kind: 'verified' }>,
  flags: WriteFlags,
  io: Io,
): Promise<ExtractSummary> {
  const { run, items } = result;
  const img = run.images[0]!;
  const toStdout = !flags.output || flags.output === '-';
  const written: Array<{ path: string; sha256: string; index: number; signer?: string; logTime?: string }> =
    [];
  for (const item of items) {
    if (toStdout) {
      process.stdout.write(item.bytes);
      const trailer = stdoutTrailer(item.bytes, (flags.all || flags.newlineEach) ?? false, isTerminal());
      if (trailer) process.stdout.write(trailer);
    } else {
      const path = extractedPath(flags.output!, item.index, flags.all ?? false);
      await writeOutputFile(path, item.bytes, '--output');
      written.push({
        path,
        sha256: item.sha256,
        index: item.index,
        ...(item.signer ? { signer: item.signer } : {}),
        ...(item.logTime ? { logTime: item.logTime } : {}),
      });
    }
    io.err(
      `verified ${run.predicateType}${flags.platform ? ` for ${printable(flags.platform)}` : ''} [${item.index}] ${item.sha256}${item.signer ? ` signed by ${item.signer}` : ''}`,
    );
  }
  return {
    image: img.canonical,
    ...(flags.platform ? { platform: flags.platform } : {}),
    digest: img.digest,
    predicateType: run.predicateType,
    verified: true,
    written,
  };
}

/** --json: the one image's summary, or with --all-platforms the array of every image's. */
export function printSummaries(summaries: ExtractSummary[], many: boolean, io: Io): void {
  io.out(jsonText(many ? summaries : summaries[0], 2));
}

function isTerminal(): boolean {
  return process.stdout.isTTY === true;
}
