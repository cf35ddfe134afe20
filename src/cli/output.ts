/** Human output: colour only on a TTY and only when NO_COLOR is unset. Every line is redacted. */
import { Chalk, type ChalkInstance } from 'chalk';
import { redact } from '../util/secrets.js';

export function makeChalk(stream: NodeJS.WriteStream): ChalkInstance {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return new Chalk({ level: !noColor && stream.isTTY ? 1 : 0 });
}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  errChalk: ChalkInstance;
  outChalk: ChalkInstance;
}

/** The process's own streams; main() wraps every Io, this one included, in redactingIo. */
export function processIo(): Io {
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    errChalk: makeChalk(process.stderr),
    outChalk: makeChalk(process.stdout),
  };
}

/**
 * `io` with known secrets removed from every line it writes: the one place all CLI text passes, so a
 * secret cannot reach a terminal or CI log through a message that forgot to redact.
 */
export function redactingIo(io: Io): Io {
  return { ...io, out: (l) => io.out(redact(l)), err: (l) => io.err(redact(l)) };
}
