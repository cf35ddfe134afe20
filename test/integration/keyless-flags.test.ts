/**
 * Keyless identity flags end to end through the CLI, on layouts signed in a throwaway keyless world:
 * exact `--certificate-identity` and `--certificate-oidc-issuer` are whole-value matches (a value that
 * merely starts with the expected one is rejected), and each `--certificate-github-workflow-*` flag
 * reaches its own certificate extension (the v1 GitHub OIDs 1.3.6.1.4.1.57264.1.2–.6, as cosign's
 * flags use). Each claim in the signing certificate has a value no other claim has, so a flag mapped to
 * the wrong OID fails the matching case, and a flag not mapped at all passes the mismatching one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { type KeylessIdentity, keylessWorld } from '../support/keyless.js';
import { writePolicyImage } from '../support/policy-images.js';
import { runCli } from '../support/run-cli.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const SAN = 'https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.2.3';

/** Flag → its OID and the value the good certificate carries. */
const FLAGS = {
  trigger: { oid: '1.3.6.1.4.1.57264.1.2', value: 'push' },
  sha: { oid: '1.3.6.1.4.1.57264.1.3', value: '0123456789abcdef0123456789abcdef01234567' },
  name: { oid: '1.3.6.1.4.1.57264.1.4', value: 'Release' },
  repository: { oid: '1.3.6.1.4.1.57264.1.5', value: 'org/repo' },
  ref: { oid: '1.3.6.1.4.1.57264.1.6', value: 'refs/tags/v1.2.3' },
} as const;
type Flag = keyof typeof FLAGS;
const OTHER: Record<Flag, string> = {
  trigger: 'workflow_dispatch',
  sha: 'fedcba9876543210fedcba9876543210fedcba98',
  name: 'Release (fork)',
  repository: 'evil/repo',
  ref: 'refs/heads/main',
};

const claims = (over: Partial<Record<Flag, string>> = {}) =>
  Object.fromEntries((Object.keys(FLAGS) as Flag[]).map((f) => [FLAGS[f].oid, over[f] ?? FLAGS[f].value]));

let dir: string;
let root: string;
/** The same trusted root without its CT log: no SCT in any certificate can verify against it. */
let rootWithoutCt: string;
/** An image signed by a CA that embeds no SCT, and that world's trusted root. */
let noSct: { image: string; root: string };
const images: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-keyless-flags-'));
  const world = await keylessWorld();
  root = join(dir, 'trusted_root.json');
  writeFileSync(root, world.trustedRootJson);
  rootWithoutCt = join(dir, 'trusted_root-no-ct.json');
  writeFileSync(rootWithoutCt, JSON.stringify({ ...JSON.parse(world.trustedRootJson), ctlogs: [] }));
  const bare = await keylessWorld({ withoutSct: true });
  noSct = {
    root: join(dir, 'trusted_root-no-sct.json'),
    image: (
      await writePolicyImage(dir, {
        seed: 'no-sct',
        signatures: [{ kind: 'keyless', world: bare, who: { san: SAN, issuer: ISSUER } }],
      })
    ).ref,
  };
  writeFileSync(noSct.root, bare.trustedRootJson);
  const signed = async (seed: string, who: KeylessIdentity) =>
    (await writePolicyImage(dir, { seed, signatures: [{ kind: 'keyless', world, who }] })).ref;
  images.good = await signed('flags-good', { san: SAN, issuer: ISSUER, claims: claims() });
  images.issuerSuffix = await signed('flags-issuer-suffix', {
    san: SAN,
    issuer: `${ISSUER}.evil.example`,
    claims: claims(),
  });
  images.sanSuffix = await signed('flags-san-suffix', {
    san: `${SAN}.evil.example`,
    issuer: ISSUER,
    claims: claims(),
  });
  for (const f of Object.keys(FLAGS) as Flag[])
    images[f] = await signed(`flags-other-${f}`, {
      san: SAN,
      issuer: ISSUER,
      claims: claims({ [f]: OTHER[f] }),
    });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function verify(image: string, extra: string[] = [], identity = SAN, issuer = ISSUER) {
  return runCli([
    'verify',
    '--trusted-root',
    root,
    '--certificate-identity',
    identity,
    '--certificate-oidc-issuer',
    issuer,
    ...extra,
    image,
  ]);
}

describe('exact identity flags match whole values', () => {
  test('the signing identity and issuer, exactly: verified (exit 0)', () => {
    const r = verify(images.good!);
    expect(r.code, r.stderr).toBe(ExitCode.OK);
  });

  test('an issuer that only starts with --certificate-oidc-issuer: none matched (exit 12)', () => {
    const r = verify(images.issuerSuffix!);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout + r.stderr).toContain(`"${ISSUER}.evil.example"`);
  });

  test('an identity that only starts with --certificate-identity: none matched (exit 12)', () => {
    const r = verify(images.sanSuffix!);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout + r.stderr).toContain(`"${SAN}.evil.example"`);
  });

  test('nor is the expected value a prefix match the other way round', () => {
    expect(verify(images.good!, [], SAN.slice(0, -2)).code).toBe(ExitCode.NONE_MATCHED);
    expect(verify(images.good!, [], SAN, ISSUER.slice(0, -3)).code).toBe(ExitCode.NONE_MATCHED);
  });
});

describe.each(Object.keys(FLAGS) as Flag[])('--certificate-github-workflow-%s', (flag) => {
  const option = `--certificate-github-workflow-${flag}`;

  test(`checks ${FLAGS[flag].oid}: its value there verifies (exit 0)`, () => {
    const r = verify(images.good!, [option, FLAGS[flag].value]);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.OK);
  });

  test('a certificate whose claim differs only there: none matched (exit 12)', () => {
    const r = verify(images[flag]!, [option, FLAGS[flag].value]);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout + r.stderr).toContain(`"${OTHER[flag]}", expected "${FLAGS[flag].value}"`);
    // The same certificate passes without the flag: the flag alone made the difference.
    expect(verify(images[flag]!).code).toBe(ExitCode.OK);
  });
});

describe('the certificate transparency check (SCT)', () => {
  const withRoot = (r: string, extra: string[] = [], image = images.good!) =>
    runCli([
      'verify',
      '--trusted-root',
      r,
      '--certificate-identity',
      SAN,
      '--certificate-oidc-issuer',
      ISSUER,
      ...extra,
      image,
    ]);

  test('a certificate with no SCT is refused (exit 12) unless --insecure-ignore-sct', () => {
    const r = withRoot(noSct.root, [], noSct.image);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout + r.stderr).toContain('expected 1 SCTs, got 0');
    const ignored = withRoot(noSct.root, ['--insecure-ignore-sct'], noSct.image);
    expect(ignored.code, ignored.stdout + ignored.stderr).toBe(ExitCode.OK);
  });

  test('a certificate whose SCT no trusted CT log can verify is refused (exit 12)', () => {
    const r = withRoot(rootWithoutCt);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout + r.stderr).toContain('SCT verification failed');
    expect(withRoot(root).code).toBe(ExitCode.OK);
  });

  // Stricter than cosign, deliberately: --insecure-ignore-sct lets a certificate go without an SCT,
  // but an SCT that is there is still checked (sigstore-js verifies every embedded SCT), so a
  // certificate claiming a CT log the trusted root does not know is never accepted.
  test('--insecure-ignore-sct does not accept an SCT from an unknown CT log', () => {
    const r = withRoot(rootWithoutCt, ['--insecure-ignore-sct']);
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.NONE_MATCHED);
    expect(r.stdout + r.stderr).toContain('SCT verification failed');
  });
});
