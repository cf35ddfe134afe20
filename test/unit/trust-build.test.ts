/**
 * Trust built once per run (verify/trust.ts): the same verifiers, keys, root and wording as the
 * builders it replaces (verify-image.ts buildTrust, gather.ts buildPolicyVerifiers), and the root
 * precedence the CLI's flags have always had.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { TrustgateError } from '../../src/errors.js';
import { type CompiledPolicy, compilePolicy } from '../../src/policy/load.js';
import { buildPolicyVerifiers } from '../../src/policy/policy-trust.js';
import { buildTrust as legacyBuildTrust, loadTrustRoot } from '../../src/run/verify-image.js';
import { FULCIO_V2_CLAIMS } from '../../src/trust/claims.js';
import { compileRegExp } from '../../src/trust/regexp.js';
import { defaultTufCacheDir, loadRoot, loadRootSpec, rootSpecOf } from '../../src/trust/roots.js';
import { type AuthoritySpec, buildPolicyTrust, buildTrust } from '../../src/verify/trust.js';
import { KeylessVerifiers, KeyVerifiers } from '../../src/verify/verify-signatures.js';
import { generateKey } from '../support/signing.js';

const GH = 'https://token.actions.githubusercontent.com';
const dir = mkdtempSync(join(tmpdir(), 'trust-build-'));
const key = generateKey('p256');
const keyFile = join(dir, 'cosign.pub');
writeFileSync(keyFile, key.pem);
const rekorFile = join(dir, 'rekor.pub');
writeFileSync(rekorFile, generateKey('p256').pem);

afterEach(() => vi.unstubAllEnvs());

describe('buildTrust', () => {
  test('keys: the same keys, root, text and verifier flags as the builder it replaces', async () => {
    const o = { keys: [keyFile], ignoreTlog: true, requireDockerReference: true };
    const now = await buildTrust({ ...o, root: rootSpecOf({}) });
    const before = await legacyBuildTrust(o);
    expect(now.text).toBe(before.trustText);
    expect(now.text).toContain(`${keyFile} (sha256:`);
    expect(now.keys.map((k) => k.fingerprint)).toEqual(before.keys.map((k) => k.fingerprint));
    expect(now.trustRoot.description).toBe(before.trustRoot.description);
    expect(now.identity).toBeUndefined();
    expect(now.ignoreTlog).toBe(true);
    expect(now.verifiers).toBeInstanceOf(KeyVerifiers);
    const t = (now.verifiers as KeyVerifiers).trust;
    expect(t).toMatchObject({ ignoreTlog: true, requireDockerReference: true });
    expect(t.keys.map((k) => k.fingerprint)).toEqual(now.keys.map((k) => k.fingerprint));
  });

  test('keyless: the identity policy describes the run and --insecure-ignore-sct reaches the verifier', async () => {
    const identity = { identityRegexp: 'https://github.com/org/.*', issuer: GH };
    const now = await buildTrust({ identity, ignoreSct: true });
    const before = await legacyBuildTrust({ identity, ignoreSct: true });
    expect(now.text).toBe(before.trustText);
    expect(now.identity?.describe).toBe(now.text);
    expect(now.keys).toEqual([]);
    expect(now.verifiers).toBeInstanceOf(KeylessVerifiers);
    expect((now.verifiers as KeylessVerifiers).trust).toMatchObject({ ignoreSct: true, ignoreTlog: false });
  });

  test('neither or both of keys and identity is a usage error', async () => {
    await expect(buildTrust({})).rejects.toThrow(/give either --key, or a keyless identity/);
    await expect(buildTrust({ keys: [keyFile], identity: { identity: 'a', issuer: GH } })).rejects.toThrow(
      TrustgateError,
    );
  });

  test('a key that cannot be read fails before any root is loaded', async () => {
    const err = await buildTrust({
      keys: [join(dir, 'missing.pub')],
      root: { trustedRoot: join(dir, 'missing.json') },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KEY_UNAVAILABLE' });
  });
});

describe('root specs', () => {
  test('precedence: a private CA, then a TUF mirror, then a trusted_root.json, else the embedded root', () => {
    const all = { caRoots: 'ca.pem', tufMirror: 'https://tuf.example', trustedRoot: 'tr.json' };
    expect(rootSpecOf(all)).toEqual({ caRoots: 'ca.pem' });
    expect(rootSpecOf({ ...all, caRoots: undefined })).toEqual({ tufMirror: 'https://tuf.example' });
    expect(rootSpecOf({ trustedRoot: 'tr.json', rekorPublicKey: 'r.pub' })).toEqual({
      trustedRoot: 'tr.json',
      rekorPublicKey: 'r.pub',
    });
    expect(rootSpecOf({})).toEqual({ embedded: 'public-good' });
  });

  test('a Rekor key alone replaces the logs rather than joining the embedded root (as before)', async () => {
    const alone = await loadRootSpec(rootSpecOf({ rekorPublicKey: rekorFile }));
    const before = loadTrustRoot({ rekorPublicKey: rekorFile });
    expect(alone.description).toBe(before.description);
    expect(alone.root.tlogs).toHaveLength(1);
    expect(alone.root.certificateAuthorities).toEqual([]);
    expect(loadRoot().description).toBe(loadTrustRoot({}).description);
  });

  test('the TUF cache defaults under XDG_CACHE_HOME', () => {
    vi.stubEnv('XDG_CACHE_HOME', '/xdg');
    expect(defaultTufCacheDir()).toBe(join('/xdg', 'trustgate', 'tuf'));
  });
});

const polKey = generateKey('p256');
function policy(): CompiledPolicy {
  const pem = polKey.pem.trim().split('\n').join('\n          ');
  const r = compilePolicy(
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: t }
authorities:
  release:
    keys:
      - pem: |
          ${pem}
  ci:
    keyless:
      issuer: ${GH}
      subjectRegExp: https://github.com/org/repo/\\.github/workflows/.*
      claims: { sourceRepositoryRef: refs/heads/main }
    ignoreSct: true
deny:
  identities: [{ subjectRegExp: "https://github.com/evil/.*", reason: stolen }]
`,
    'p.yaml',
  );
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.policy;
}

/** What the policy layer hands buildPolicyTrust for a compiled authority. */
function specs(p: CompiledPolicy): AuthoritySpec[] {
  return [...p.authorities.values()].map((a) => ({
    name: a.name,
    trustRoot: a.trustRoot,
    keys: a.keys.map((k) => k.key),
    describe: a.describe,
    ...(a.raw.ignoreTlog !== undefined ? { ignoreTlog: a.raw.ignoreTlog } : {}),
    ...(a.raw.ignoreSct !== undefined ? { ignoreSct: a.raw.ignoreSct } : {}),
    ...(a.keyless
      ? {
          keyless: {
            ...(a.keyless.issuer ? { issuer: a.keyless.issuer } : {}),
            ...(a.keyless.subjectRegExp ? { identityRegexp: a.keyless.subjectRegExp.source } : {}),
            claims: Object.fromEntries(
              Object.entries(a.keyless.claims).map(([n, v]) => [FULCIO_V2_CLAIMS[n] ?? n, v]),
            ),
          },
        }
      : {}),
  }));
}

describe('buildPolicyTrust', () => {
  test('the same roots, hash, authorities and deny scan as buildPolicyVerifiers', () => {
    const p = policy();
    const now = buildPolicyTrust(specs(p), p.trustRoots, { denies: true, compile: compileRegExp });
    const before = buildPolicyVerifiers(p);
    expect(now.trustRootsHash).toBe(before.trustRootsHash);
    expect([...now.trustRoots.keys()]).toEqual([...before.trustRoots.keys()]);
    expect([...now.byAuthority.keys()]).toEqual(['release', 'ci']);
    expect(now.byAuthority.get('release')).toBeInstanceOf(KeyVerifiers);
    const ci = now.byAuthority.get('ci') as KeylessVerifiers;
    const ciBefore = before.byAuthority.get('ci') as KeylessVerifiers;
    expect(ci.trust).toMatchObject({ ignoreSct: true, ignoreTlog: false, requireDockerReference: false });
    expect(ci.trust.identity.describe).toBe(ciBefore.trust.identity.describe);
    const stranger = {
      subjectAlternativeName: 'https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main',
      issuer: GH,
      claims: new Map<string, string>(),
    };
    expect(ci.trust.identity.match(stranger)).toEqual(ciBefore.trust.identity.match(stranger));
    expect(now.anySigner.map((v) => (v as KeylessVerifiers).trust)).toMatchObject([
      { ignoreSct: true, ignoreTlog: false },
    ]);
    expect(now.anySigner).toHaveLength(before.anySigner.length);
  });

  test('no deny lists, no deny scan; a preloaded root is used as given', () => {
    const p = policy();
    const mine = { ...loadRoot(), description: 'refreshed' };
    const now = buildPolicyTrust(specs(p), p.trustRoots, {
      compile: compileRegExp,
      denies: false,
      preloaded: { 'public-good': mine },
    });
    expect(now.anySigner).toEqual([]);
    expect(now.trustRoots.get('public-good')).toBe(mine);
  });
});
