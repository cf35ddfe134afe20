import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { verifyImages } from '../../src/run/verify-image.js';
import { simpleSigningPayload } from '../support/cosign-sig.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { buildImage } from '../support/image-builder.js';
import { pushImage, pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import { generateKey, signBytes, simpleSigningAnnotations } from '../support/signing.js';

const _root = resolve(import.meta.dirname, '..', '..');
const N = 49;
const key = generateKey('p256');
const work = mkdtempSync(join(tmpdir(), 'tg-batch-'));
const keyFile = join(work, 'key.pub');
let reg: RunningRegistry;
let broken: FaultServer;
const refs: string[] = [];

function cli(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { cwd: work, env: { NO_COLOR: '1', ...env } });
}

/** The CLI without blocking this process (runCli waits synchronously). */
function cliAsync(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(_root, 'bin', 'trustgate.js'), ...args], {
      cwd: work,
      env: {
        ...process.env,
        NO_COLOR: '1',
        FORCE_COLOR: '',
        GITHUB_ACTIONS: '',
        GITHUB_STEP_SUMMARY: '',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  writeFileSync(keyFile, key.pem);
  reg = await startRegistry();
  const client = new RegistryClient();
  for (let i = 0; i < N; i++) {
    const img = buildImage({ seed: `batch-${i}` });
    await pushImage(client, reg.host, `batch/app${i}`, img, 'v1');
    const payload = simpleSigningPayload(img.manifest.digest, `${reg.host}/batch/app${i}`);
    if (i !== 7)
      await pushSig(client, reg.host, `batch/app${i}`, img.manifest.digest, [
        { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) },
      ]);
    refs.push(`${reg.host}/batch/app${i}:v1`);
  }
  await client.close();
  broken = await startFaultServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error');
  });
}, 60_000);
afterAll(async () => {
  await broken?.close();
  await reg?.stop();
});

describe('batch verification', () => {
  test('1 of 50 behind a 500-ing registry: a clear error for it, correct results for the other 49', async () => {
    const all = [...refs, `${broken.host}/elsewhere/app:v1`];
    const run = await verifyImages(all, { keys: [keyFile], ignoreTlog: true, maxRetries: 0 });
    const bad = run.images.at(-1)!;
    expect(bad.verdict).toBe('error');
    expect(bad.message).toContain(broken.host);
    expect(bad.message).toMatch(/500/);
    const rest = run.images.slice(0, -1);
    expect(rest.filter((i) => i.verdict === 'verified')).toHaveLength(N - 1);
    expect(rest[7]!.verdict).toBe('no-signatures');
    expect(run.exitCode).toBe(ExitCode.FAILURE);
  });

  test('one verification per distinct digest, reported for every reference to it', async () => {
    const client = new RegistryClient();
    const one = await verifyImages([refs[0]!], { keys: [keyFile], ignoreTlog: true, client });
    const single = client.transport.counters.requests;
    await client.close();
    const digest = one.images[0]!.digest!;
    const counting = new RegistryClient();
    const three = await verifyImages(
      [refs[0]!, `${reg.host}/batch/app0@${digest}`, `${reg.host}/batch/app0:v1@${digest}`],
      {
        keys: [keyFile],
        ignoreTlog: true,
        client: counting,
      },
    );
    const triple = counting.transport.counters.requests;
    await counting.close();
    expect(three.images.map((i) => i.verdict)).toEqual(['verified', 'verified', 'verified']);
    expect(three.images.map((i) => i.reference)).toEqual([
      refs[0],
      `${reg.host}/batch/app0@${digest}`,
      `${reg.host}/batch/app0:v1@${digest}`,
    ]);
    // The second and third references cost one resolve each, and no discovery or verification.
    expect(triple).toBeLessThanOrEqual(single + 2);
    expect(single).toBeGreaterThan(3);
  });

  test('a reference by digest costs no resolve request; a digest the registry lacks has no signatures', async () => {
    const client = new RegistryClient();
    const missing = `${reg.host}/batch/app0@sha256:${'0'.repeat(64)}`;
    const run = await verifyImages([missing], { keys: [keyFile], ignoreTlog: true, client });
    expect(client.transport.counters.byMethod.HEAD ?? 0).toBe(0);
    await client.close();
    expect(run.images[0]).toMatchObject({ verdict: 'no-signatures', digest: `sha256:${'0'.repeat(64)}` });
    expect(run.exitCode).toBe(ExitCode.NO_SIGNATURES);
  });

  test('--fail-fast stops starting images after the first failure', async () => {
    const list = [refs[7]!, ...refs.slice(10, 30)];
    const run = await verifyImages(list, {
      keys: [keyFile],
      ignoreTlog: true,
      failFast: true,
      imageConcurrency: 1,
    });
    expect(run.images[0]!.verdict).toBe('no-signatures');
    expect(run.images.slice(1).every((i) => i.error?.code === 'SKIPPED')).toBe(true);
  });
});

describe('CI outputs from the CLI', () => {
  let listFile: string;
  beforeAll(() => {
    listFile = join(work, 'images.txt');
    writeFileSync(listFile, `# release images\n${refs.slice(0, 5).join('\n')}\n${refs[7]}  # unsigned\n`);
  });

  test('tree: a summary table with failures first, their reasons and where they were listed', () => {
    const r = cli([
      'verify',
      '--key',
      keyFile,
      '--insecure-ignore-tlog',
      '--images-from',
      listFile,
      '-o',
      'tree',
    ]);
    expect(r.code).toBe(ExitCode.NO_SIGNATURES);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('6 image(s), 6 distinct digest(s): 5 passed, 1 failed, 0 with warnings');
    expect(lines[1]).toMatch(/^FAIL {2}.*batch\/app7:v1/);
    expect(lines.find((l) => l.includes('at '))).toBe(`        at ${listFile}:7`);
  });

  test('sarif, junit and json files in one run; SARIF 2.1.0 structure and JUnit XML that parses', () => {
    const sarif = join(work, 'out.sarif');
    const junit = join(work, 'out.xml');
    const json = join(work, 'out.json');
    const r = cli([
      'verify',
      '--key',
      keyFile,
      '--insecure-ignore-tlog',
      '--images-from',
      listFile,
      '-o',
      `sarif=${sarif}`,
      '-o',
      `junit=${junit}`,
      '-o',
      `report=${json}`,
      '-o',
      'tree',
    ]);
    expect(r.code).toBe(ExitCode.NO_SIGNATURES);
    const s = JSON.parse(readFileSync(sarif, 'utf8'));
    expect(s.version).toBe('2.1.0');
    expect(s.$schema).toContain('sarif-2.1.0');
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0].tool.driver).toMatchObject({ name: 'trustgate', rules: [{ id: 'signatures' }] });
    expect(s.runs[0].results).toHaveLength(1);
    const res = s.runs[0].results[0];
    expect(res).toMatchObject({
      ruleId: 'signatures',
      level: 'error',
      message: { text: expect.stringContaining('app7') },
    });
    expect(res.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: listFile },
      region: { startLine: 7 },
    });
    for (const x of s.runs[0].results)
      expect(s.runs[0].tool.driver.rules.map((y: { id: string }) => y.id)).toContain(x.ruleId);

    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="trustgate" tests="6" failures="1">/,
    );
    expect(xml.match(/<testcase /g)).toHaveLength(6);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    // Well-formed: every element opened is closed, in order.
    const stack: string[] = [];
    for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([a-z-]+)[^>]*?(\/?)>/g)) {
      if (m[3]) continue;
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
    const j = JSON.parse(readFileSync(json, 'utf8'));
    expect(j.images).toHaveLength(6);
    expect(j.images[5]).toMatchObject({ verdict: 'no-signatures', locations: [{ file: listFile, line: 7 }] });
  });

  test('markdown goes to $GITHUB_STEP_SUMMARY; github annotations only under GitHub Actions', () => {
    const summary = join(work, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = cli(
      [
        'verify',
        '--key',
        keyFile,
        '--insecure-ignore-tlog',
        '--images-from',
        listFile,
        '-o',
        'markdown',
        '-o',
        'github',
      ],
      {
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_ACTIONS: 'true',
      },
    );
    expect(r.code).toBe(ExitCode.NO_SIGNATURES);
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('# earlier step\n### trustgate verify: ❌ failed')).toBe(true);
    expect(md).toContain('| ❌ |');
    expect(md.match(/^\| ✅ \|/gm)).toHaveLength(5);
    expect(r.stdout.trim()).toBe(
      `::error file=${listFile.replace(/:/g, '%3A')},line=7,title=trustgate signatures::${refs[7]}: ${r.stdout
        .split('::')
        .at(-1)!
        .slice(refs[7]!.length + 2)
        .trim()}`,
    );
    const quiet = cli(['verify', '--key', keyFile, '--insecure-ignore-tlog', refs[0]!, '-o', 'github']);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toContain('only under GitHub Actions');
  });

  test('a registry error and manifest text add no line, heading, image or control byte to the step summary or the annotations', async () => {
    // Under 120 characters: the registry's message is quoted in full.
    const hostile = 'x\u001b[2K\u0007\r\n# pwned\n![x](http://e/x.png)\n::error::forged\u009b31m';
    const evil = await startFaultServer((req, res) => {
      // A HEAD without a digest header makes the client GET the manifest, whose error body it quotes.
      if (req.method === 'HEAD') {
        res.writeHead(200);
        res.end();
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: hostile }] }));
    });
    try {
      const summary = join(work, 'hostile-summary.md');
      writeFileSync(summary, '# earlier step\n');
      const manifest = join(work, 'hostile-compose.yaml');
      // A compose service name is outside text too; YAML double quotes can hold any character.
      writeFileSync(
        manifest,
        `services:\n  "a\\e[2K\\n# pwned":\n    image: ${evil.host}/evil/app:v1\n  b:\n    image: ${refs[7]}\n`,
      );
      // Spawned asynchronously: the fault server answers from this process's event loop.
      const run = (format: string) =>
        cliAsync(
          ['verify', '--key', keyFile, '--insecure-ignore-tlog', '--from-manifests', manifest, '-o', format],
          { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' },
        );
      const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
      const r = await run('markdown');
      expect(r.code).not.toBe(ExitCode.OK);
      const md = readFileSync(summary, 'utf8');
      expect(md).toContain('# pwned');
      expect(md).not.toMatch(RAW);
      expect(md.split('\n').filter((l) => l.startsWith('#'))).toEqual([
        '# earlier step',
        '### trustgate verify: ❌ failed',
      ]);
      expect(md.split('\n').filter((l) => l.startsWith('| ❌ |'))).toHaveLength(2);
      expect(md.replace(/`[^`\n]*`/g, '')).not.toMatch(/(^|[^\\])!\[/);

      const g = await run('github');
      const annotations = g.stdout.trimEnd().split('\n');
      expect(annotations).toHaveLength(2);
      for (const l of annotations)
        expect(l).toMatch(/^::error file=[^,]+,line=\d+,col=\d+,title=[^,:]+::[^\r]*$/);
      expect(g.stdout).not.toMatch(RAW);
      expect(annotations[0]).toContain('x?[2K???# pwned?');

      const t = await run('tree');
      expect(t.stdout).not.toMatch(RAW);
      expect(t.stdout.split('\n').filter((l) => /^(FAIL|WARN|ok)/.test(l))).toHaveLength(2);
      expect(t.stdout).toContain('(services.a?[2K?# pwned.image)');
    } finally {
      await evil.close();
    }
  });

  test('two outputs to stdout are a usage error', () => {
    expect(cli(['verify', '--key', keyFile, refs[0]!, '-o', 'report', '-o', 'sarif']).code).toBe(
      ExitCode.USAGE,
    );
  });
});

describe('trustgate pin', () => {
  const manifest = () => `# release manifest: comments and quoting must survive
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app # the app
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: "${refs[1]}"   # quoted, with a comment
      containers:
        - name: app
          image: ${refs[0]}
        - name: unsigned
          image: '${refs[7]}'
---
services:
  worker:
    image: ${refs[0]}
`;

  test('without --write: a unified diff; with --write: the file keeps every comment and quote', async () => {
    const file = join(work, 'deploy.yaml');
    writeFileSync(file, manifest());
    const diff = cli(['pin', file]);
    expect(diff.code).toBe(ExitCode.OK);
    expect(diff.stdout).toContain(`--- a/${file}`);
    expect(diff.stdout).toContain(`-          image: ${refs[0]}`);
    expect(diff.stdout).toMatch(
      new RegExp(`\\+ {10}image: ${refs[0]!.replace(/[.:/]/g, '\\$&')}@sha256:[0-9a-f]{64}`),
    );
    expect(readFileSync(file, 'utf8')).toBe(manifest());

    expect(cli(['pin', '--write', file]).code).toBe(ExitCode.OK);
    const after = readFileSync(file, 'utf8');
    const d0 = new RegExp(`${refs[0]!.replace(/[.:/]/g, '\\$&')}@sha256:[0-9a-f]{64}`, 'g');
    expect(after.match(d0)).toHaveLength(2);
    expect(after).toMatch(/image: "[^"]+@sha256:[0-9a-f]{64}" {3}# quoted, with a comment/);
    expect(after).toMatch(/image: '[^']+app7:v1@sha256:[0-9a-f]{64}'/);
    // Only the image values changed: the same text once the digests are taken out.
    expect(after.replace(/@sha256:[0-9a-f]{64}/g, '')).toBe(manifest());
    // Already pinned: a second run changes nothing.
    const again = cli(['pin', file]);
    expect(again.stdout).toBe('');
  });

  test('--verify pins only images that verify, and exits 1 naming the others', () => {
    const file = join(work, 'deploy-verify.yaml');
    writeFileSync(file, manifest());
    const r = cli(['pin', '--write', '--verify', '--key', keyFile, '--insecure-ignore-tlog', file]);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.stderr).toContain(`not pinned: ${refs[7]} (${file}:16)`);
    const after = readFileSync(file, 'utf8');
    expect(after).toContain(`'${refs[7]}'`);
    expect(after).toMatch(new RegExp(`${refs[0]!.replace(/[.:/]/g, '\\$&')}@sha256:`));
  });

  test('--policy pins only images the policy allows, naming the first failing check of the others', () => {
    const file = join(work, 'deploy-policy.yaml');
    writeFileSync(file, manifest());
    const policyFile = join(work, 'pin-policy.yaml');
    writeFileSync(
      policyFile,
      [
        'apiVersion: trustgate.dev/v1',
        'kind: Policy',
        'metadata: { name: pin }',
        'authorities:',
        '  k: { keys: [{ file: key.pub }], ignoreTlog: true }',
        'rules:',
        '  - { name: signed, images: ["**"], signatures: { anyOf: [k] } }',
        '',
      ].join('\n'),
    );
    const r = cli(['pin', '--write', '--policy', policyFile, file]);
    expect(r.code).toBe(ExitCode.FAILURE);
    expect(r.stderr).toMatch(
      new RegExp(
        `not pinned: ${refs[7]!.replace(/[.:/]/g, '\\$&')} \\(${file.replace(/[.:/]/g, '\\$&')}:16\\): denied: signatures: `,
      ),
    );
    expect(r.stderr).not.toContain(`not pinned: ${refs[0]} `);
    const after = readFileSync(file, 'utf8');
    expect(after).toContain(`'${refs[7]}'`);
    expect(after).toMatch(new RegExp(`${refs[0]!.replace(/[.:/]/g, '\\$&')}@sha256:`));
  });

  test('--policy with a policy file that is not valid fails before any file is written', () => {
    const file = join(work, 'deploy-bad-policy.yaml');
    writeFileSync(file, manifest());
    const policyFile = join(work, 'pin-bad-policy.yaml');
    writeFileSync(policyFile, 'apiVersion: trustgate.dev/v1\nkind: Policy\n');
    const r = cli(['pin', '--write', '--policy', policyFile, file]);
    // A policy with problems is a usage error, as for verify --policy.
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain(policyFile);
    expect(readFileSync(file, 'utf8')).toBe(manifest());
  });
});

describe('verify-attestation in a batch', () => {
  test('--images-from with -o junit: one testcase per attestation, failures for images without any', async () => {
    const { attestationLayer } = await import('../support/attest-builder.js');
    const client = new RegistryClient();
    const img = buildImage({ seed: 'batch-attested' });
    await pushImage(client, reg.host, 'batch/attested', img, 'v1');
    await pushSig(
      client,
      reg.host,
      'batch/attested',
      img.manifest.digest,
      [
        attestationLayer(
          key,
          img.manifest.digest,
          'https://cyclonedx.org/bom',
          Buffer.from('{"bomFormat":"CycloneDX"}'),
        ),
      ],
      '.att',
    );
    await client.close();
    const list = join(work, 'att-images.txt');
    writeFileSync(list, `${reg.host}/batch/attested:v1\n${refs[0]}\n`);
    const junit = join(work, 'att.xml');
    const r = cli([
      'verify-attestation',
      '--type',
      'any',
      '--key',
      keyFile,
      '--insecure-ignore-tlog',
      '--images-from',
      list,
      '-o',
      `junit=${junit}`,
      '-o',
      `report=${join(work, 'att.json')}`,
      '-o',
      'tree',
    ]);
    expect(r.code).toBe(ExitCode.NO_SIGNATURES);
    // JSON says where each image was listed, as verify's does.
    const json = JSON.parse(readFileSync(join(work, 'att.json'), 'utf8'));
    expect(json.images.map((i: { locations: unknown }) => i.locations)).toEqual([
      [{ file: list, line: 1 }],
      [{ file: list, line: 2 }],
    ]);
    expect(r.stdout.split('\n')[0]).toBe(
      '2 image(s), 2 distinct digest(s): 1 passed, 1 failed, 0 with warnings',
    );
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('name="attestations/https://cyclonedx.org/bom"></testcase>');
    expect(xml).toMatch(/<testcase classname="[^"]+app0:v1" name="attestations">\n\s+<failure /);
  });
});

describe('pin safety', () => {
  test('two references that pin to the same string are both refused when it is denied; no verdict is no pin', async () => {
    const { planPins } = await import('../../src/inputs/pin.js');
    const client = new RegistryClient();
    await pushImage(client, reg.host, 'batch/app0', buildImage({ seed: 'batch-0' }), 'latest');
    const f1 = join(work, 'p1.yaml');
    const f2 = join(work, 'p2.yaml');
    writeFileSync(f1, `services:\n  a:\n    image: ${reg.host}/batch/app0\n`);
    writeFileSync(f2, `services:\n  b:\n    image: ${reg.host}/batch/app0:latest\n`);
    const denied = await planPins([f1, f2], {
      client,
      verify: async (refs) => new Map(refs.map((r) => [r, 'denied by test'])),
    });
    expect(denied.files).toEqual([]);
    expect(denied.failures.map((f) => f.reason)).toEqual(['denied by test', 'denied by test']);
    const silent = await planPins([f1, f2], { client, verify: async () => new Map() });
    expect(silent.files).toEqual([]);
    expect(silent.failures[0]!.reason).toBe('no verdict was returned for it');
    await client.close();
  });

  test('an anchored image named by two aliases is pinned once, where it is written', async () => {
    const { planPins } = await import('../../src/inputs/pin.js');
    const client = new RegistryClient();
    const file = join(work, 'anchored.yaml');
    const text = `x-img: &img ${refs[0]}\nservices:\n  a:\n    image: *img\n  b:\n    image: *img\n`;
    writeFileSync(file, text);
    const plan = await planPins([file], { client });
    await client.close();
    expect(plan.files).toHaveLength(1);
    const after = plan.files[0]!.after;
    expect(after.match(/@sha256:/g)).toHaveLength(1);
    expect(after).toMatch(
      new RegExp(`^x-img: &img ${refs[0]!.replace(/[.:/]/g, '\\$&')}@sha256:[0-9a-f]{64}\n`),
    );
    expect(after.replace(/@sha256:[0-9a-f]{64}/, '')).toBe(text);
  });

  test('--write never follows a planted temporary file, and keeps the file mode', async () => {
    const { symlinkSync, statSync, chmodSync, existsSync } = await import('node:fs');
    const file = join(work, 'mode.yaml');
    writeFileSync(file, `services:\n  a:\n    image: ${refs[0]}\n`);
    chmodSync(file, 0o640);
    const target = join(work, 'not-to-be-touched');
    symlinkSync(target, join(work, '.mode.yaml.trustgate-pin'));
    expect(cli(['pin', '--write', file]).code).toBe(ExitCode.OK);
    expect(existsSync(target)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readFileSync(file, 'utf8')).toMatch(/@sha256:[0-9a-f]{64}\n$/);
  });

  test('--write refuses a manifest that is a link: the link stays, what it points to is unchanged', async () => {
    const { symlinkSync, lstatSync } = await import('node:fs');
    const real = join(work, 'real-target.yaml');
    const text = `services:\n  a:\n    image: ${refs[0]}\n`;
    writeFileSync(real, text);
    const link = join(work, 'linked.yaml');
    symlinkSync(real, link);
    const r = cli(['pin', '--write', link]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain(`pin --write: ${link} is a symbolic link; refusing to write through it`);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe(text);
  });

  test('--write refuses a file that changed after it was read', async () => {
    const { planPins, writePins } = await import('../../src/inputs/pin.js');
    const file = join(work, 'changing.yaml');
    writeFileSync(file, `services:\n  a:\n    image: ${refs[0]}\n`);
    const client = new RegistryClient();
    const plan = await planPins([file], { client });
    await client.close();
    writeFileSync(file, `services:\n  a:\n    image: ${refs[1]} # edited meanwhile\n`);
    await expect(writePins(plan)).rejects.toThrow(/changed since it was read; not rewritten/);
    expect(readFileSync(file, 'utf8')).toContain('# edited meanwhile');
  });
});
