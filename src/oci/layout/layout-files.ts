/**
 * Reading files of an untrusted layout: nothing outside its folder (absolute names, `..`, links out),
 * only regular files, each under its size cap, and all of them together under one budget of files and
 * bytes per source, so a layout cannot make a scan read without end.
 */
import { lstat, open, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { TrustgateError } from '../../errors.js';
import { truncate } from '../../reference/digest.js';

export function layoutInvalid(name: string, why: string): TrustgateError {
  return new TrustgateError('LAYOUT_INVALID', `${name}: ${why}`, {
    hint: 'is this an OCI image layout?',
  });
}

export class LayoutFiles {
  private realRoot: string | undefined;
  /** Files and bytes read so far. */
  readonly counters = { files: 0, bytes: 0 };

  constructor(
    private readonly root: string,
    private readonly name: string,
    private readonly limits: { maxFileReads: number; maxTotalBytes: number },
  ) {}

  /** Read a file inside the layout, refusing anything that resolves outside it. */
  async read(rel: string, maxBytes: number, what: string): Promise<Uint8Array> {
    if (isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
      throw new TrustgateError(
        'LAYOUT_PATH_ESCAPE',
        `${this.name}: ${what} path "${truncate(rel)}" leaves the layout`,
      );
    }
    if (this.realRoot === undefined) {
      try {
        this.realRoot = await realpath(this.root);
      } catch {
        throw new TrustgateError('LAYOUT_INVALID', `${this.name}: no such directory ${this.root}`, {
          hint: 'point oci: at the folder holding oci-layout and index.json',
        });
      }
    }
    const full = join(this.realRoot, rel);
    let real: string;
    try {
      real = await realpath(full);
    } catch {
      throw new TrustgateError(
        rel.startsWith('blobs') ? 'BLOB_UNKNOWN' : 'LAYOUT_INVALID',
        `${this.name}: ${what} is missing (${rel})`,
      );
    }
    const r = relative(this.realRoot, real);
    if (r.startsWith(`..${sep}`) || r === '..' || isAbsolute(r)) {
      throw new TrustgateError(
        'LAYOUT_PATH_ESCAPE',
        `${this.name}: ${what} is a link that leaves the layout`,
        {
          hint: 'refusing to follow it; the layout may be hostile',
        },
      );
    }
    const st = await lstat(real);
    if (!st.isFile()) throw layoutInvalid(this.name, `${what} is not a regular file`);
    if (st.size > maxBytes) {
      throw new TrustgateError(
        'SIZE_LIMIT',
        `${this.name}: ${what} is ${st.size} bytes, over the ${maxBytes}-byte limit`,
      );
    }
    const { maxFileReads, maxTotalBytes } = this.limits;
    if (this.counters.files + 1 > maxFileReads) {
      throw new TrustgateError(
        'COUNT_LIMIT',
        `${this.name}: reading ${what} would be file read ${maxFileReads + 1}, over the limit of ${maxFileReads}`,
        {
          hint: 'a layout that needs this many reads is hostile or broken',
        },
      );
    }
    if (this.counters.bytes + st.size > maxTotalBytes) {
      throw new TrustgateError(
        'SIZE_LIMIT',
        `${this.name}: reading ${what} (${st.size} bytes) would bring the bytes read from this layout to ${this.counters.bytes + st.size}, over the ${maxTotalBytes}-byte budget`,
        { hint: 'a layout that needs this much reading is hostile or broken' },
      );
    }
    // Counted before reading, so concurrent reads cannot overshoot the budget together.
    this.counters.files++;
    this.counters.bytes += st.size;
    const fh = await open(real, 'r');
    try {
      // Read no more than was stat'ed and counted: a file growing under us is cut, then fails its digest.
      const buf = Buffer.alloc(st.size);
      let at = 0;
      while (at < st.size) {
        const { bytesRead } = await fh.read(buf, at, st.size - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      return buf.subarray(0, at);
    } finally {
      await fh.close();
    }
  }
}
