/**
 * Where `--all-platforms` writes each platform image's output, beside the index's own:
 * - `extract --output F`: the index's payload is F (F.<n> with --all), a platform image's is
 *   F.<platform> (F.<platform>.<n> with --all), the same rule as extract --all's F.<n>;
 * - `export --dir DIR`: the index's archive is DIR, a platform image's is the sibling DIR-<platform>.
 *
 * <platform> is the only part that comes from the registry (the index's os/architecture/variant), so
 * it is cut down to a plain file-name part: `linux/arm64/v8` → `linux-arm64-v8`, only
 * [A-Za-z0-9._-], no leading dot or dash, at most 64 characters. Two platform images that would get
 * the same name (an index may list a platform twice) are told apart by their digest's first 12 hex
 * digits, so nothing is ever written twice to one path.
 */
import { digestHex } from '../reference/digest.js';
import { parseReference } from '../reference/parse.js';

const MAX_PLATFORM_NAME = 64;

/** A platform (os/arch[/variant]) as a file-name part. */
export function platformFileName(platform: string): string {
  const plain = platform
    .replace(/[^A-Za-z0-9._]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, MAX_PLATFORM_NAME)
    .replace(/[.-]+$/, '');
  return plain === '' ? 'unknown' : plain;
}

/**
 * Each platform image's file-name part, by reference (registry/repo@digest or oci:PATH@digest, as
 * run/all-platforms.ts adds them), unique among them.
 */
export function platformFileNames(platforms: ReadonlyMap<string, { platform: string }>): Map<string, string> {
  const named = [...platforms].map(([reference, p]) => ({ reference, name: platformFileName(p.platform) }));
  const count = new Map<string, number>();
  for (const n of named) count.set(n.name, (count.get(n.name) ?? 0) + 1);
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const { reference, name } of named) {
    const digest = parseReference(reference).digest;
    const hex = digest ? digestHex(digest) : '';
    // A registry can craft a platform whose plain name is another's name plus its digest prefix, so
    // every final name is checked against those given out, lengthening the digest part until free.
    let final = (count.get(name) ?? 0) === 1 ? name : `${name}-${hex.slice(0, 12)}`;
    for (let n = 16; taken.has(final) && n <= hex.length; n += 4) final = `${name}-${hex.slice(0, n)}`;
    for (let i = 2; taken.has(final); i++) final = `${name}-${hex}-${i}`;
    taken.add(final);
    out.set(reference, final);
  }
  return out;
}

/** extract --output F: a platform image's F.<platform>. */
export function platformOutputPath(output: string, name: string): string {
  return `${output}.${name}`;
}

/** export --dir DIR: a platform image's sibling DIR-<platform> (a trailing slash on DIR is dropped). */
export function platformExportDir(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, '')}-${name}`;
}
