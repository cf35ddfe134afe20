/**
 * Writing outputs (`extract --output`, `-o fmt=FILE`): never through a link or into a FIFO or device,
 * and atomically, through a temporary file created exclusively under an unpredictable name, so a link
 * planted at the target or beside it redirects nothing.
 */
import { writeFileAtomic } from '../util/safe-fs.js';

export async function writeOutputFile(
  path: string,
  bytes: Uint8Array,
  what = 'the output file',
): Promise<void> {
  writeFileAtomic(path, bytes, { mode: 0o644, what });
}
