/**
 * The images of a batch that need no YAML: positional references and `--images-from FILE|-`. Apart
 * from manifests.ts so `verify IMAGE` and `--images-from` never load the YAML parser; inputs.ts adds
 * the `--from-manifests` scan on top. References are kept once each, in order, with every place they
 * were named.
 */
import { TrustgateError } from '../errors.js';
import { MAX_INPUT_FILE_BYTES, readInputFile } from '../util/safe-fs.js';
import type { SkippedImage, SourceLocation } from './location.js';
import type { ManifestScan } from './manifests.js';

export interface BatchInputs {
  references: string[];
  locations: Map<string, SourceLocation[]>;
  skipped: SkippedImage[];
  /** Manifests that could not be read or parsed: the batch fails (an unread file may name images). */
  errors: Array<{ file: string; line: number; column: number; message: string }>;
}

export interface InputOptions {
  images?: string[];
  imagesFrom?: string;
  fromManifests?: string[];
  readStdin?: () => string;
}

const MAX_IMAGES = 100_000;

/** `--images-from`: one reference per line; `#` starts a comment; blank lines ignored. */
export function parseImageList(
  text: string,
  file: string,
): Array<{ reference: string; file: string; line: number }> {
  const out: Array<{ reference: string; file: string; line: number }> = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.replace(/#.*/, '').trim();
    if (t) out.push({ reference: t, file, line: i + 1 });
  });
  return out;
}

/**
 * Positional references, then `--images-from`, then the manifests' images (`scanned`). Manifests
 * named without their scan are refused: silently dropping them would verify fewer images than asked.
 */
export function collectListedInputs(opts: InputOptions, scanned?: ManifestScan): BatchInputs {
  if ((opts.fromManifests?.length ?? 0) > 0 && scanned === undefined)
    throw new Error('collectListedInputs: fromManifests needs collectInputs (it scans the manifests)');
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
  for (const i of scanned?.images ?? [])
    add(i.reference, { file: i.file, line: i.line, column: i.column, path: i.path });
  const skipped = (scanned?.skipped ?? []).map((k) => ({
    file: k.file,
    line: k.line,
    path: k.path,
    reason: k.reason,
  }));
  if (order.length > MAX_IMAGES)
    throw new TrustgateError('COUNT_LIMIT', `${order.length} images in one run; the limit is ${MAX_IMAGES}`);
  return { references: order, locations, skipped, errors: scanned?.errors ?? [] };
}
