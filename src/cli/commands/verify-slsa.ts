/**
 * `trustgate verify-slsa IMAGE`: slsa-verifier's `verify-image`, with its flags and its words.
 * stderr says `PASSED: …` or `FAILED: SLSA verification failed: <reason>`; stdout carries only the
 * verified statement, with --print-provenance, so `| jq` pipelines work as with slsa-verifier.
 */
import { type Command, Option } from 'commander';
import { parseReference } from '../../reference/parse.js';
import { printable } from '../../util/printable.js';
import type { Io } from '../output.js';
import {
  addRegistryOptions,
  type RegistryFlags,
  sourceOptionsFromFlags,
  UsageError,
} from '../registry-options.js';

interface VerifySlsaFlags extends RegistryFlags {
  sourceUri?: string;
  sourceTag?: string;
  sourceVersionedTag?: string;
  sourceBranch?: string;
  builderId?: string;
  printProvenance?: boolean;
  provenanceRepository?: string;
  provenancePath?: string;
  buildWorkflowInput?: string;
  trustedRoot?: string;
}

/** What slsa-verifier prints; scripts grep for these. */
export const SLSA_PASSED = 'PASSED: SLSA verification passed';
export const SLSA_FAILED = 'FAILED: SLSA verification failed';

export function registerVerifySlsa(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('verify-slsa')
    .description(
      "verify an image's SLSA provenance from slsa-github-generator (slsa-verifier verify-image): exit 0 passed, 10 no provenance found, 12 none passed, 1 error",
    )
    .argument('<image>', 'the image, by digest: registry/repo@sha256:… or oci:PATH[:tag|@sha256:…]')
    .addOption(
      new Option(
        '--source-uri <uri>',
        'the repository that must have built the image, e.g. github.com/ORG/REPO (required)',
      ),
    )
    .addOption(new Option('--source-tag <tag>', 'the exact tag it was built from, e.g. v1.2.3'))
    .addOption(
      new Option(
        '--source-versioned-tag <version>',
        'a semantic version the tag must match: v1 matches v1.4.2, v1.2 matches v1.2.x',
      ),
    )
    .addOption(new Option('--source-branch <branch>', 'the branch it was built from, e.g. main'))
    .addOption(
      new Option(
        '--builder-id <id>',
        'the builder workflow, with or without @version (default: the slsa-github-generator container generator)',
      ),
    )
    .addOption(new Option('--print-provenance', 'print the verified provenance statement (JSON) on stdout'))
    .addOption(
      new Option(
        '--provenance-repository <registry/repository>',
        'read the provenance attestations from this repository (as COSIGN_REPOSITORY)',
      ),
    )
    .addOption(
      new Option(
        '--trusted-root <file>',
        'Sigstore trusted_root.json (default: the public-good root embedded in @sigstore/tuf, offline)',
      ),
    )
    .addOption(new Option('--provenance-path <file>').hideHelp())
    .addOption(new Option('--build-workflow-input <key=value>').hideHelp());
  addRegistryOptions(cmd).action(async (image: string, flags: VerifySlsaFlags) => {
    if (flags.provenancePath !== undefined)
      throw new UsageError(
        '--provenance-path is not supported: verify-slsa reads the provenance attached to the image (or from --provenance-repository)',
      );
    if (flags.buildWorkflowInput !== undefined)
      throw new UsageError(
        '--build-workflow-input is not supported; check workflow inputs with a trustgate policy (verify --policy)',
      );
    const sourceUri = flags.sourceUri;
    if (sourceUri === undefined) throw new UsageError('--source-uri is required');
    const parsed = parseReference(image);
    const source = sourceOptionsFromFlags(flags, [image, flags.provenanceRepository]);
    // lazy: sigstore-js (the verify chunk) adds ~40-60 ms of CPU to the start of commands that never verify.
    const [{ runVerifySlsa }, { withSource }] = await Promise.all([
      import('../../run/verify-slsa.js'),
      import('../../run/source.js'),
    ]);
    const run = await withSource(source, (s) =>
      runVerifySlsa(
        parsed,
        {
          sourceUri,
          ...(flags.sourceTag !== undefined ? { sourceTag: flags.sourceTag } : {}),
          ...(flags.sourceVersionedTag !== undefined ? { sourceVersionedTag: flags.sourceVersionedTag } : {}),
          ...(flags.sourceBranch !== undefined ? { sourceBranch: flags.sourceBranch } : {}),
          ...(flags.builderId !== undefined ? { builderId: flags.builderId } : {}),
          ...(flags.provenanceRepository !== undefined
            ? { provenanceRepository: flags.provenanceRepository }
            : {}),
          root: flags.trustedRoot ? { trustedRoot: flags.trustedRoot } : { embedded: 'public-good' },
        },
        { source: s, limits: {} },
      ),
    );
    if (run.passed && run.builder) {
      io.err(
        `Verified build using builder "${printable(run.builder.id)}" at commit ${printable(run.builder.sourceSha ?? 'unknown')}`,
      );
      if (flags.printProvenance && run.provenance) io.out(Buffer.from(run.provenance).toString('utf8'));
      io.err(SLSA_PASSED);
    } else {
      io.err(`${SLSA_FAILED}: ${printable(run.reason ?? 'no provenance passed')}`);
    }
    setExit(run.exitCode);
  });
}
