/**
 * Runs the sigstore-conformance bundle-verify cases (../shared/testdata/sigstore-conformance) against
 * `trustgate verify-bundle`, the real CLI, twice per case: with the artifact's path and with its
 * sha256. Prints a table, any known failures, and `N passed, N failed`. Exits non-zero on a failure
 * that is not listed as known. Skips, saying so, when ../shared is absent.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../test/support/repo-root.js';
import { sharedPath } from '../test/support/shared-data.js';

const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/** Cases we cannot pass yet, with the reason; listed in the output, never hidden. */
const KNOWN_FAILURES: Record<string, string> = {};

interface Outcome {
  name: string;
  form: 'file' | 'digest';
  expectAccept: boolean;
  accepted: boolean;
  broken: boolean;
  detail: string;
}

function runCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot(), 'bin', 'trustgate.js'), 'verify-bundle', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code: code ?? -1, out: out.trim() }));
  });
}

async function main(): Promise<void> {
  const base = sharedPath('sigstore-conformance', 'test', 'assets', 'bundle-verify');
  if (!existsSync(base)) {
    console.log(`conformance: ${base} is absent; skipped`);
    console.log('0 passed, 0 failed, 1 skipped');
    return;
  }
  const cases = readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const jobs: Array<() => Promise<Outcome>> = [];
  for (const name of cases) {
    const dir = join(base, name);
    const artifact = existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(base, 'a.txt');
    const digest = `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}`;
    const trust = existsSync(join(dir, 'key.pub'))
      ? ['--key', join(dir, 'key.pub')]
      : [
          '--certificate-identity',
          existsSync(join(dir, 'identity'))
            ? readFileSync(join(dir, 'identity'), 'utf8').trim()
            : DEFAULT_IDENTITY,
          '--certificate-oidc-issuer',
          existsSync(join(dir, 'issuer')) ? readFileSync(join(dir, 'issuer'), 'utf8').trim() : DEFAULT_ISSUER,
        ];
    const root = existsSync(join(dir, 'trusted_root.json'))
      ? ['--trusted-root', join(dir, 'trusted_root.json')]
      : [];
    const expectAccept = !name.endsWith('_fail');
    for (const [form, target] of [
      ['file', artifact],
      ['digest', digest],
    ] as const) {
      jobs.push(async () => {
        const r = await runCli(['--bundle', join(dir, 'bundle.sigstore.json'), ...trust, ...root, target]);
        // 0 accepts and 1 rejects; anything else (usage error, crash, wrong Node) is a broken run, never a rejection.
        const broken = r.code !== 0 && r.code !== 1;
        return {
          name,
          form,
          expectAccept,
          accepted: r.code === 0,
          broken,
          detail: r.out.split('\n').pop() ?? '',
        };
      });
    }
  }
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      while (next < jobs.length) outcomes.push(await jobs[next++]!());
    }),
  );
  outcomes.sort((a, b) => a.name.localeCompare(b.name) || a.form.localeCompare(b.form));
  let passed = 0;
  let failed = 0;
  let known = 0;
  console.log(`${'case'.padEnd(56)} ${'form'.padEnd(6)} ${'want'.padEnd(6)} ${'got'.padEnd(6)} result`);
  for (const o of outcomes) {
    const ok = !o.broken && o.accepted === o.expectAccept;
    const isKnown = !ok && KNOWN_FAILURES[o.name] !== undefined;
    if (ok) passed++;
    else if (isKnown) known++;
    else failed++;
    const verdict = ok
      ? 'ok'
      : o.broken
        ? 'FAIL (broken run, not a verdict)'
        : isKnown
          ? `KNOWN FAILURE: ${KNOWN_FAILURES[o.name]}`
          : 'FAIL';
    console.log(
      `${o.name.padEnd(56)} ${o.form.padEnd(6)} ${(o.expectAccept ? 'accept' : 'reject').padEnd(6)} ${(o.accepted ? 'accept' : 'reject').padEnd(6)} ${verdict}${o.accepted ? '' : `  [${o.detail.slice(0, 150)}]`}`,
    );
  }
  const total = cases.length;
  const casesPassed = cases.filter((c) =>
    outcomes.filter((o) => o.name === c).every((o) => !o.broken && o.accepted === o.expectAccept),
  ).length;
  console.log(
    `\nconformance: ${casesPassed}/${total} cases pass in both forms (${known} known failure run(s))`,
  );
  console.log(`${passed} passed, ${failed + known} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
