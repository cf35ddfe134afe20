/**
 * cosign's global `--output-file FILE` ("log output to a file"): cosign points its stdout at the file
 * for the whole command, so what would have been printed on stdout goes there, and stderr stays.
 * Here stdout's lines are gathered and written once the command ends, however it ends, through the
 * safe writer (never through a link, atomically), redacted as every line of the CLI is.
 */
import { writeOutputFile } from '../output/write-file.js';
import { redact } from '../util/secrets.js';
import { type Io, PLAIN } from './output.js';

export interface StdoutRedirect {
  /** From now on, `io`'s stdout goes to `file` (nothing changes when it is undefined). */
  start(file: string | undefined): void;
  /** Writes the file, when one was started; call once the command has ended. */
  finish(): Promise<void>;
}

export function stdoutRedirect(io: Io): StdoutRedirect {
  let file: string | undefined;
  const lines: string[] = [];
  return {
    start(f) {
      if (f === undefined) return;
      file = f;
      io.out = (l) => lines.push(redact(l));
      io.outChalk = PLAIN;
    },
    async finish() {
      if (file === undefined) return;
      const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
      await writeOutputFile(file, Buffer.from(text), '--output-file');
    },
  };
}
