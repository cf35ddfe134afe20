/**
 * Debian packages the tests need. Installed when missing and running as root; otherwise the error
 * names the install command.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const installed = new Set<string>();

export function requireCommand(command: string, debPackage: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  if (process.getuid?.() === 0 && !installed.has(debPackage) && existsSync('/usr/bin/apt-get')) {
    installed.add(debPackage);
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', debPackage], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', '-qq', debPackage], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    }
    return requireCommand(command, debPackage);
  }
  throw new Error(
    `${command} is missing: install it with \`sudo apt-get install -y ${debPackage}\` (or run the tests as root)`,
  );
}
