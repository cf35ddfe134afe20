/**
 * The images of a batch: positional references, `--images-from FILE|-`, and `--from-manifests PATH...`
 * (files, or folders searched for *.yaml, *.yml and *.json). References are kept once each, in order,
 * with every place they were named.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TrustgateError } from '../errors.js';
import { MAX_INPUT_FILE_BYTES, readInputFile } from '../util/safe-fs.js';
import type { SkippedImage, SourceLocation } from './location.js';
import { parseImageList, scanManifests } from './manifests.js';

export interface BatchInputs {
  references: string[];
  locations: Map<string, SourceLocation[]>;
  skipped: SkippedImage[];
  /** Manifests that could not be read or parsed: the batch fails (an unread file may name images). */
  errors: Array<{ file: string; line: number; column: number; message: string }>;
}

const MAX_IMAGES = 100_000;

/**
 * The files named, and the YAML/JSON files in folders named. Links inside folders are not followed
 * (a loop of links would walk forever); a file named directly is read wherever it points.
 */
function manifestFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 20) return;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      out.push(dir); // reported as unreadable by the scan
      return;
    }
    for (const name of names) {
      const child = join(dir, name);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(child);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(child, depth + 1);
      else if (st.isFile() && /\.(ya?ml|json)$/i.test(name)) out.push(child);
    }
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // A missing or dangling path: the scan reports it as unreadable.
    }
    if (isDir) walk(p, 0);
    else out.push(p);
  }
  return out;
}

export function collectInputs(opts: {
  images?: string[];
  imagesFrom?: string;
  fromManifests?: string[];
  readStdin?: () => string;
}): BatchInputs {
  const locations = new Map<string, SourceLocation[]>();
  const order: string[] = [];
  const add = (reference: string, loc?: SourceLocation) => {
    if (!locations.has(reference)) {
      locations.set(reference, []);
      order.push(reference);
    }
    if (loc) locations.get(reference)!.push(loc);
  };
  for (const r of opts.images ?? []) add(r);
  if (opts.imagesFrom !== undefined) {
    const file = opts.imagesFrom;
    let text: string;
    try {
      text =
        file === '-'
          ? (opts.readStdin ?? (() => readInputFile('/dev/stdin', MAX_INPUT_FILE_BYTES).toString('utf8')))()
          : readInputFile(file, MAX_INPUT_FILE_BYTES).toString('utf8');
    } catch (e) {
      if (e instanceof TrustgateError && e.code === 'SIZE_LIMIT') throw e;
      throw new TrustgateError('USAGE', `imagesFrom ${file}: cannot read it`, { option: 'imagesFrom' });
    }
    for (const i of parseImageList(text, file === '-' ? '<stdin>' : file))
      add(i.reference, { file: i.file, line: i.line });
  }
  let skipped: SkippedImage[] = [];
  let errors: BatchInputs['errors'] = [];
  if (opts.fromManifests && opts.fromManifests.length > 0) {
    const scan = scanManifests(manifestFiles(opts.fromManifests));
    for (const i of scan.images)
      add(i.reference, { file: i.file, line: i.line, column: i.column, path: i.path });
    skipped = scan.skipped.map((k) => ({ file: k.file, line: k.line, path: k.path, reason: k.reason }));
    errors = scan.errors;
  }
  if (order.length > MAX_IMAGES)
    throw new TrustgateError('COUNT_LIMIT', `${order.length} images in one run; the limit is ${MAX_IMAGES}`);
  return { references: order, locations, skipped, errors };
}
