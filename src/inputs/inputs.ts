/**
 * The images of a batch: positional references, `--images-from FILE|-`, and `--from-manifests PATH...`
 * (files, or folders searched for *.yaml, *.yml and *.json). References are kept once each, in order,
 * with every place they were named. Without manifests, image-list.ts alone serves (no YAML parser).
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type BatchInputs, collectListedInputs, type InputOptions } from './image-list.js';
import { scanManifests } from './manifests.js';

export type { BatchInputs } from './image-list.js';

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

export function collectInputs(opts: InputOptions): BatchInputs {
  const scan =
    opts.fromManifests && opts.fromManifests.length > 0
      ? scanManifests(manifestFiles(opts.fromManifests))
      : undefined;
  return collectListedInputs(opts, scan);
}
