import { type Command, Option } from 'commander';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, registryClientOptions } from '../registry-options.js';
import { addTrustOptions, type TrustFlags, trustOptions } from '../trust-options.js';

interface VerifyAttestationFlags extends RegistryFlags, TrustFlags {
  type?: string;
  platform?: string;
  output: string;
}

export function registerVerifyAttestation(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('verify-attestation')
    .description(
      'verify in-toto attestations attached to images (cosign verify-attestation): exit 0 verified, 10 none found, 12 none matched',
    )
    .argument('<image...>', 'image references: [registry/]repo[:tag][@sha256:…] or oci:PATH[:tag|@sha256:…]');
  addTrustOptions(cmd)
    .addOption(
      new Option(
        '--type <type>',
        'slsaprovenance, slsaprovenance1, spdx, cyclonedx, vuln, openvex, link, custom, triage, license, or a predicateType URI; none: every attestation, by type (no silent default)',
      ),
    )
    .addOption(new Option('--platform <os/arch[/variant]>', "this platform's image from a multi-arch index"))
    .addOption(
      new Option('-o, --output <format>', 'text, json or cosign')
        .choices(['text', 'json', 'cosign'])
        .default('text'),
    );
  addRegistryOptions(cmd).action(async (images: string[], flags: VerifyAttestationFlags) => {
    const trust = trustOptions(flags);
    const { verifyImageAttestations } = await import('../../verify/verify-attestations-image.js');
    const run = await verifyImageAttestations(images, {
      ...registryClientOptions(flags),
      ...trust,
      ...(flags.type ? { type: flags.type } : {}),
      ...(flags.platform ? { platform: flags.platform } : {}),
    });
    const render = await import('../render/attestations.js');
    if (flags.output === 'json') io.out(JSON.stringify(render.attestationsJson(run), null, 2));
    else if (flags.output === 'cosign') render.renderAttestationsCosign(run, io);
    else render.renderAttestationsText(run, io);
    setExit(run.exitCode);
  });
}
