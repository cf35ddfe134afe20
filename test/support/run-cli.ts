/** The real binary, spawned as a user or CI would run it, with colour and CI variables neutralised. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): CliResult {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'trustgate.js'), ...args], {
    cwd: opts.cwd ?? repoRoot(),
    encoding: 'utf8',
    env: {
      ...process.env,
      NO_COLOR: '',
      FORCE_COLOR: '',
      GITHUB_ACTIONS: '',
      GITHUB_STEP_SUMMARY: '',
      ...opts.env,
    },
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
