/**
 * Every file trustgate reads from its cache or writes anywhere goes through here, so that one set of
 * rules holds for all of them:
 *
 * - a read of a file someone else may have planted (a cache entry) never follows a link, never
 *   blocks on a FIFO or device, and never reads more than a cap, whatever the file claims or becomes;
 * - a read of a file the user named (a key, a policy, a list) may be a FIFO (`<(…)`) but is bounded;
 * - a write never goes through a link or into a FIFO or device, and a file replaced is replaced
 *   atomically from a temporary file created exclusively under an unpredictable name, so a link
 *   planted beside the target cannot redirect it;
 * - a private folder (the cache) is ours alone: made 0700, refused when it is a link, someone else's,
 *   or writable by anyone else.
 *
 * Paths are checked at their last component only (O_NOFOLLOW); the folders above are the caller's
 * to trust, which is why the cache folder itself must be private. Over 300 lines on purpose: the
 * rules above only hold if every reader and writer shares them, so they stay in one file.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TrustgateError } from '../errors.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants;

/** What kind of thing is at a path, in words, for messages. */
function kindOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** Open failures that mean "a link was there" (Linux ELOOP; some BSDs EMLINK/EFTYPE). */
function isLinkRefusal(e: unknown): boolean {
  const c = errno(e);
  return c === 'ELOOP' || c === 'EMLINK' || c === 'EFTYPE';
}

function readUpTo(fd: number, path: string, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  // Read one byte past the cap, so a file that grows after fstat (or a FIFO) is caught as too big.
  for (;;) {
    const want = Math.min(1024 * 1024, maxBytes + 1 - total);
    if (want <= 0) break;
    const buf = Buffer.allocUnsafe(want);
    const n = readSync(fd, buf, 0, want, null);
    if (n === 0) break;
    chunks.push(n === want ? buf : buf.subarray(0, n));
    total += n;
  }
  if (total > maxBytes)
    throw new TrustgateError('SIZE_LIMIT', `${path} is larger than the ${maxBytes}-byte limit`);
  return Buffer.concat(chunks, total);
}

/**
 * A regular file's bytes, from a file that may have been planted: opened without following a link
 * and without blocking (a FIFO opens at once, then fails the regular-file check), checked by fstat
 * on the opened descriptor (so nothing can be swapped in between), and read to at most `maxBytes`.
 * ENOENT is passed through as the system error, so callers can tell "absent" from "refused".
 * `followLinks`: for a settings file read without being named (Docker's config.json), which dotfile
 * managers make a link; it must still be a regular file, so a FIFO there never blocks a command.
 */
export function readRegularFile(path: string, maxBytes: number, o: { followLinks?: boolean } = {}): Buffer {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NONBLOCK | (o.followLinks ? 0 : O_NOFOLLOW));
  } catch (e) {
    if (isLinkRefusal(e))
      throw new TrustgateError('USAGE', `${path} is a symbolic link; refusing to read through it`);
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new TrustgateError('USAGE', `${path} is ${kindOf(st)}, not a regular file; refusing to read it`);
    if (st.size > maxBytes)
      throw new TrustgateError(
        'SIZE_LIMIT',
        `${path} is ${st.size} bytes, over the ${maxBytes}-byte limit; refusing to read it`,
      );
    return readUpTo(fd, path, maxBytes);
  } finally {
    closeSync(fd);
  }
}

/** The cap for image lists, manifests, policy cases and bundles the user names: far above any real one. */
export const MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024;

/**
 * A file the user named, which may legitimately be a link, a FIFO (`--key <(vault …)`) or
 * /dev/stdin: read to at most `maxBytes`, so /dev/zero or an endless pipe fails at the cap instead of
 * exhausting memory. A directory is refused. (A FIFO nobody writes to waits, as `cat` would: it is
 * the user's own pipe.)
 */
export function readInputFile(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, O_RDONLY);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new TrustgateError('USAGE', `${path} is a directory, not a file`);
    if (st.isFile() && st.size > maxBytes)
      throw new TrustgateError('SIZE_LIMIT', `${path} is ${st.size} bytes, over the ${maxBytes}-byte limit`);
    return readUpTo(fd, path, maxBytes);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Refuses a target that exists and is anything but a regular file (a link, FIFO, device, folder). */
function checkTarget(path: string, what: string): Stats | undefined {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
  if (st.isSymbolicLink())
    throw new TrustgateError('USAGE', `${what} ${path} is a symbolic link; refusing to write through it`, {
      hint: 'name a regular file, or remove the link',
    });
  if (!st.isFile())
    throw new TrustgateError('USAGE', `${what} ${path} is ${kindOf(st)}; refusing to write to it`, {
      hint: 'name a regular file',
    });
  return st;
}

/**
 * Creates `path` with `bytes`; fails if anything (a file, a link, a FIFO) is already there. The
 * exclusive create never follows a link, so nothing planted at the name is written through.
 */
export function createExclusive(path: string, bytes: Uint8Array, mode = 0o644): void {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  } catch (e) {
    if (errno(e) === 'EEXIST' || isLinkRefusal(e))
      throw new TrustgateError('USAGE', `${path} already exists; refusing to overwrite it`, {
        hint: 'write into a new or empty directory',
      });
    throw e;
  }
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a durable rename durable: fsync the folder (best effort; not every file system allows it). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // A folder that cannot be opened or synced still has the rename; durability is best effort here.
  }
}

export interface AtomicWriteOptions {
  /** The new file's mode (subject to the umask unless `exactMode`). */
  mode?: number;
  /** Set the mode exactly, ignoring the umask (pin keeps the file's own mode). */
  exactMode?: boolean;
  /** How the target is named in messages ("--output", "-o json=…"). */
  what?: string;
}

/**
 * Replaces (or creates) `path` atomically: the bytes go to a new file beside it, created exclusively
 * under a random name (so a link planted at a guessable name is never followed), fsynced, then
 * renamed over the target. A target that is a link, FIFO, device or folder is refused rather than
 * replaced: the user named a file, and a link there most likely points where they meant to write.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): void {
  const file = openFileAtomic(path, options);
  try {
    file.write(bytes);
  } catch (e) {
    file.abort();
    throw e;
  }
  file.commit();
}

/** A file being written atomically: nothing is at the target until commit(). */
export interface AtomicFile {
  write(bytes: Uint8Array): void;
  /** fsync, rename over the target, fsync the folder. */
  commit(): void;
  /** Removes what was written; the target is untouched. */
  abort(): void;
}

/** writeFileAtomic in steps, for outputs written as they are produced (a streamed batch report). */
export function openFileAtomic(path: string, options: AtomicWriteOptions = {}): AtomicFile {
  const what = options.what ?? 'the output';
  checkTarget(path, what);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(12).toString('hex')}.tmp`);
  const mode = options.mode ?? 0o644;
  const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  const abort = () => {
    close();
    try {
      unlinkSync(tmp);
    } catch {
      // Already renamed or never made.
    }
  };
  try {
    // Through the descriptor: the mode lands on the file just created, not on a path.
    if (options.exactMode) fchmodSync(fd, mode);
  } catch (e) {
    abort();
    throw e;
  }
  return {
    write: (bytes) => writeAll(fd, bytes),
    commit: () => {
      try {
        fsyncSync(fd);
        close();
        renameSync(tmp, path);
      } catch (e) {
        abort();
        throw e;
      }
      syncDir(dir);
    },
    abort,
  };
}

/**
 * Appends to a log (the audit log, the step summary): opened with O_APPEND and without following a
 * link or blocking, created with `mode` when absent, refused unless it is a regular file, fsynced.
 */
export function appendNoFollow(
  path: string,
  text: string | Uint8Array,
  mode = 0o600,
  what = 'the log',
): void {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (e) {
    if (isLinkRefusal(e))
      throw new TrustgateError('USAGE', `${what} ${path} is a symbolic link; refusing to write through it`, {
        hint: 'name a regular file, or remove the link',
      });
    if (errno(e) === 'ENXIO')
      throw new TrustgateError('USAGE', `${what} ${path} is a FIFO; refusing to write to it`, {
        hint: 'name a regular file',
      });
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new TrustgateError('USAGE', `${what} ${path} is ${kindOf(st)}; refusing to write to it`, {
        hint: 'name a regular file',
      });
    writeAll(fd, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A folder only we can write: made with mode 0700 (parents too) when absent. An existing one is
 * refused when it is a link, not a folder, owned by another user, or writable by group or others:
 * whoever else can write there can plant entries or swap names. Tightening it is left to the user
 * (`chmod 700`), since it may be a folder they share on purpose.
 */
export function ensurePrivateDir(dir: string, what = 'the folder'): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    // Something else is at the name: what it is, is said below.
    if (errno(e) !== 'EEXIST') throw e;
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink())
    throw new TrustgateError('USAGE', `${what} ${dir} is a symbolic link; refusing to use it`, {
      hint: 'name the real folder',
    });
  if (!st.isDirectory()) throw new TrustgateError('USAGE', `${what} ${dir} is ${kindOf(st)}, not a folder`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new TrustgateError(
      'USAGE',
      `${what} ${dir} belongs to another user (uid ${st.uid}); refusing to use it`,
      {
        hint: 'use a folder of your own',
      },
    );
  if ((st.mode & 0o022) !== 0)
    throw new TrustgateError(
      'USAGE',
      `${what} ${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)}); refusing to use it`,
      { hint: `chmod 700 ${dir}` },
    );
}
