/**
 * cosign's discovery flags on verify and verify-attestation: --local-image, --new-bundle-format,
 * --experimental-oci11 and --attachment-tag-prefix. They map onto the library's run limits
 * (discovery/formats.ts decides what each combination reads) and onto `oci:PATH` references.
 */
import { type Command, Option } from 'commander';
import { checkTagPrefix } from '../discovery/formats.js';
import type { Limits } from '../run/context.js';

export interface DiscoveryFlags {
  localImage?: boolean;
  newBundleFormat?: boolean;
  experimentalOci11?: boolean;
  attachmentTagPrefix?: string;
}

export function addDiscoveryOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--local-image',
        "the images are paths to folders written by 'cosign save' (OCI layouts), as oci:PATH",
      ),
    )
    .addOption(
      new Option(
        '--new-bundle-format',
        'read only Sigstore bundles (OCI 1.1 referrers); =false: only the legacy .sig/.att tags. Neither this nor --experimental-oci11: every format',
      ),
    )
    .addOption(
      new Option(
        '--experimental-oci11',
        'verify: also read cosign signatures stored as OCI 1.1 referrers (cosign picks formats once either flag is given)',
      ),
    )
    .addOption(
      new Option(
        '--attachment-tag-prefix <prefix>',
        'the legacy tags are <prefix>sha256-<hex>.sig / .att (as cosign sign --attachment-tag-prefix wrote them)',
      ),
    );
}

/** The run limits the discovery flags ask for. */
export function discoveryFromFlags(f: DiscoveryFlags): Pick<Limits, 'cosignFormat' | 'tagPrefix'> {
  const named = f.newBundleFormat !== undefined || f.experimentalOci11 !== undefined;
  return {
    ...(named
      ? {
          cosignFormat: {
            ...(f.newBundleFormat !== undefined ? { newBundleFormat: f.newBundleFormat } : {}),
            ...(f.experimentalOci11 !== undefined ? { experimentalOci11: f.experimentalOci11 } : {}),
          },
        }
      : {}),
    ...(f.attachmentTagPrefix !== undefined ? { tagPrefix: checkTagPrefix(f.attachmentTagPrefix) } : {}),
  };
}

/** The positional images as `oci:PATH` when --local-image says they are layout folders. */
export function localImages(positional: string[], f: DiscoveryFlags): string[] {
  return f.localImage ? positional.map((p) => (p.startsWith('oci:') ? p : `oci:${p}`)) : positional;
}
