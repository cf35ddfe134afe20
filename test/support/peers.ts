/** The peer tools fetched by scripts/peer-tools into .tools/bin. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';

export const TOOLS_BIN = join(repoRoot(), '.tools', 'bin');
export const SKOPEO_POLICY = join(repoRoot(), '.tools', 'etc', 'policy.json');

export function peer(name: 'cosign' | 'oras' | 'skopeo'): string | undefined {
  const p = join(TOOLS_BIN, name);
  return existsSync(p) ? p : undefined;
}

export function peersMissingReason(...names: Array<'cosign' | 'oras' | 'skopeo'>): string | undefined {
  const missing = names.filter((n) => !peer(n));
  return missing.length === 0
    ? undefined
    : `peer tools missing (${missing.join(', ')}): run scripts/peer-tools`;
}

/** `skopeo inspect` arguments that print just the digest of a plain-HTTP registry image. */
export function skopeoDigestArgs(ref: string): string[] {
  return [
    '--policy',
    SKOPEO_POLICY,
    'inspect',
    '--tls-verify=false',
    '--format',
    '{{.Digest}}',
    `docker://${ref}`,
  ];
}

/**
 * The environment cosign runs in for tests and benchmarks: its key password, and a private TUF root
 * and HOME inside `work`, so it never reads the user's state or reaches for the network.
 */
export function cosignEnv(work: string, password: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    COSIGN_PASSWORD: password,
    TUF_ROOT: join(work, 'tuf'),
    HOME: work,
    NO_COLOR: '1',
  };
}
