/**
 * The batch side of `verify`: image inputs (--images-from, --from-manifests), --fail-fast, progress
 * on a terminal, and repeatable outputs (`-o json=out.json -o sarif=out.sarif`). Rendering is the
 * library's (src/report/formats.ts); this file only routes text to stdout, files or the step summary.
 */
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import type { BatchInputs } from '../inputs/inputs.js';
import { writeOutputFile } from '../output/write-file.js';
import { batchStreamWriter } from '../report/batch-stream.js';
import { formatGithub, formatJunit, formatMarkdown, formatSarif, formatText } from '../report/formats.js';
import type { BatchEntry, BatchReport } from '../report/report.js';
import type { Sink } from '../report/stream.js';
import { BatchTally } from '../report/tally.js';
import { jsonText, printable } from '../util/printable.js';
import { type AtomicFile, appendNoFollow, openFileAtomic } from '../util/safe-fs.js';
import { redact } from '../util/secrets.js';
import { VERSION } from '../version.js';
import { type Io, PLAIN } from './output.js';

// Its home is cli/exit-codes.ts; commands import it from here.
export { withInputFailures } from './exit-codes.js';

/**
 * json and text are cosign's own outputs (json its default), so that a pipeline written for cosign
 * reads the same bytes; report is trustgate's documented JSON, tree its view for people.
 */
export const BATCH_FORMATS = [
  'json',
  'text',
  'report',
  'tree',
  'jsonl',
  'sarif',
  'junit',
  'markdown',
  'github',
] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];

/** Names that meant something else once, refused with where the output went. */
const RENAMED: Record<string, string> = {
  cosign: "-o cosign was renamed: cosign's JSON is -o json (the default)",
};

export interface OutputSpec {
  format: BatchFormat;
  /** A file; none means stdout. */
  file?: string;
}

export interface BatchFlags {
  output: string[];
  imagesFrom?: string;
  fromManifests?: string[];
  failFast?: boolean;
  maxWorkers?: string;
}

export function addBatchOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--images-from <file>',
        'read image references from a file (one per line, # comments; - for stdin)',
      ),
    )
    .addOption(
      new Option(
        '--from-manifests <path...>',
        'verify every image named in Kubernetes YAML, Helm output or compose files (files or folders)',
      ),
    )
    .addOption(new Option('--fail-fast', 'stop starting new images after the first failure'))
    .addOption(
      new Option('--max-workers <n>', 'images verified at once (cosign: parallel workers); default 32'),
    )
    .addOption(
      new Option(
        '-o, --output <format[=file]>',
        `repeatable: ${BATCH_FORMATS.join(', ')} (json and text: cosign's output, json the default; report: trustgate's JSON; jsonl: its results, one per line; tree: for people, the default of --policy); with =FILE written there (markdown also goes to $GITHUB_STEP_SUMMARY)`,
      )
        .argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v])
        .default([]),
    );
}

/**
 * The -o values of a run. `fallback` is the output when none is given: cosign's json for verify and
 * verify-attestation, the tree for policy runs (a policy decision has no cosign form).
 */
export function parseOutputs(values: string[], fallback: BatchFormat = 'json'): OutputSpec[] {
  const specs = (values.length > 0 ? values : [fallback]).map((v) => {
    const i = v.indexOf('=');
    const name = i < 0 ? v : v.slice(0, i);
    const renamed = RENAMED[name];
    if (renamed) throw new UsageError(renamed);
    const format = name as BatchFormat;
    if (!BATCH_FORMATS.includes(format))
      throw new UsageError(`-o ${v}: the format is one of ${BATCH_FORMATS.join(', ')}`);
    const file = i < 0 ? undefined : v.slice(i + 1);
    if (file === '') throw new UsageError(`-o ${v}: give a file after =`);
    return { format, ...(file ? { file } : {}) };
  });
  const toStdout = specs.filter(
    (s) => !s.file && s.format !== 'github' && !(s.format === 'markdown' && process.env.GITHUB_STEP_SUMMARY),
  );
  if (toStdout.length > 1)
    throw new UsageError(
      `only one output can go to stdout; give the others a file (-o ${toStdout[1]!.format}=FILE)`,
    );
  return specs;
}

/** A counter with an ETA on stderr, only when stderr is a terminal. */
function progress(): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY || process.env.CI) return undefined;
  const start = Date.now();
  return (done, total) => {
    if (total < 2) return;
    const eta = done > 0 ? ((Date.now() - start) / done) * (total - done) : 0;
    process.stderr.write(
      `\r${done}/${total} images${done < total ? `, about ${Math.ceil(eta / 1000)} s left` : ''}   `,
    );
    if (done === total) process.stderr.write('\r\x1b[2K');
  };
}

/** What every batch run takes from the batch flags: --fail-fast, and progress on a terminal. */
export function batchRunOptions(flags: BatchFlags): {
  failFast?: true;
  onProgress?: (done: number, total: number) => void;
} {
  const onProgress = progress();
  return { ...(flags.failFast ? { failFast: true } : {}), ...(onProgress ? { onProgress } : {}) };
}

/** The images verified at once that --max-workers asks for (the library's imageConcurrency). */
export function imageConcurrencyOf(flags: BatchFlags): { imageConcurrency?: number } {
  if (flags.maxWorkers === undefined) return {};
  const n = Number(flags.maxWorkers);
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new UsageError(`--max-workers "${flags.maxWorkers}" must be a whole number from 1 to 1024`);
  return { imageConcurrency: n };
}

/** A command's own renderings, beside the batch report every CI format is made from. */
export interface CommandRenderers {
  /** trustgate's JSON document (-o report); each item of its `list` gains where it was named. */
  report: () => unknown;
  list: 'images' | 'decisions';
  /** The single-run view (-o tree); a batch prints the report's summary table instead. */
  tree: (to: Io) => void;
  /**
   * cosign's output (-o json, -o text): stdout lines to `to.out`, cosign's summary to `to.err`.
   * Commands without one (policy runs) refuse json and text before they run.
   */
  cosign?: (format: 'json' | 'text', to: Io) => void;
}

export async function writeBatchOutputs(
  report: BatchReport,
  specs: OutputSpec[],
  io: Io,
  { inputs, batch }: { inputs: BatchInputs; batch: boolean },
  renderers: CommandRenderers,
): Promise<void> {
  // cosign's summary goes to stderr once, however many outputs repeat its stdout.
  let summaryShown = false;
  const render = (format: 'json' | 'text' | 'report' | 'tree', to: Io) => {
    if (format === 'report') to.out(jsonText(withLocations(renderers.report(), renderers.list, inputs), 2));
    else if ((format === 'json' || format === 'text') && renderers.cosign) {
      renderers.cosign(format, summaryShown ? { ...to, err: () => {} } : to);
      summaryShown = true;
    } else if (batch) to.out(formatText(report));
    else renderers.tree(to);
  };
  for (const s of specs) {
    let text: string | undefined;
    if (s.format === 'jsonl') {
      const items = listItems(renderers.report(), renderers.list, inputs);
      text = items.map((i) => jsonText(i)).join('\n');
      if (!s.file) {
        if (text) io.out(redact(text));
        continue;
      }
    } else if (s.format === 'text' || s.format === 'json' || s.format === 'report' || s.format === 'tree') {
      if (!s.file) {
        render(s.format, io);
        continue;
      }
      // The same rendering as on stdout, captured without colour.
      const lines: string[] = [];
      render(s.format, { ...io, out: (l) => lines.push(l), outChalk: PLAIN });
      text = lines.join('\n');
      // cosign's stdout is bytes a script compares: written as printed, not trimmed.
      if ((s.format === 'json' || s.format === 'text') && renderers.cosign) {
        await writeOutputFile(
          s.file,
          Buffer.from(redact(lines.map((l) => `${l}\n`).join(''))),
          `-o ${s.format}`,
        );
        continue;
      }
    } else if (s.format === 'sarif') text = formatSarif(report);
    else if (s.format === 'junit') text = formatJunit(report);
    else if (s.format === 'markdown') {
      text = formatMarkdown(report);
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (!s.file && summary) {
        // The runner's own file: appended to, never through a link or into a FIFO.
        appendNoFollow(summary, redact(text), 0o644, '$GITHUB_STEP_SUMMARY');
        continue;
      }
    } else if (s.format === 'github') {
      if (process.env.GITHUB_ACTIONS !== 'true') {
        io.err('-o github: annotations are printed only under GitHub Actions (GITHUB_ACTIONS=true)');
        continue;
      }
      text = formatGithub(report);
      if (!s.file) {
        if (text) io.out(text);
        continue;
      }
    }
    if (text === undefined) continue;
    text = redact(text);
    if (s.file)
      await writeOutputFile(s.file, Buffer.from(text.endsWith('\n') ? text : `${text}\n`), `-o ${s.format}`);
    else io.out(text.replace(/\n$/, ''));
  }
}

/** Manifest errors and skipped image fields, one line each on stderr. */
function reportInputProblems(inputs: BatchInputs, io: Io): void {
  for (const e of inputs.errors)
    io.err(`${io.errChalk.red('error:')} ${printable(`${e.file}:${e.line}:${e.column}: ${e.message}`)}`);
  for (const k of inputs.skipped)
    io.err(
      `${io.errChalk.yellow('skipped:')} ${printable(`${k.file}:${k.line} ${k.path ?? ''}: ${k.reason}`)}`,
    );
}

/** The images of a batch command (positional, --images-from, --from-manifests), with problems reported. */
export async function readBatchInputs(
  positional: string[],
  flags: BatchFlags,
  io: Io,
): Promise<{ inputs: BatchInputs; images: string[]; batch: boolean }> {
  // lazy: manifests are parsed with yaml (~10 ms of start-up that single-image runs skip).
  const listed = { images: positional, ...(flags.imagesFrom ? { imagesFrom: flags.imagesFrom } : {}) };
  let inputs: BatchInputs;
  if (flags.fromManifests) {
    const { collectInputs } = await import('../inputs/inputs.js');
    inputs = collectInputs({ ...listed, fromManifests: flags.fromManifests });
  } else {
    const { collectListedInputs } = await import('../inputs/image-list.js');
    inputs = collectListedInputs(listed);
  }
  reportInputProblems(inputs, io);
  const images = inputs.references;
  if (images.length === 0 && inputs.errors.length === 0)
    throw new UsageError('no images: give references, --images-from FILE or --from-manifests PATH');
  const batch = images.length > 1 || flags.imagesFrom !== undefined || flags.fromManifests !== undefined;
  return { inputs, images, batch };
}

/** Where each image was named (list files, manifests), added to the JSON results and the skipped fields. */
function withLocations(json: unknown, list: 'images' | 'decisions', inputs: BatchInputs): unknown {
  const j = json as Record<string, unknown>;
  const items = listItems(json, list, inputs);
  return { ...j, [list]: items, ...(inputs.skipped.length > 0 ? { skipped: inputs.skipped } : {}) };
}

/** The results of trustgate's JSON (-o report), each with where it was named (also -o jsonl's lines). */
function listItems(json: unknown, list: 'images' | 'decisions', inputs: BatchInputs): unknown[] {
  return ((json as Record<string, unknown>)[list] as Array<{ reference: string }>).map((i) =>
    locatedItem(i, inputs),
  );
}

function locatedItem<T extends { reference: string }>(item: T, inputs: BatchInputs): T {
  const locations = inputs.locations.get(item.reference) ?? [];
  return locations.length > 0 ? { ...item, locations } : item;
}

/** A batch written as its images finish (streamBatchOutputs). */
export interface BatchStream {
  /** One image's result: its report entry, and its item in trustgate's JSON (-o report, -o jsonl). */
  add(entry: BatchEntry, item: { reference: string }): void;
  /** Writes what only the end knows (totals, the summary tables) and puts each file in place. */
  close(exitCode: number): Promise<void>;
  /** A run that failed: files being written are removed, the targets left as they were. */
  abort(): void;
}

/**
 * writeBatchOutputs for a batch whose results are handed over one by one, in input order: every
 * output is written as they come (trustgate's JSON as an array written item by item, JSON Lines,
 * SARIF, GitHub annotations; JUnit's test cases spooled to a temporary file until its totals are
 * known), and only the summary tables (tree, markdown) wait for the end, from a BatchTally. The
 * bytes are those writeBatchOutputs would write for the same results. cosign's json and text are not
 * streamed here (policy runs, the only caller, refuse them).
 */
export function streamBatchOutputs(
  specs: OutputSpec[],
  io: Io,
  o: {
    inputs: BatchInputs;
    mode: BatchReport['mode'];
    list: 'images' | 'decisions';
    /** trustgate's JSON document around its list; the exit code is known only at close. */
    document: (list: unknown, exitCode: number) => Record<string, unknown>;
  },
): BatchStream {
  const tally = new BatchTally();
  const tool = { name: 'trustgate' as const, version: VERSION };
  const skipped = o.inputs.skipped;
  const doc = (list: unknown, exitCode: number) => ({
    ...o.document(list, exitCode),
    ...(skipped.length > 0 ? { skipped } : {}),
  });
  const files: AtomicFile[] = [];
  const writers = specs.map((spec) => {
    const sink = spec.file ? fileSink(spec.file, `-o ${spec.format}`, files) : stdoutSink(io);
    const format =
      spec.format === 'github' && process.env.GITHUB_ACTIONS !== 'true'
        ? undefined
        : spec.format === 'tree' || spec.format === 'json' || spec.format === 'text'
          ? 'table'
          : spec.format;
    const writer = format
      ? batchStreamWriter(format, sink.sink, { mode: o.mode, version: tool.version, document: doc })
      : {
          end: () => {
            io.err('-o github: annotations are printed only under GitHub Actions (GITHUB_ACTIONS=true)');
            return undefined;
          },
        };
    return { spec, sink, ...writer };
  });
  let closed = false;
  return {
    add: (entry, item) => {
      tally.add(entry);
      const located = locatedItem(item, o.inputs);
      for (const w of writers) w.entry?.(entry, located);
    },
    close: async (exitCode) => {
      closed = true;
      const r = tally.report(tool, o.mode, exitCode, skipped);
      for (const w of writers) {
        const text = w.end(r, exitCode);
        if (text === undefined) continue;
        const summary = process.env.GITHUB_STEP_SUMMARY;
        if (w.spec.format === 'markdown' && !w.spec.file && summary) {
          appendNoFollow(summary, redact(text), 0o644, '$GITHUB_STEP_SUMMARY');
          continue;
        }
        w.sink.sink.write(text);
      }
      for (const w of writers) w.sink.finish();
    },
    abort: () => {
      if (closed) return;
      for (const f of files) f.abort();
    },
  };
}

/** A streamed output's destination, redacted write by write (each write is whole lines or items). */
interface StreamSink {
  sink: Sink;
  /** Ends the output: its last line ended, and a file put in place. */
  finish(): void;
}

/** A file written atomically: nothing is at the target until the run completes. */
function fileSink(path: string, what: string, files: AtomicFile[]): StreamSink {
  const file = openFileAtomic(path, { mode: 0o644, what });
  files.push(file);
  let last = '';
  return {
    sink: {
      write: (t) => {
        if (t.length === 0) return;
        file.write(Buffer.from(redact(t)));
        last = t[t.length - 1]!;
      },
    },
    finish: () => {
      if (last !== '\n') file.write(Buffer.from('\n'));
      file.commit();
    },
  };
}

/** stdout, a whole line at a time (Io prints lines); a final newline is not doubled. */
function stdoutSink(io: Io): StreamSink {
  let partial = '';
  let wrote = false;
  return {
    sink: {
      write: (t) => {
        wrote = true;
        const lines = (partial + t).split('\n');
        partial = lines.pop()!;
        for (const l of lines) io.out(redact(l));
      },
    },
    finish: () => {
      if (wrote && partial !== '') io.out(redact(partial));
      partial = '';
    },
  };
}
