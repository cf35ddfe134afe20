/** Writing outputs: never through a symlink, never outside what the user named. */
import { lstat, writeFile } from 'node:fs/promises';
import { TrustgateError } from '../errors.js';

export async function writeOutputFile(path: string, bytes: Uint8Array): Promise<void> {
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink()) {
      throw new TrustgateError('USAGE', `--output ${path} is a symbolic link; refusing to write through it`, {
        hint: 'name a regular file path',
      });
    }
    if (st.isDirectory()) throw new TrustgateError('USAGE', `--output ${path} is a directory`);
  } catch (e) {
    if (e instanceof TrustgateError) throw e;
    // Not there yet: fine.
  }
  await writeFile(path, bytes, { mode: 0o644 });
}
