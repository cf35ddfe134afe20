/**
 * exportEvidence, the option-bag form of run/export.ts's runExport, kept for Node callers; and the
 * archive helpers' old home (output/archive.ts).
 */
import { parseReference } from '../reference/parse.js';
import { buildTrust } from '../verify/trust.js';
import { type ExportResult, exportPolicyFrom, runExport } from './export.js';
import { limitsOf, sourceOptionsOf, trustInputOf, type VerifyOptions } from './options.js';
import { withSource } from './source.js';

export { isContainedName, typeFileName } from '../output/archive.js';
export type { ExportResult } from './export.js';

export interface ExportOptions extends VerifyOptions {
  dir: string;
  /** Also (or instead) write one deterministic `<dir>.tar.gz`. */
  tar?: boolean;
  /** The time recorded in summary.json (the only field that changes between runs). */
  now?: Date;
  /** Also evaluate this policy file and record its decision in summary.json. */
  policy?: string;
  /** With `policy` and an OCI layout: the registry/repository to match rules against. */
  imageName?: string;
}

export async function exportEvidence(reference: string, options: ExportOptions): Promise<ExportResult> {
  const { dir, tar, now, policy: file, imageName, ...verify } = options;
  // The reference first, as before: a typo in it is reported before any key or policy file is read.
  parseReference(reference);
  const trust = await buildTrust(trustInputOf(verify));
  const policy = file ? exportPolicyFrom(file, imageName) : undefined;
  return withSource(sourceOptionsOf(verify), (source) =>
    runExport(
      reference,
      trust,
      { source, limits: limitsOf(verify) },
      {
        dir,
        ...(tar !== undefined ? { tar } : {}),
        ...(now ? { now } : {}),
        ...(policy ? { policy } : {}),
      },
    ),
  );
}
