/** Safe file I/O: links, FIFOs, devices and oversized files are refused fast, and writes go nowhere else. */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  appendNoFollow,
  createExclusive,
  ensurePrivateDir,
  readInputFile,
  readRegularFile,
  writeFileAtomic,
} from '../../src/util/safe-fs.js';

const work = mkdtempSync(join(tmpdir(), 'tg-safe-fs-'));
let n = 0;
const fresh = () => {
  const d = join(work, `t${n++}`);
  mkdirSync(d);
  return d;
};
const fifo = (path: string) => execFileSync('mkfifo', [path]);
/** A file outside the folder under test, whose bytes must never change. */
const outside = (dir: string) => {
  const f = join(dir, '..', `${dir.split('/').at(-1)}-outside`);
  writeFileSync(f, 'untouched\n');
  return f;
};

describe('readRegularFile (files someone else may have planted)', () => {
  test('a regular file within the cap is read; an absent one fails with ENOENT', () => {
    const d = fresh();
    writeFileSync(join(d, 'a'), 'hello');
    expect(readRegularFile(join(d, 'a'), 5).toString()).toBe('hello');
    expect(() => readRegularFile(join(d, 'none'), 5)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  test('a FIFO with no writer is refused at once, without blocking', () => {
    const d = fresh();
    fifo(join(d, 'p'));
    const start = Date.now();
    expect(() => readRegularFile(join(d, 'p'), 1024)).toThrow(/is a FIFO, not a regular file/);
    expect(Date.now() - start).toBeLessThan(1000);
  });

  test('a link to /dev/zero is refused without reading, and so is a link to a regular file', () => {
    const d = fresh();
    symlinkSync('/dev/zero', join(d, 'z'));
    expect(() => readRegularFile(join(d, 'z'), 1024)).toThrow(/symbolic link; refusing to read through it/);
    writeFileSync(join(d, 'real'), 'x');
    symlinkSync(join(d, 'real'), join(d, 'l'));
    expect(() => readRegularFile(join(d, 'l'), 1024)).toThrow(/symbolic link/);
  });

  test('/dev/zero named directly is refused as a device', () => {
    expect(() => readRegularFile('/dev/zero', 1024)).toThrow(/is a device, not a regular file/);
  });

  test('a file over the cap is refused from its size, one at the cap is read', () => {
    const d = fresh();
    writeFileSync(join(d, 'big'), Buffer.alloc(1025));
    expect(() => readRegularFile(join(d, 'big'), 1024)).toThrow(
      expect.objectContaining({ code: 'SIZE_LIMIT' }),
    );
    writeFileSync(join(d, 'ok'), Buffer.alloc(1024));
    expect(readRegularFile(join(d, 'ok'), 1024)).toHaveLength(1024);
  });
});

describe('readInputFile (files the user named)', () => {
  test('/dev/zero stops at the cap instead of filling memory', () => {
    expect(() => readInputFile('/dev/zero', 64 * 1024)).toThrow(
      expect.objectContaining({ code: 'SIZE_LIMIT' }),
    );
  });

  test('a FIFO the user feeds (process substitution) is read', async () => {
    const d = fresh();
    const p = join(d, 'p');
    fifo(p);
    const writer = spawn('sh', ['-c', `printf 'key material' > '${p}'`]);
    expect(readInputFile(p, 1024).toString()).toBe('key material');
    await new Promise((r) => writer.on('exit', r));
  });

  test('a folder is refused', () => {
    expect(() => readInputFile(fresh(), 1024)).toThrow(/is a directory/);
  });
});

describe('writeFileAtomic', () => {
  test('writes, replaces, and leaves no temporary file behind', () => {
    const d = fresh();
    writeFileAtomic(join(d, 'out'), Buffer.from('one'));
    writeFileAtomic(join(d, 'out'), Buffer.from('two'));
    expect(readFileSync(join(d, 'out'), 'utf8')).toBe('two');
    expect(readdirSync(d)).toEqual(['out']);
  });

  test('a link at the target is refused and what it points to is unchanged', () => {
    const d = fresh();
    const o = outside(d);
    symlinkSync(o, join(d, 'out'));
    expect(() => writeFileAtomic(join(d, 'out'), Buffer.from('evil'), { what: '--output' })).toThrow(
      /--output .* is a symbolic link; refusing to write through it/,
    );
    expect(readFileSync(o, 'utf8')).toBe('untouched\n');
    expect(lstatSync(join(d, 'out')).isSymbolicLink()).toBe(true);
  });

  test('a FIFO or folder at the target is refused at once', () => {
    const d = fresh();
    fifo(join(d, 'p'));
    expect(() => writeFileAtomic(join(d, 'p'), Buffer.from('x'))).toThrow(/is a FIFO; refusing/);
    mkdirSync(join(d, 'dir'));
    expect(() => writeFileAtomic(join(d, 'dir'), Buffer.from('x'))).toThrow(/is a directory; refusing/);
  });

  test('links planted at every name the old scheme would pick redirect nothing', () => {
    const d = fresh();
    const o = outside(d);
    const target = join(d, 'entry.json');
    // The predictable names: <target>.<pid>.tmp (the cache's), .<name>.trustgate-pin, <target>.tmp.
    for (const name of [`entry.json.${process.pid}.tmp`, '.entry.json.trustgate-pin', 'entry.json.tmp'])
      symlinkSync(o, join(d, name));
    writeFileAtomic(target, Buffer.from('mine'), { mode: 0o600 });
    expect(readFileSync(o, 'utf8')).toBe('untouched\n');
    expect(readFileSync(target, 'utf8')).toBe('mine');
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  test('exactMode sets the mode regardless of the umask', () => {
    const d = fresh();
    const old = process.umask(0o077);
    try {
      writeFileAtomic(join(d, 'm'), Buffer.from('x'), { mode: 0o644, exactMode: true });
    } finally {
      process.umask(old);
    }
    expect(statSync(join(d, 'm')).mode & 0o777).toBe(0o644);
  });
});

describe('createExclusive and appendNoFollow', () => {
  test('createExclusive refuses an existing file and a planted link, leaving both as they were', () => {
    const d = fresh();
    const o = outside(d);
    symlinkSync(o, join(d, 'l'));
    expect(() => createExclusive(join(d, 'l'), Buffer.from('evil'))).toThrow(/already exists/);
    expect(readFileSync(o, 'utf8')).toBe('untouched\n');
    createExclusive(join(d, 'f'), Buffer.from('a'));
    expect(() => createExclusive(join(d, 'f'), Buffer.from('b'))).toThrow(/already exists/);
    expect(readFileSync(join(d, 'f'), 'utf8')).toBe('a');
  });

  test('appendNoFollow creates 0600, appends, and refuses a link or a FIFO without blocking', () => {
    const d = fresh();
    const o = outside(d);
    appendNoFollow(join(d, 'log'), 'a\n');
    appendNoFollow(join(d, 'log'), 'b\n');
    expect(readFileSync(join(d, 'log'), 'utf8')).toBe('a\nb\n');
    expect(statSync(join(d, 'log')).mode & 0o777).toBe(0o600);
    symlinkSync(o, join(d, 'link'));
    expect(() => appendNoFollow(join(d, 'link'), 'evil\n', 0o600, '--audit-log')).toThrow(
      /--audit-log .* is a symbolic link/,
    );
    expect(readFileSync(o, 'utf8')).toBe('untouched\n');
    fifo(join(d, 'p'));
    expect(() => appendNoFollow(join(d, 'p'), 'x')).toThrow(/is a FIFO/);
    // A FIFO with a reader attached is still refused (by the regular-file check, not the open).
    const reader = openSync(join(d, 'p'), 'r+');
    try {
      expect(() => appendNoFollow(join(d, 'p'), 'x')).toThrow(/is a FIFO/);
    } finally {
      closeSync(reader);
    }
  });
});

describe('ensurePrivateDir', () => {
  test('creates the folder (and parents) with mode 0700', () => {
    const d = join(fresh(), 'a', 'b');
    ensurePrivateDir(d);
    expect(statSync(d).mode & 0o777).toBe(0o700);
    ensurePrivateDir(d); // an existing private folder is fine
  });

  test('refuses a link, a file, and a folder others can write', () => {
    const d = fresh();
    mkdirSync(join(d, 'real'), { mode: 0o700 });
    symlinkSync(join(d, 'real'), join(d, 'link'));
    expect(() => ensurePrivateDir(join(d, 'link'), '--cache')).toThrow(/--cache .* is a symbolic link/);
    writeFileSync(join(d, 'file'), '');
    expect(() => ensurePrivateDir(join(d, 'file'))).toThrow(/not a folder/);
    mkdirSync(join(d, 'open'));
    chmodSync(join(d, 'open'), 0o777);
    expect(() => ensurePrivateDir(join(d, 'open'))).toThrow(/writable by others \(mode 777\)/);
    chmodSync(join(d, 'open'), 0o770);
    expect(() => ensurePrivateDir(join(d, 'open'))).toThrow(/writable by others/);
  });
});
