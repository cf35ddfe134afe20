/**
 * `verify-attestation --policy FILE.cue` side by side with the real cosign 2.5: attestations that
 * cosign made (legacy `.att`, key-signed, no log entry) in a real registry, the same policies given
 * to both tools, the same verdict asserted (cosign exits 1 where trustgate exits 12). Then what only
 * trustgate does: the unmatched-fields warning, --strict-policy, file:line:column, Rego refused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { buildImage } from '../support/image-builder.js';
import { cosignEnv, peer, peersMissingReason } from '../support/peers.js';
import { pushImage } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { repoRoot } from '../support/repo-root.js';
import { runCli } from '../support/run-cli.js';

// cosign's one-envelope-per-line output is trustgate's default (-o json), so nothing is added.
const ENVELOPES: string[] = []; // cosign's envelopes are the default output

const missing = peersMissingReason('cosign');
if (missing) console.warn(`CUE interop suite skipped: ${missing}`);

const GENERATOR =
  'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.9.0';
const slsa = (uri?: string) => ({
  builder: { id: GENERATOR },
  buildType: 'https://github.com/slsa-framework/slsa-github-generator/container@v1',
  ...(uri ? { invocation: { configSource: { uri, entryPoint: '.github/workflows/release.yml' } } } : {}),
});
const sbom = (name: string) => ({
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  metadata: { component: { type: 'container', name } },
  components: [{ type: 'library', name: 'left-pad', version: '1.3.0' }],
});

/** image name → [--type, predicate] that cosign attests it with. */
const IMAGES: Record<string, [string, unknown]> = {
  tag: ['slsaprovenance', slsa('git+https://github.com/example/app@refs/tags/v1.2.3')],
  branch: ['slsaprovenance', slsa('git+https://github.com/example/app@refs/heads/main')],
  otherrepo: ['slsaprovenance', slsa('git+https://github.com/evil/app@refs/tags/v1.2.3')],
  noinvocation: ['slsaprovenance', slsa()],
  sbom: ['cyclonedx', sbom('example/app')],
  othersbom: ['cyclonedx', sbom('evil/app')],
};

describe.skipIf(missing !== undefined)(
  'CUE policies: trustgate and cosign verify-attestation --policy',
  () => {
    let reg: RunningRegistry;
    const client = new RegistryClient({ useDockerConfig: false });
    const work = mkdtempSync(join(tmpdir(), 'tg-cue-'));
    const env = cosignEnv(work, 'pw');
    const refs: Record<string, string> = {};
    const rows: string[] = [];

    beforeAll(async () => {
      reg = await startRegistry();
      execFileSync(peer('cosign')!, ['generate-key-pair', '--output-key-prefix', 'k'], {
        env,
        cwd: work,
        stdio: 'ignore',
      });
      for (const f of [
        'slsa.cue',
        'sbom.cue',
        'capitalised.cue',
        'syntax-error.cue',
        'type.cue',
        'tags.cue',
        'buildtype.cue',
      ])
        copyFileSync(join(repoRoot(), 'test/data/cue', f), join(work, f));
      writeFileSync(join(work, 'p.rego'), 'package signature\ndefault allow = true\n');
      for (const [name, [type, predicate]] of Object.entries(IMAGES)) {
        const img = buildImage({ seed: `cue-${name}` });
        await pushImage(client, reg.host, `cue/${name}`, img, 'v1');
        refs[name] = `${reg.host}/cue/${name}@${img.manifest.digest}`;
        writeFileSync(join(work, `${name}.json`), JSON.stringify(predicate));
        const r = spawnSync(
          peer('cosign')!,
          [
            'attest',
            '--key',
            'k.key',
            '--type',
            type,
            '--predicate',
            `${name}.json`,
            '--tlog-upload=false',
            '--allow-http-registry',
            '-y',
            refs[name]!,
          ],
          { env, cwd: work, encoding: 'utf8' },
        );
        expect(r.status, r.stderr).toBe(0);
      }
    }, 120_000);

    afterAll(async () => {
      await client.close();
      await reg?.stop();
      if (rows.length > 0)
        console.log(`\nCUE policies: cosign vs trustgate (exit codes)\n${rows.join('\n')}`);
    });

    const args = (image: string, policies: string[], extra: string[] = []) => {
      const type = IMAGES[image]![0];
      return [
        'verify-attestation',
        '--key',
        'k.pub',
        '--type',
        type,
        '--insecure-ignore-tlog',
        ...policies.flatMap((p) => ['--policy', p]),
        ...extra,
      ];
    };
    const cosign = (image: string, policies: string[]) =>
      spawnSync(peer('cosign')!, [...args(image, policies), '--allow-http-registry', refs[image]!], {
        env,
        cwd: work,
        encoding: 'utf8',
        timeout: 60_000,
      });
    const trustgate = (image: string, policies: string[], extra: string[] = []) =>
      runCli([...args(image, policies, extra), ...ENVELOPES, refs[image]!], {
        cwd: work,
        timeoutMs: 120_000,
      });

    test.each([
      ['tag', ['slsa.cue'], true],
      ['branch', ['slsa.cue'], false],
      ['otherrepo', ['slsa.cue'], false],
      // A constraint on a field the statement lacks passes in cosign (no concreteness required).
      ['noinvocation', ['slsa.cue'], true],
      ['tag', ['capitalised.cue'], true],
      ['sbom', ['sbom.cue'], true],
      ['othersbom', ['sbom.cue'], false],
      ['tag', ['type.cue', 'tags.cue', 'buildtype.cue'], true],
      ['branch', ['type.cue', 'tags.cue', 'buildtype.cue'], false],
    ] as const)('%s with %j: same verdict as cosign (pass: %s)', (image, policies, pass) => {
      const c = cosign(image, [...policies]);
      const t = trustgate(image, [...policies]);
      rows.push(
        `${image.padEnd(13)} ${policies.join('+').padEnd(30)} cosign ${c.status}  trustgate ${t.code}`,
      );
      expect(c.status === 0, `cosign: ${c.stderr}`).toBe(pass);
      expect(t.code, t.stderr).toBe(pass ? ExitCode.OK : ExitCode.NONE_MATCHED);
      if (pass) {
        // The same envelopes on stdout.
        expect(
          t.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l).payload),
        ).toEqual(
          c.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l).payload),
        );
      } else {
        expect(t.stdout).toBe('');
      }
    });

    test('a failing policy names the first failing path and constraint', () => {
      const t = trustgate('branch', ['slsa.cue']);
      expect(t.stderr).toMatch(
        /failed the CUE policy: predicate\.invocation\.configSource\.uri: invalid value "git\+https:\/\/github.com\/example\/app@refs\/heads\/main" \(out of bound =~/,
      );
      expect(t.stderr).toMatch(/slsa\.cue:6:\d+/);
    });

    test('the capitalised-keys trap: a warning naming the fields; --strict-policy exits 12', () => {
      const warn = trustgate('tag', ['capitalised.cue']);
      expect(warn.code).toBe(ExitCode.OK);
      expect(warn.stderr).toMatch(
        /WARNING: .*declares fields the statement does not have.*: PredicateType, Predicate/,
      );
      const strict = trustgate('tag', ['capitalised.cue'], ['--strict-policy']);
      expect(strict.code, strict.stderr).toBe(ExitCode.NONE_MATCHED);
      expect(strict.stderr).toMatch(/PredicateType, Predicate \(strict policy\)/);
      expect(strict.stdout).toBe('');
      // A policy whose every field the statement has gives no warning.
      expect(trustgate('tag', ['slsa.cue']).stderr).not.toMatch(/WARNING: .*declares fields/);
    });

    test('a syntax error names file:line:column and fails (exit 1) before any image is read', () => {
      const t = trustgate('tag', ['syntax-error.cue']);
      expect(t.code).toBe(ExitCode.FAILURE);
      expect(t.stderr).toMatch(/syntax-error\.cue:2:\d+/);
      expect(t.stdout).toBe('');
    });

    test('Rego and other files are refused as usage errors (exit 2)', () => {
      const rego = trustgate('tag', ['p.rego']);
      expect(rego.code).toBe(ExitCode.USAGE);
      expect(rego.stderr).toMatch(/Rego is not supported.*use a CUE policy \(\.cue\) or a trustgate policy/);
      const yaml = trustgate('tag', ['policy.yaml']);
      expect(yaml.code).toBe(ExitCode.USAGE);
      expect(yaml.stderr).toMatch(/trustgate verify --policy FILE\.yaml/);
    });
  },
);
