/**
 * `trustgate pin`: rewrite every image reference in manifests or compose files to
 * `repo:tag@sha256:…`, in place: each scalar is replaced at its source offsets (from the yaml
 * document API), so comments, quoting, key order and indentation stay exactly as written. With a
 * verifier, only images that pass are pinned; the rest are listed as failures.
 */

import { lstatSync } from 'node:fs';
import { describeError, TrustgateError } from '../errors.js';
import type { RegistryClient } from '../oci/registry/client.js';
import { parseReference } from '../reference/parse.js';
import { resolveImage } from '../resolve/resolve.js';
import { printable } from '../util/printable.js';
import { MAX_INPUT_FILE_BYTES, readInputFile, readRegularFile, writeFileAtomic } from '../util/safe-fs.js';
import { mapLimit } from '../util/semaphore.js';
import { type FoundImage, scanManifestFile } from './manifests.js';

export interface PinFailure {
  reference: string;
  reason: string;
  locations: Array<{ file: string; line: number }>;
}

export interface PinnedFile {
  file: string;
  before: string;
  after: string;
  changes: Array<{ line: number; path: string; from: string; to: string }>;
}

export interface PinPlan {
  files: PinnedFile[];
  failures: PinFailure[];
  /** References already pinned by digest, left as they are. */
  alreadyPinned: number;
  errors: Array<{ file: string; line: number; message: string }>;
  /**
   * With a policy gate whose rules have a `platforms:` scope: for each pinned index, the platform
   * images that passed and failed those rules (the index digest is what is pinned).
   */
  platforms?: PinPlatforms[];
}

export interface PinPlatforms {
  /** The pinned reference (name@index-digest). */
  reference: string;
  passed: string[];
  failed: string[];
}

/** Checks pinned references (`name@digest`); returns a reason for each one that must not be pinned. */
export type PinVerifier = (pinned: string[]) => Promise<Map<string, string | undefined>>;

/**
 * Every reference in the files, resolved once per distinct name, gated, and rewritten at its source
 * offsets. Over 80 lines: the offsets of one file are computed and applied in one pass, so that no
 * rewrite can shift another's position.
 */
export async function planPins(
  files: string[],
  options: { client: RegistryClient; verify?: PinVerifier; platform?: string },
): Promise<PinPlan> {
  const plan: PinPlan = { files: [], failures: [], alreadyPinned: 0, errors: [] };
  const scans = new Map<string, { text: string; images: FoundImage[] }>();
  for (const f of files) {
    let text: string;
    try {
      text = readInputFile(f, MAX_INPUT_FILE_BYTES).toString('utf8');
    } catch (e) {
      plan.errors.push({ file: f, line: 0, message: `cannot read the file: ${describeError(e)}` });
      continue;
    }
    const scan = scanManifestFile(f, text);
    for (const e of scan.errors) plan.errors.push({ file: e.file, line: e.line, message: e.message });
    if (scan.errors.length === 0) scans.set(f, { text, images: scan.images });
  }
  const all = [...scans.values()].flatMap((s) => s.images);
  const distinct = [...new Set(all.map((i) => i.reference))];
  const pinnedTo = new Map<string, string>();
  const failed = new Map<string, string>();
  await mapLimit(distinct, 8, async (reference) => {
    try {
      const ref = parseReference(reference);
      if (ref.kind !== 'registry') throw new Error('only registry references can be pinned');
      if (ref.digest) {
        plan.alreadyPinned++;
        return;
      }
      const image = await resolveImage(ref, {
        client: options.client,
        ...(options.platform ? { platform: options.platform } : {}),
      });
      // The tag as written stays readable; an implicit one is made explicit.
      pinnedTo.set(reference, `${reference}${ref.tag ? '' : ':latest'}@${image.digest}`);
    } catch (e) {
      failed.set(reference, describeError(e));
    }
  });
  if (options.verify && pinnedTo.size > 0) {
    // Verified by digest: what is checked is exactly what gets written. Several references can pin to
    // the same string (nginx and nginx:latest); each is pinned only on an explicit pass.
    const byPinned = new Map<string, string[]>();
    for (const [r, p] of pinnedTo) byPinned.set(p, [...(byPinned.get(p) ?? []), r]);
    const verdicts = await options.verify([...byPinned.keys()]);
    for (const [p, refs] of byPinned) {
      const has = verdicts.has(p);
      const reason = verdicts.get(p);
      if (has && reason === undefined) continue;
      for (const r of refs) {
        pinnedTo.delete(r);
        failed.set(r, reason ?? 'no verdict was returned for it');
      }
    }
  }
  const named = new Map<string, Array<{ file: string; line: number }>>();
  for (const i of all) {
    if (!failed.has(i.reference)) continue;
    const at = named.get(i.reference) ?? [];
    at.push({ file: i.file, line: i.line });
    named.set(i.reference, at);
  }
  for (const [reference, reason] of failed)
    plan.failures.push({ reference, reason, locations: named.get(reference) ?? [] });
  for (const [file, { text, images }] of scans) {
    // One edit per scalar: an anchored image named by several aliases is found once per alias, at the
    // same offsets, and must be rewritten once.
    const byOffset = new Map<number, FoundImage>();
    for (const i of images)
      if (pinnedTo.has(i.reference) && !byOffset.has(i.range[0])) byOffset.set(i.range[0], i);
    const edits = [...byOffset.values()].sort((a, b) => b.range[0] - a.range[0]);
    if (edits.length === 0) continue;
    let after = text;
    const changes: PinnedFile['changes'] = [];
    for (const i of edits) {
      const token = text.slice(i.range[0], i.range[1]);
      const to = pinnedTo.get(i.reference)!;
      // Replace the value inside the token, so quotes stay as written.
      const at = token.indexOf(i.reference);
      if (at < 0) continue; // an escaped or folded scalar: left alone rather than re-serialised
      after = after.slice(0, i.range[0] + at) + to + after.slice(i.range[0] + at + i.reference.length);
      changes.push({ line: i.line, path: i.path, from: i.reference, to });
    }
    if (changes.length > 0) plan.files.push({ file, before: text, after, changes: changes.reverse() });
  }
  return plan;
}

/**
 * Writes the pinned files, each atomically: a new temporary file beside it (created exclusively,
 * with a random name, so no planted file or link is followed), given the original's mode, then
 * renamed over it. A file that is a link (or not a regular file) is refused rather than replaced by a
 * copy, and so is one that changed since it was read.
 */
export async function writePins(plan: PinPlan): Promise<void> {
  for (const f of plan.files) {
    const st = lstatSync(f.file);
    const now = st.isFile() ? readRegularFile(f.file, MAX_INPUT_FILE_BYTES).toString('utf8') : undefined;
    if (now !== undefined && now !== f.before)
      // `pin --write` names the command's own step (writePins exists only for it); batch tests assert it.
      throw new TrustgateError('USAGE', `pin --write: ${f.file} changed since it was read; not rewritten`, {
        hint: 'run pin again',
      });
    writeFileAtomic(f.file, Buffer.from(f.after, 'utf8'), {
      mode: st.mode & 0o777,
      exactMode: true,
      what: 'pin --write:',
    });
  }
}

/** A unified diff of one file's before and after (same line count: only scalars change). */
/**
 * A manifest line as the diff prints it: a file from a pull request must not be able to move the
 * terminal or the CI log with control characters. A CRLF file's trailing CR is kept (it hides nothing:
 * the line ends there), so the diff still applies.
 */
function diffLine(line: string | undefined): string {
  const l = line ?? '';
  return l.endsWith('\r') ? `${printable(l.slice(0, -1))}\r` : printable(l);
}

export function unifiedDiff(file: string, before: string, after: string, context = 3): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const changed: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) changed.push(i);
  if (changed.length === 0) return '';
  const out = [`--- a/${printable(file)}`, `+++ b/${printable(file)}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k]! - context);
    let end = Math.min(a.length - 1, changed[k]! + context);
    let j = k;
    while (j + 1 < changed.length && changed[j + 1]! - context <= end + 1) {
      j++;
      end = Math.min(a.length - 1, changed[j]! + context);
    }
    const len = end - start + 1;
    // One push per line: a spread of a whole hunk would overflow the stack on a large manifest.
    out.push(`@@ -${start + 1},${len} +${start + 1},${len} @@`);
    for (let i = start; i <= end; i++) {
      if (a[i] === b[i]) out.push(` ${diffLine(a[i])}`);
      else out.push(`-${diffLine(a[i])}`, `+${diffLine(b[i])}`);
    }
    k = j + 1;
  }
  return `${out.join('\n')}\n`;
}
