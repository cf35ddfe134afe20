/**
 * One output of a batch written as its results come in (the CLI's streamBatchOutputs): each format's
 * writer takes every entry as it is decided and writes what it can at once; what needs the whole
 * batch (JUnit's totals, the summary tables) waits for end(). The bytes are those of the formats in
 * formats.ts and of JSON.stringify of the whole document, for the same results.
 */
import { jsonText } from '../util/printable.js';
import { formatMarkdown, formatText, githubLines, junitStream, sarifStream } from './formats.js';
import type { BatchEntry, BatchReport } from './report.js';
import { fileSpool, JsonListStream, type Sink } from './stream.js';

/** report: trustgate's JSON; jsonl: its results one per line; table: the text summary table. */
export type StreamedFormat = 'report' | 'jsonl' | 'sarif' | 'junit' | 'github' | 'markdown' | 'table';

export interface BatchStreamWriter {
  /** One image's result: its report entry, and its item in trustgate's JSON (report, jsonl). */
  entry?: (e: BatchEntry, item: unknown) => void;
  /** What is written at the end (from the tally's report), or undefined when it was written already. */
  end: (r: BatchReport, exitCode: number) => string | undefined;
}

export function batchStreamWriter(
  format: StreamedFormat,
  sink: Sink,
  o: {
    mode: BatchReport['mode'];
    version: string;
    /** trustgate's JSON document around its list; the exit code is known only at the end. */
    document: (list: unknown, exitCode: number) => unknown;
  },
): BatchStreamWriter {
  switch (format) {
    case 'report': {
      const list = new JsonListStream(sink);
      list.open((l) => o.document(l, 0));
      return {
        entry: (_e, item) => list.item(item),
        end: (_r, exitCode) => {
          list.close((l) => o.document(l, exitCode));
          return undefined;
        },
      };
    }
    case 'jsonl':
      return lines(sink, (_e, item) => [jsonText(item)]);
    case 'sarif': {
      return whole(sarifStream(sink, o.version));
    }
    case 'junit': {
      return whole(junitStream(sink, o.mode, fileSpool()));
    }
    case 'github':
      return lines(sink, (e) => githubLines(e));
    case 'markdown':
      return { end: (r) => formatMarkdown(r) };
    case 'table':
      return { end: (r) => formatText(r) };
  }
}

/** A writer that writes all of its output itself, its end included. */
function whole(out: { entry(e: BatchEntry): void; end(): void }): BatchStreamWriter {
  return {
    entry: (e) => out.entry(e),
    end: () => {
      out.end();
      return undefined;
    },
  };
}

/** Lines joined by newlines, without a final one (as the whole-report formats return them). */
function lines(sink: Sink, of: (e: BatchEntry, item: unknown) => string[]): BatchStreamWriter {
  let first = true;
  return {
    entry: (e, item) => {
      for (const line of of(e, item)) {
        sink.write(`${first ? '' : '\n'}${line}`);
        first = false;
      }
    },
    end: () => undefined,
  };
}
