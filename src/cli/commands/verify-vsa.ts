/**
 * `trustgate verify-vsa IMAGE --key K`: slsa-verifier's `verify-vsa`, for an image's attached VSA.
 * Its flags keep slsa-verifier's names (--verifier-id, --resource-uri, --verified-levels,
 * --print-attestation, --public-key-path as an alias of --key) and add what a deploy gate needs
 * (--policy-digest, --max-age). stderr says `Verifying VSA: PASSED` or `Verifying VSA: FAILED: <reason>`.
 */
import { type Command, Option } from 'commander';
import { printable } from '../../util/printable.js';
import type { Io } from '../output.js';
import {
  addRegistryOptions,
  type RegistryFlags,
  sourceOptionsFromFlags,
  UsageError,
} from '../registry-options.js';

interface VerifyVsaFlags extends RegistryFlags {
  key?: string;
  publicKeyPath?: string;
  verifierId?: string;
  resourceUri?: string;
  policyDigest?: string;
  verifiedLevels?: string[];
  maxAge?: string;
  printAttestation?: boolean;
  trustedRoot?: string;
  subjectDigest?: string[];
  attestationPath?: string;
}

export const VSA_PASSED = 'Verifying VSA: PASSED';
export const VSA_FAILED = 'Verifying VSA: FAILED';

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)];

export function registerVerifyVsa(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('verify-vsa')
    .description(
      "verify an image's signed SLSA VSA (slsa-verifier verify-vsa): exit 0 passed, 10 none found, 12 none passed, 1 error",
    )
    .argument('<image>', 'the image: registry/repo[:tag|@sha256:…] or oci:PATH[:tag|@sha256:…]')
    .addOption(new Option('--key <file>', "the VSA verifier's public key (PEM)"))
    .addOption(new Option('--public-key-path <file>', 'slsa-verifier spelling of --key').hideHelp())
    .addOption(new Option('--verifier-id <uri>', 'the verifier.id the VSA must name'))
    .addOption(
      new Option(
        '--resource-uri <uri>',
        'the resourceUri it must name (default: oci://REGISTRY/REPO@DIGEST)',
      ),
    )
    .addOption(
      new Option('--policy-digest <sha256:hex>', 'the sha256 of the policy it must have been made under'),
    )
    .addOption(
      new Option(
        '--verified-levels <level>',
        'a level it must state, e.g. SLSA_BUILD_LEVEL_2 (a higher one implies it); repeat or comma-separate',
      ).argParser(collect),
    )
    .addOption(new Option('--verified-level <level>').argParser(collect).hideHelp())
    .addOption(new Option('--max-age <duration>', 'how old its timeVerified may be: 30m, 24h, 7d'))
    .addOption(new Option('--print-attestation', 'print the verified VSA statement (JSON) on stdout'))
    .addOption(
      new Option(
        '--trusted-root <file>',
        'Sigstore trusted_root.json (default: the embedded public-good root)',
      ),
    )
    .addOption(new Option('--subject-digest <digest>').hideHelp())
    .addOption(new Option('--attestation-path <file>').hideHelp());
  addRegistryOptions(cmd).action(
    async (image: string, flags: VerifyVsaFlags & { verifiedLevel?: string[] }) => {
      if (flags.attestationPath !== undefined || flags.subjectDigest !== undefined)
        throw new UsageError(
          '--attestation-path/--subject-digest are not supported: verify-vsa reads the VSA attached to the image',
        );
      const key = flags.key ?? flags.publicKeyPath;
      if (!key) throw new UsageError('--key is required: the public key of the verifier that signed the VSA');
      if (
        flags.policyDigest !== undefined &&
        flags.policyDigest !== 'any' &&
        !/^sha256:[0-9a-f]{64}$/.test(flags.policyDigest)
      )
        throw new UsageError(`--policy-digest ${flags.policyDigest}: sha256:<64 hex> (or any)`);
      const [{ parseDuration }, { buildTrust }, { runVerifyVsa }, { withSource }] = await Promise.all([
        import('../../policy/duration.js'),
        import('../../verify/trust.js'),
        import('../../run/verify-vsa.js'),
        import('../../run/source.js'),
      ]);
      let maxAgeMs: number | undefined;
      if (flags.maxAge !== undefined)
        try {
          maxAgeMs = parseDuration(flags.maxAge);
        } catch {
          throw new UsageError(`--max-age ${flags.maxAge}: a duration such as 30m, 24h or 7d`);
        }
      const levels = [...(flags.verifiedLevels ?? []), ...(flags.verifiedLevel ?? [])];
      const trust = await buildTrust({
        keys: [key],
        ignoreTlog: true,
        root: flags.trustedRoot ? { trustedRoot: flags.trustedRoot } : { embedded: 'public-good' },
      });
      const source = sourceOptionsFromFlags(flags, [image]);
      const run = await withSource(source, (s) =>
        runVerifyVsa(
          image,
          trust,
          { source: s, limits: {} },
          {
            ...(flags.verifierId !== undefined ? { verifierId: flags.verifierId } : {}),
            ...(flags.resourceUri !== undefined ? { resourceUri: flags.resourceUri } : {}),
            ...(flags.policyDigest !== undefined ? { policyDigest: flags.policyDigest } : {}),
            ...(levels.length > 0 ? { levels } : {}),
            ...(maxAgeMs !== undefined ? { maxAgeMs, maxAgeText: flags.maxAge! } : {}),
          },
        ),
      );
      if (run.passed) {
        if (flags.printAttestation && run.attestation) io.out(Buffer.from(run.attestation).toString('utf8'));
        io.err(VSA_PASSED);
      } else io.err(`${VSA_FAILED}: ${printable(run.reason ?? 'no VSA passed')}`);
      setExit(run.exitCode);
    },
  );
}
