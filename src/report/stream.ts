/**
 * Writing a batch report as images finish, so that memory does not grow with the number of images:
 * text sinks, a JSON document whose one list is written item by item (byte for byte what
 * JSON.stringify of the whole document gives), and spools for formats whose head carries totals
 * (JUnit), which hold the body on disk until the totals are known.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { jsonText } from '../util/printable.js';

/** Where streamed text goes: a file, stdout, or a string. */
export interface Sink {
  write(text: string): void;
}

/** Everything a writer puts into a sink, as one string (the non-streamed formats). */
export function collect(fill: (sink: Sink) => void): string {
  const parts: string[] = [];
  fill({ write: (t) => parts.push(t) });
  return parts.join('');
}

/** Stands for the streamed list inside the document; a string no value of a report can equal. */
const MARK = '\u0000trustgate: the streamed list\u0000';
const MARKED = jsonText(MARK);

/**
 * A JSON document (indented) with one list written item by item. `doc(list)` builds the document
 * around a list value; it is called at open, where what comes before the list is written, and again
 * at close, where what comes after it is (so fields after the list, such as the exit code, may be
 * known only at the end). The bytes equal jsonText(doc(items), indent).
 */
export class JsonListStream {
  private items = 0;
  private pad = '';

  constructor(
    private readonly sink: Sink,
    private readonly indent = 2,
  ) {}

  open(doc: (list: unknown) => unknown): void {
    const text = jsonText(doc(MARK), this.indent);
    const at = text.indexOf(MARKED);
    const before = text.slice(0, at);
    this.pad = before.slice(before.lastIndexOf('\n') + 1).match(/^ */)![0];
    this.sink.write(`${before}[`);
  }

  item(value: unknown): void {
    const inner = `${this.pad}${' '.repeat(this.indent)}`;
    const text = jsonText(value, this.indent).replaceAll('\n', `\n${inner}`);
    this.sink.write(`${this.items++ > 0 ? ',' : ''}\n${inner}${text}`);
  }

  close(doc: (list: unknown) => unknown): void {
    const text = jsonText(doc(MARK), this.indent);
    this.sink.write(
      `${this.items > 0 ? `\n${this.pad}]` : ']'}${text.slice(text.indexOf(MARKED) + MARKED.length)}`,
    );
  }
}

/** Text held back until the head before it can be written. */
export interface Spool extends Sink {
  /** Everything written, into `sink`; the spool is then empty and released. */
  drain(sink: Sink): void;
}

export function memorySpool(): Spool {
  let parts: string[] = [];
  return {
    write: (t) => parts.push(t),
    drain: (sink) => {
      sink.write(parts.join(''));
      parts = [];
    },
  };
}

/** A spool in a private temporary folder (0700), removed when drained. */
export function fileSpool(): Spool {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-spool-'));
  const path = join(dir, 'body');
  let fd: number | undefined = openSync(path, 'w+', 0o600);
  const release = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    write: (t) => {
      writeSync(fd!, t);
    },
    drain: (sink) => {
      try {
        const buf = Buffer.alloc(64 * 1024);
        const decoder = new StringDecoder('utf8');
        let pos = 0;
        for (;;) {
          const n = readSync(fd!, buf, 0, buf.length, pos);
          if (n === 0) break;
          pos += n;
          sink.write(decoder.write(buf.subarray(0, n)));
        }
        sink.write(decoder.end());
      } finally {
        release();
      }
    },
  };
}
