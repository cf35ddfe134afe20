/**
 * Builds the committed fixtures under fixtures/ from code, never by hand. `--check` rebuilds into a
 * temporary folder and fails if anything differs from what is committed.
 *
 *   fixtures/demo: an OCI image layout with `latest` (linux/amd64) and `multi` (amd64 + arm64 index).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { REF_NAME_ANNOTATION } from '../src/oci/layout/layout-source.js';
import { buildImage, buildIndex, descriptorOf } from '../test/support/image-builder.js';
import { writeLayout } from '../test/support/layout-writer.js';
import { repoRoot } from '../test/support/repo-root.js';

const root = repoRoot();

export function buildDemo(dir: string): void {
  const image = buildImage({
    seed: 'trustgate-demo',
    annotations: { 'org.opencontainers.image.title': 'trustgate demo' },
  });
  const multi = buildIndex('trustgate-demo-multi', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ]);
  writeLayout(
    dir,
    [...image.blobs, ...multi.blobs],
    [
      descriptorOf(image.manifest, { annotations: { [REF_NAME_ANNOTATION]: 'latest' } }),
      descriptorOf(multi.index, { annotations: { [REF_NAME_ANNOTATION]: 'multi' } }),
    ],
  );
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Differences between two folders, as a list of relative paths. */
export function diffTrees(a: string, b: string): string[] {
  const fa = listFiles(a);
  const fb = listFiles(b);
  const diffs = new Set([...fa.filter((f) => !fb.includes(f)), ...fb.filter((f) => !fa.includes(f))]);
  for (const f of fa.filter((x) => fb.includes(x))) {
    if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) diffs.add(f);
  }
  return [...diffs].sort();
}

function main(): void {
  const check = process.argv.includes('--check');
  const target = join(root, 'fixtures', 'demo');
  if (!check) {
    rmSync(target, { recursive: true, force: true });
    buildDemo(target);
    console.log(`wrote ${relative(root, target)}`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'tg-fixtures-'));
  try {
    buildDemo(tmp);
    const diffs = diffTrees(tmp, target);
    if (diffs.length > 0) {
      console.error(
        `fixtures/demo differs from the builder's output: ${diffs.join(', ')}\nrun: npm run fixtures`,
      );
      process.exit(1);
    }
    console.log('fixtures/demo matches the builder');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
