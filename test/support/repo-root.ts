/** The repository root, whether this file runs from test/ (vitest) or from dist/ (compiled). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function repoRoot(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'trustgate')
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no trustgate package.json above ${from}`);
    dir = up;
  }
}
