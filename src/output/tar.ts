/** A deterministic .tar.gz: sorted entries, fixed mode, owner and time, gzip without a name or time. */
import { gzipSync } from 'node:zlib';

function header(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number) => h.write(s, off, len, 'utf8');
  const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, '0');
  put(name, 0, 100);
  put(oct(0o644, 8), 100, 8);
  put(oct(0, 8), 108, 8);
  put(oct(0, 8), 116, 8);
  put(oct(size, 12), 124, 12);
  put(oct(0, 12), 136, 12);
  h.fill(' ', 148, 156);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${oct(sum, 7)}\0`, 148, 8);
  return h;
}

/** An uncompressed ustar archive of the files, in the order given. */
export function tarArchive(files: Array<{ name: string; bytes: Uint8Array }>): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(
      header(f.name, f.bytes.length),
      Buffer.from(f.bytes),
      Buffer.alloc((512 - (f.bytes.length % 512)) % 512),
    );
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function deterministicTarGz(files: Array<{ name: string; bytes: Uint8Array }>): Buffer {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return gzipSync(tarArchive(sorted), { level: 9 });
}
