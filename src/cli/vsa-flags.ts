/**
 * `verify --policy … --vsa FILE [--vsa-key KEY] [--vsa-verifier-id URI] [--vsa-attach]`: issue a
 * SLSA VSA per decided image (src/vsa/issue.ts). The key is read, and its password taken from
 * TRUSTGATE_VSA_PASSWORD, before any image is verified, so a wrong password costs no registry work.
 */
import { type Command, Option } from 'commander';
import type {
  CompiledPolicy,
  ImageEvidence,
  IssueResult,
  PolicyDecision,
  RegistryClient,
  VsaSigningKey,
} from '../index.js';
import type { Io } from './output.js';
import { UsageError } from './registry-options.js';

export interface VsaFlags {
  vsa?: string;
  vsaKey?: string;
  vsaVerifierId?: string;
  vsaAttach?: boolean;
}

export function addVsaOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--vsa <file>',
        'with --policy: write a SLSA VSA per image: FILE (one image), a folder (FILE/ : one file per image) or a .jsonl file',
      ),
    )
    .addOption(
      new Option(
        '--vsa-key <key>',
        'sign the VSAs with this private key (cosign generate-key-pair, or PKCS#8 PEM); password in TRUSTGATE_VSA_PASSWORD',
      ),
    )
    .addOption(new Option('--vsa-verifier-id <uri>', "the VSA's verifier.id (default: trustgate's)"))
    .addOption(
      new Option(
        '--vsa-attach',
        'push each signed VSA to the registry as an OCI 1.1 referrer of its image, as cosign attest --new-bundle-format does (needs push access)',
      ),
    );
}

/** What issuing needs, prepared before the run; undefined without --vsa. */
export interface VsaPlan {
  key?: VsaSigningKey;
  verifierId: string;
  items: Array<{ decision: PolicyDecision; evidence: ImageEvidence }>;
  onDecision: (d: PolicyDecision, ev: ImageEvidence, i: number) => void;
}

export async function prepareVsa(flags: VsaFlags, images: readonly string[]): Promise<VsaPlan | undefined> {
  if (!flags.vsa) {
    for (const f of ['vsaKey', 'vsaVerifierId', 'vsaAttach'] as const)
      if (flags[f])
        throw new UsageError(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --vsa FILE`);
    return undefined;
  }
  if (flags.vsaAttach && !flags.vsaKey)
    throw new UsageError(
      '--vsa-attach pushes a signed VSA: give --vsa-key (an unsigned summary vouches for nothing)',
    );
  // Before anything is verified: --image-name gives a layout a registry name, never its registry.
  const layout = flags.vsaAttach ? images.find((i) => i.startsWith('oci:')) : undefined;
  if (layout)
    throw new UsageError(`--vsa-attach: ${layout} is an OCI layout; a VSA is attached to a registry image`, {
      hint: 'push the image, then verify it there with --vsa-attach (or leave --vsa-attach out: --vsa still writes the file)',
    });
  const { loadVsaSigningKey, vsaTarget, DEFAULT_VERIFIER_ID } = await import('../index.js');
  vsaTarget(flags.vsa, images.length); // a plain file for many images fails before anything is verified
  if (flags.vsaVerifierId !== undefined && !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(flags.vsaVerifierId))
    throw new UsageError(
      `--vsa-verifier-id ${flags.vsaVerifierId}: a URI with a scheme, e.g. https://ci.example/verifier`,
    );
  const key = flags.vsaKey ? await loadVsaSigningKey(flags.vsaKey) : undefined;
  const items: VsaPlan['items'] = [];
  return {
    ...(key ? { key } : {}),
    verifierId: flags.vsaVerifierId ?? DEFAULT_VERIFIER_ID,
    items,
    onDecision: (decision, evidence, i) => {
      items[i] = { decision, evidence };
    },
  };
}

export async function issuePlanned(
  plan: VsaPlan,
  flags: VsaFlags,
  policy: CompiledPolicy,
  client: RegistryClient,
  io: Io,
): Promise<IssueResult> {
  const { issueVsas, vsaTarget } = await import('../index.js');
  const items = plan.items.filter((x) => x !== undefined);
  const result = await issueVsas(items, policy, {
    target: vsaTarget(flags.vsa!, items.length),
    ...(plan.key ? { key: plan.key } : {}),
    verifierId: plan.verifierId,
    ...(flags.vsaAttach ? { attach: client } : {}),
  });
  for (const v of result.issued) {
    if (!v.file) io.err(`VSA: ${v.reference}: ${v.problem}`);
    else
      io.err(
        `VSA: ${v.reference}: ${v.result} ${plan.key ? 'signed' : 'unsigned'} → ${v.file}${v.attached ? `; attached ${v.attached.manifest} (${v.attached.via})` : ''}`,
      );
  }
  return result;
}
