/**
 * Every file the CLI writes (extract --output, -o fmt=FILE, --audit-log, the step summary, export)
 * refuses a link or FIFO at its name, fast, and leaves what a link points to untouched. Offline, on
 * the demo fixture.
 */
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { isContainedName, typeFileName } from '../../src/run/export-evidence.js';
import { runCli } from '../support/run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'tg-file-safety-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const TRUST = ['--key', 'fixtures/trust/cosign.pub', '--trusted-root', 'fixtures/trust/trusted_root.json'];
const POLICY = ['--policy', 'fixtures/demo-policy.yaml', '--image-name', 'registry.example/trustgate/demo'];
const IMAGE = 'oci:fixtures/demo';
// A hang would otherwise run into vitest's own timeout; 20 s is far above a normal run.
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { env, timeoutMs: 20_000 });

let n = 0;
/** A link at a fresh name pointing to a file outside, which must stay as it is. */
function plantedLink(): { link: string; outside: string } {
  const outside = join(work, `outside-${n}`);
  const link = join(work, `link-${n++}`);
  writeFileSync(outside, 'untouched\n');
  symlinkSync(outside, link);
  return { link, outside };
}
function plantedFifo(): string {
  const p = join(work, `fifo-${n++}`);
  execFileSync('mkfifo', [p]);
  return p;
}

describe('extract --output', () => {
  test('a link at the output path is refused; the file it points to is unchanged', () => {
    const { link, outside } = plantedLink();
    const r = run(['extract', ...TRUST, '--type', 'cyclonedx', '--output', link, IMAGE]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain(`--output ${link} is a symbolic link; refusing to write through it`);
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  test('a FIFO at the output path is refused at once instead of waiting for a reader', () => {
    const p = plantedFifo();
    const r = run(['extract', ...TRUST, '--type', 'cyclonedx', '--output', p, IMAGE]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain(`--output ${p} is a FIFO; refusing to write to it`);
  });

  test('a regular file is replaced with the verified bytes', () => {
    const out = join(work, 'sbom.json');
    writeFileSync(out, 'old');
    const r = run(['extract', ...TRUST, '--type', 'cyclonedx', '--predicate-only', '--output', out, IMAGE]);
    expect(r.code).toBe(ExitCode.OK);
    expect(JSON.parse(readFileSync(out, 'utf8')).bomFormat).toBe('CycloneDX');
  });
});

describe('-o fmt=FILE and $GITHUB_STEP_SUMMARY', () => {
  test('a link or FIFO given as an output file is refused; the linked file is unchanged', () => {
    const { link, outside } = plantedLink();
    const r = run(['verify', ...TRUST, '-o', `json=${link}`, IMAGE]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain(`-o json ${link} is a symbolic link`);
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    const p = plantedFifo();
    const f = run(['verify', ...TRUST, '-o', `sarif=${p}`, IMAGE]);
    expect(f.code).toBe(ExitCode.USAGE);
    expect(f.stderr).toContain(`-o sarif ${p} is a FIFO`);
  });

  test('a link as $GITHUB_STEP_SUMMARY is refused; a regular one is appended to', () => {
    const { link, outside } = plantedLink();
    const r = run(['verify', ...TRUST, '-o', 'markdown', IMAGE], { GITHUB_STEP_SUMMARY: link });
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain('$GITHUB_STEP_SUMMARY');
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    const summary = join(work, 'summary.md');
    writeFileSync(summary, 'before\n');
    const ok = run(['verify', ...TRUST, '-o', 'markdown', IMAGE], { GITHUB_STEP_SUMMARY: summary });
    expect(ok.code).toBe(ExitCode.OK);
    expect(readFileSync(summary, 'utf8')).toMatch(/^before\n.+/s);
  });
});

describe('--audit-log', () => {
  test('verify --policy: a link at the log is refused; the file it points to gets no record', () => {
    const { link, outside } = plantedLink();
    const r = run(['verify', ...POLICY, '--audit-log', link, IMAGE]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain(`--audit-log ${link} is a symbolic link`);
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
  });

  test('policy diff: the same for its policy-change record', () => {
    const { link, outside } = plantedLink();
    const r = run([
      'policy',
      'diff',
      'fixtures/demo-policy.yaml',
      'fixtures/demo-policy.yaml',
      '--audit-log',
      link,
    ]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
  });

  test('a FIFO at the log is refused at once', () => {
    const p = plantedFifo();
    const r = run(['verify', ...POLICY, '--audit-log', p, IMAGE]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain('is a FIFO');
  });
});

describe('export', () => {
  test('a link at the tarball name is refused; the file it points to is unchanged', () => {
    const dir = join(work, `export-${n++}`);
    const outside = join(work, `outside-${n++}`);
    writeFileSync(outside, 'untouched\n');
    symlinkSync(outside, `${dir}.tar.gz`);
    const r = run(['export', ...TRUST, '--dir', dir, '--tar', IMAGE]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain(`${dir}.tar.gz already exists`);
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
  });

  test('an existing --dir anyone can write is refused', () => {
    const dir = mkdtempSync(join(work, 'open-'));
    execFileSync('chmod', ['777', dir]);
    const r = run(['export', ...TRUST, '--dir', dir, IMAGE]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain('is writable by everyone');
  });

  test('names from registry data can never leave the folder', () => {
    for (const t of ['../../etc/passwd', '..', '.', '/etc/passwd', 'a/../../b', '', '\u0000', 'ü/..'])
      expect(isContainedName(`${typeFileName(t)}-0.json`)).toBe(true);
    for (const bad of ['../x', 'a/../b', '/abs', '.hidden', 'a/b/c', 'a\\b', 'a//b', ''])
      expect(isContainedName(bad)).toBe(false);
  });
});

describe('files the user names are read bounded', () => {
  test('--key, --trusted-root and --policy given as /dev/zero fail at their cap, quickly', () => {
    for (const [args, message] of [
      [['verify', '--key', '/dev/zero', IMAGE], '--key /dev/zero: file is larger than a public key can be'],
      [
        ['verify', '--key', 'fixtures/trust/cosign.pub', '--trusted-root', '/dev/zero', IMAGE],
        '--trusted-root /dev/zero: cannot read the file',
      ],
      [['verify', '--policy', '/dev/zero', IMAGE], 'larger than the 16777216-byte limit'],
    ] as const) {
      const start = Date.now();
      const r = run([...args]);
      expect(r.code, args.join(' ')).not.toBe(ExitCode.OK);
      expect(r.stderr).toContain(message);
      expect(r.code, r.stderr).not.toBeNull(); // not killed by the timeout
      expect(Date.now() - start).toBeLessThan(15_000);
    }
  });

  test('a key fed through a pipe (process substitution) still works', () => {
    const p = plantedFifo();
    const feeder = spawn('sh', ['-c', `cat fixtures/trust/cosign.pub > '${p}'`]);
    const r = run(['verify', '--key', p, '--trusted-root', 'fixtures/trust/trusted_root.json', IMAGE]);
    feeder.kill();
    expect(r.code, r.stderr).toBe(ExitCode.OK);
  });
});

describe('input files the user names are read up to a cap', () => {
  test('--images-from /dev/zero fails at the cap, fast, naming the limit', () => {
    const started = Date.now();
    const r = run(['verify', ...TRUST, '--images-from', '/dev/zero']);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.stderr).toContain('/dev/zero is larger than the 67108864-byte limit');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('--from-manifests on a link to /dev/zero is an input error naming the limit, not a hang', () => {
    const dir = join(work, `manifests-${n++}`);
    execFileSync('mkdir', [dir]);
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    const r = run(['verify', ...TRUST, '--from-manifests', join(dir, 'zero.yaml')]);
    expect(r.code).not.toBe(ExitCode.OK);
    expect(r.stderr + r.stdout).toMatch(/67108864-byte limit/);
  });

  test('policy test --cases /dev/zero fails at the cap', () => {
    const r = run(['policy', 'test', 'fixtures/demo-policy.yaml', '--cases', '/dev/zero']);
    expect(r.code).not.toBe(ExitCode.OK);
    expect(r.stderr).toMatch(/67108864-byte limit/);
  });
});

describe('registry settings files are read up to a cap', () => {
  test("Docker's config.json linked to /dev/zero is refused at once instead of growing memory", () => {
    const dir = join(work, `docker-${n++}`);
    execFileSync('mkdir', [dir]);
    symlinkSync('/dev/zero', join(dir, 'config.json'));
    const r = run(['resolve', '127.0.0.1:9/app:v1'], { DOCKER_CONFIG: dir });
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.stderr).toContain('config.json is a device, not a regular file');
  });

  test('--registry-cacert /dev/zero fails at the cap', () => {
    const r = run(['resolve', '--registry-cacert', '/dev/zero', '127.0.0.1:9/app:v1']);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.stderr).toContain('/dev/zero is larger than the 4194304-byte limit');
  });
});

describe('files read without being named are refused fast when they are not regular files', () => {
  test("a FIFO planted at Docker's config.json is refused at once, not waited on", () => {
    const dir = join(work, `docker-fifo-${n++}`);
    execFileSync('mkdir', [dir]);
    execFileSync('mkfifo', [join(dir, 'config.json')]);
    const started = Date.now();
    const r = run(['resolve', '127.0.0.1:9/app:v1'], { DOCKER_CONFIG: dir });
    expect(r.code).not.toBe(ExitCode.OK);
    expect(r.stderr).toContain('config.json is a FIFO, not a regular file');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('verify-bundle with /dev/zero as the artifact fails at the cap instead of filling memory', () => {
    const bundle = join(work, `bundle-${n++}.json`);
    writeFileSync(bundle, '{}');
    const r = run(['verify-bundle', '--bundle', bundle, '--key', 'fixtures/trust/cosign.pub', '/dev/zero']);
    expect(r.code).not.toBe(ExitCode.OK);
    expect(r.stderr).toContain('/dev/zero is larger than the 1073741824-byte limit');
  });
});
