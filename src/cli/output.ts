/** Human output: colour only on a TTY and only when NO_COLOR is unset. */
import { Chalk, type ChalkInstance } from 'chalk';

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

export function processIo(): Io {
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    errChalk: makeChalk(process.stderr),
    outChalk: makeChalk(process.stdout),
  };
}
