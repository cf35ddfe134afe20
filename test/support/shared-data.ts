/** Third-party data in ../shared/testdata: read in place, never copied into the repo. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from './repo-root.js';

export const SHARED_TESTDATA = resolve(repoRoot(), '..', 'shared', 'testdata');

export function sharedPath(...parts: string[]): string {
  return join(SHARED_TESTDATA, ...parts);
}

/** Why the shared suite must skip, or undefined when the data is there. */
export function sharedMissingReason(...parts: string[]): string | undefined {
  const p = sharedPath(...parts);
  return existsSync(p) ? undefined : `${p} is absent: the shared-data suite skips`;
}
