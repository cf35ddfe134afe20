/** Human output: colour only on a TTY and only when NO_COLOR is unset. Every line is redacted. */
import { redact } from '../util/secrets.js';

/** The colours human output uses; a chalk instance is one. */
export interface Colors {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
}

const asIs = (text: string) => text;
/** No colour: what NO_COLOR, a pipe, a file or a CI log gets, without loading chalk. */
export const PLAIN: Colors = { red: asIs, green: asIs, yellow: asIs, dim: asIs };

export function wantsColor(stream: NodeJS.WriteStream): boolean {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return !noColor && stream.isTTY === true;
}

/** chalk (basic 16 colours) for a terminal, PLAIN otherwise. */
export async function colorsFor(stream: NodeJS.WriteStream): Promise<Colors> {
  if (!wantsColor(stream)) return PLAIN;
  // lazy: chalk's style tables cost start-up time that uncoloured output never uses.
  const { Chalk } = await import('chalk');
  return new Chalk({ level: 1 });
}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  errChalk: Colors;
  outChalk: Colors;
}

/**
 * A reader that went away (`| head`, a `jq` that failed) closes the pipe: Node then reports EPIPE as an
 * 'error' event, which unhandled ends the process with a stack trace. cosign just stops writing, and so
 * do we: the stream is destroyed, later lines to it are dropped, and the run (audit log, exit code)
 * completes. Installed once per stream, however many Io objects are made.
 */
const quieted = new WeakSet<NodeJS.WriteStream>();
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  if (quieted.has(stream)) return;
  quieted.add(stream);
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

/** The process's own streams; main() wraps every Io, this one included, in redactingIo. */
export async function processIo(): Promise<Io> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  return {
    out: (l) => {
      if (!process.stdout.destroyed) process.stdout.write(`${l}\n`);
    },
    err: (l) => {
      if (!process.stderr.destroyed) process.stderr.write(`${l}\n`);
    },
    errChalk: await colorsFor(process.stderr),
    outChalk: await colorsFor(process.stdout),
  };
}

/**
 * `io` with known secrets removed from every line it writes: the one place all CLI text passes, so a
 * secret cannot reach a terminal or CI log through a message that forgot to redact.
 */
export function redactingIo(io: Io): Io {
  return { ...io, out: (l) => io.out(redact(l)), err: (l) => io.err(redact(l)) };
}
