/**
 * A verified attestation whose predicate nests 300,000 levels deep. JSON.parse accepts it (V8 parses
 * iteratively); JSON.stringify, CEL conversion and every recursive walker after it do not. Every
 * command must answer with a one-line reason and a documented exit code, never a RangeError.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import {
  COSIGN_KIND_ANNOTATION,
  CosignLayoutKind,
  REF_NAME_ANNOTATION,
} from '../../src/oci/layout/layout-source.js';
import { MAX_STATEMENT_DEPTH } from '../../src/verify/statement.js';
import { attestationLayer } from '../support/attest-builder.js';
import { buildSigManifest } from '../support/cosign-sig.js';
import { buildImage, descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';
import { repoRoot } from '../support/repo-root.js';
import { generateKey } from '../support/signing.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-deep-'));
const key = generateKey('p256');
const keyFile = join(dir, 'key.pub');
writeFileSync(keyFile, key.pem);

/** A layout at `name` whose one attestation has a predicate nested `depth` arrays deep. */
function deepLayout(name: string, depth: number): string {
  const img = buildImage({ seed: `deep-${name}` });
  const predicate = Buffer.from(`{"bomFormat":"CycloneDX","x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
  const atts = buildSigManifest([
    attestationLayer(key, img.manifest.digest, 'https://cyclonedx.org/bom', predicate),
  ]);
  const layout = join(dir, name);
  writeLayout(
    layout,
    [...img.blobs, atts.manifest, ...atts.blobs],
    [
      descriptorOf(img.manifest, {
        annotations: { [REF_NAME_ANNOTATION]: 'v1', [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.IMAGE },
      }),
      descriptorOf(atts.manifest, { annotations: { [COSIGN_KIND_ANNOTATION]: CosignLayoutKind.ATTS } }),
    ],
  );
  return layout;
}

const deep = deepLayout('deep', 300_000);
// The statement is depth 1, the predicate 2, "x" 3: this is exactly at the limit.
const atLimit = deepLayout('at-limit', MAX_STATEMENT_DEPTH - 2);

const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'trustgate.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const trust = ['--key', keyFile, '--insecure-ignore-tlog'];
const LIMIT = `more than ${MAX_STATEMENT_DEPTH} levels deep`;

function expectNoCrash(r: { out: string; err: string }): void {
  expect(r.err + r.out).not.toMatch(/RangeError|Maximum call stack|\n\s+at /);
}

describe('an attestation whose predicate nests 300,000 levels deep', () => {
  test('verify-attestation -o json: not verified, the reason names the limit, exit 12', () => {
    const r = cli(['verify-attestation', '--type', 'any', '-o', 'report', ...trust, `oci:${deep}:v1`]);
    expectNoCrash(r);
    expect(r.code, r.err).toBe(ExitCode.NONE_MATCHED);
    const j = JSON.parse(r.out);
    expect(j.images[0].verdict).not.toBe('verified');
    expect(j.images[0].attestations[0].reason).toContain(LIMIT);
    // With --type, a statement that cannot be read has no type: none of that type is found.
    const typed = cli([
      'verify-attestation',
      '--type',
      'cyclonedx',
      '-o',
      'report',
      ...trust,
      `oci:${deep}:v1`,
    ]);
    expectNoCrash(typed);
    expect(typed.code, typed.err).toBe(ExitCode.NO_SIGNATURES);
    expect(JSON.parse(typed.out).images[0].message).toContain('unreadable (1)');
  });

  test('verify-attestation (tree) and extract: the same reason, no stack trace', () => {
    const v = cli(['verify-attestation', '--type', 'any', ...trust, '-o', 'tree', `oci:${deep}:v1`]);
    expectNoCrash(v);
    expect(v.code).toBe(ExitCode.NONE_MATCHED);
    expect(v.out).toContain(LIMIT);
    const x = cli(['extract', '--type', 'cyclonedx', '--predicate-only', ...trust, `oci:${deep}:v1`]);
    expectNoCrash(x);
    expect(x.code).not.toBe(ExitCode.OK);
    expect(x.err.trim().split('\n').length).toBeLessThanOrEqual(3);
  });

  test('verify --policy requiring it: denied, no stack trace', () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      [
        'apiVersion: trustgate.dev/v1',
        'kind: Policy',
        'metadata: { name: deep }',
        'noMatch: deny',
        'authorities:',
        '  test:',
        `    keys: [{ file: ${JSON.stringify(keyFile)} }]`,
        '    ignoreTlog: true',
        'rules:',
        '  - name: all',
        '    images: ["**"]',
        '    attestations:',
        '      - name: sbom',
        '        type: cyclonedx',
        '        signedBy: [test]',
        '        conditions:',
        '          - { name: has, expr: "size(predicate.x) >= 0", message: the predicate has x }',
        '',
      ].join('\n'),
    );
    const r = cli(['verify', '--policy', policy, '-o', 'report', `oci:${deep}:v1`]);
    expectNoCrash(r);
    expect(r.code, r.err).toBe(ExitCode.FAILURE);
    expect(JSON.parse(r.out).decisions[0].decision).toBe('deny');
    // At the limit, the same policy allows it: the refusal is the depth, nothing else.
    const ok = cli(['verify', '--policy', policy, '-o', 'report', `oci:${atLimit}:v1`]);
    expect(ok.code, ok.out + ok.err).toBe(ExitCode.OK);
  });

  test('at the limit, verify-attestation -o json prints the statement', () => {
    const r = cli([
      'verify-attestation',
      '--type',
      'cyclonedx',
      '-o',
      'report',
      ...trust,
      `oci:${atLimit}:v1`,
    ]);
    expect(r.code, r.err).toBe(ExitCode.OK);
    const j = JSON.parse(r.out);
    expect(j.images[0].attestations[0].statement.predicate.bomFormat).toBe('CycloneDX');
  });
});
