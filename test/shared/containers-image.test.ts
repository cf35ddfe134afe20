/**
 * containers/image's real cosign signatures (dir: form). The `.sig` layers are served from memory
 * under the signed digest, so discovery and verification run exactly as for a registry.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { discover } from '../../src/discovery/discover.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { type IdentityPolicyInput, identityPolicy } from '../../src/trust/identity.js';
import { loadKey } from '../../src/trust/keys.js';
import { embeddedPublicGoodRoot, privateCaRoot, withRekorKey } from '../../src/trust/roots.js';
import {
  KeylessVerifiers,
  KeyVerifiers,
  type SignatureVerifiers,
  verifySignatures,
} from '../../src/verify/verify-signatures.js';
import { addSigManifest, type SigLayer } from '../support/cosign-sig.js';
import { MemorySource } from '../support/memory-source.js';
import { sharedMissingReason, sharedPath } from '../support/shared-data.js';

const FIXTURES = ['containers-image', 'signature', 'fixtures'];
const missing = sharedMissingReason(...FIXTURES);
if (missing) console.warn(missing);
const dir = (...p: string[]) => sharedPath(...FIXTURES, ...p);

/** The digest the signatures claim when there is no manifest: a case must still fail then. */
const NO_MANIFEST = sha256Digest('no manifest.json in this case');

function loadCase(name: string, mutate?: (l: SigLayer) => SigLayer): { src: MemorySource; digest: Digest } {
  const manifestPath = dir(name, 'manifest.json');
  const digest = existsSync(manifestPath) ? sha256Digest(readFileSync(manifestPath)) : NO_MANIFEST;
  const layers: SigLayer[] = readdirSync(dir(name))
    .filter((f) => f.startsWith('signature-'))
    .sort()
    .map((f) => {
      const raw = readFileSync(dir(name, f));
      const prefix = Buffer.from('\0sigstore-json\n');
      expect(raw.subarray(0, prefix.length).equals(prefix)).toBe(true);
      const j = JSON.parse(raw.subarray(prefix.length).toString('utf8')) as {
        mimeType: string;
        payload: string;
        annotations: Record<string, string>;
      };
      const layer: SigLayer = {
        payload: Buffer.from(j.payload, 'base64'),
        mediaType: j.mimeType,
        annotations: j.annotations,
      };
      return mutate ? mutate(layer) : layer;
    });
  const src = new MemorySource(`containers-image/${name}`);
  addSigManifest(src, digest, layers);
  return { src, digest };
}

async function verdict(
  name: string,
  keys: string[],
  opts: {
    rekorKey?: string;
    ignoreTlog?: boolean;
    mutate?: (l: SigLayer) => SigLayer;
    keyless?: IdentityPolicyInput;
    ca?: boolean;
  } = {},
) {
  const { src, digest } = loadCase(name, opts.mutate);
  const loaded = await Promise.all(keys.map((k) => loadKey(dir(k))));
  const trustRoot = opts.ca
    ? privateCaRoot(dir('pki_root_crts.pem'), dir('pki_intermediate_crts.pem'))
    : opts.rekorKey
      ? withRekorKey(undefined, dir(opts.rekorKey))
      : embeddedPublicGoodRoot();
  const common = { trustRoot, ignoreTlog: opts.ignoreTlog ?? true, requireDockerReference: false };
  const verifiers: SignatureVerifiers = opts.keyless
    ? new KeylessVerifiers({ ...common, identity: identityPolicy(opts.keyless), ignoreSct: opts.ca ?? false })
    : new KeyVerifiers({ ...common, keys: loaded });
  const discovery = await discover(src, digest);
  const result = verifySignatures(discovery, { digest, repository: '' }, verifiers);
  return {
    found: result.verdicts.length,
    verified: result.verdicts.filter((v) => v.verified).length,
    reasons: result.verdicts.map((v) => v.reason ?? ''),
  };
}

describe.skipIf(missing !== undefined)('containers/image cosign fixtures', () => {
  test.each([
    'dir-img-cosign-valid',
    'dir-img-cosign-valid-2',
    'dir-img-cosign-valid-with-tag',
  ])('%s passes with cosign.pub and fails with cosign2.pub', async (name) => {
    const good = await verdict(name, ['cosign.pub']);
    expect(good.verified).toBeGreaterThanOrEqual(1);
    const bad = await verdict(name, ['cosign2.pub']);
    expect(bad.found).toBeGreaterThanOrEqual(1);
    expect(bad.verified).toBe(0);
  });

  test('dir-img-cosign-mixed passes: one signature is by an unknown key, the other is valid', async () => {
    const r = await verdict('dir-img-cosign-mixed', ['cosign.pub']);
    expect(r).toMatchObject({ found: 2, verified: 1 });
  });

  test.each([
    'dir-img-cosign-modified-manifest',
    'dir-img-cosign-manifest-digest-error',
    'dir-img-cosign-no-manifest',
  ])('%s fails', async (name) => {
    const r = await verdict(name, ['cosign.pub']);
    expect(r.verified).toBe(0);
    expect(r.reasons.join(' ')).toMatch(/not for this image|does not verify/);
  });

  test('dir-img-cosign-other-attachment fails: the layer is not a signature', async () => {
    const r = await verdict('dir-img-cosign-other-attachment', ['cosign.pub']);
    expect(r).toMatchObject({ found: 0, verified: 0 });
  });

  describe('dir-img-cosign-key-rekor-valid (key + Rekor bundle, checked against rekor.pub)', () => {
    const name = 'dir-img-cosign-key-rekor-valid';

    test('passes with cosign2.pub and the Rekor key, tlog required', async () => {
      const r = await verdict(name, ['cosign2.pub'], { rekorKey: 'rekor.pub', ignoreTlog: false });
      expect(r).toMatchObject({ found: 1, verified: 1 });
    });

    test('fails when the Rekor bundle is missing', async () => {
      const r = await verdict(name, ['cosign2.pub'], {
        rekorKey: 'rekor.pub',
        ignoreTlog: false,
        mutate: (l) => ({
          ...l,
          annotations: Object.fromEntries(
            Object.entries(l.annotations).filter(([k]) => k !== 'dev.sigstore.cosign/bundle'),
          ),
        }),
      });
      expect(r.verified).toBe(0);
      expect(r.reasons[0]).toContain('--insecure-ignore-tlog');
    });

    test('fails when the Rekor bundle SET is altered', async () => {
      const r = await verdict(name, ['cosign2.pub'], {
        rekorKey: 'rekor.pub',
        ignoreTlog: false,
        mutate: (l) => {
          const b = JSON.parse(l.annotations['dev.sigstore.cosign/bundle']!);
          b.Payload.integratedTime += 1;
          return { ...l, annotations: { ...l.annotations, 'dev.sigstore.cosign/bundle': JSON.stringify(b) } };
        },
      });
      expect(r.verified).toBe(0);
      expect(r.reasons[0]).toMatch(/SET|transparency/);
    });

    test('fails with a wrong Rekor key', async () => {
      const r = await verdict(name, ['cosign2.pub'], { rekorKey: 'cosign.pub', ignoreTlog: false });
      expect(r.verified).toBe(0);
    });

    test('the fixture was logged in the public-good Rekor: the embedded root verifies it too', async () => {
      const r = await verdict(name, ['cosign2.pub'], { ignoreTlog: false });
      expect(r.verified).toBe(1);
    });
  });

  describe('keyless', () => {
    const mitr = { identity: 'mitr@redhat.com', issuer: 'https://github.com/login/oauth' };

    test('dir-img-cosign-fulcio-rekor-valid passes with the public-good root for mitr@redhat.com', async () => {
      const r = await verdict('dir-img-cosign-fulcio-rekor-valid', [], { keyless: mitr, ignoreTlog: false });
      expect(r).toMatchObject({ found: 1, verified: 1 });
    });

    test('... and fails for any other identity or issuer', async () => {
      const other = await verdict('dir-img-cosign-fulcio-rekor-valid', [], {
        keyless: { ...mitr, identity: 'someone@redhat.com' },
        ignoreTlog: false,
      });
      expect(other.verified).toBe(0);
      expect(other.reasons[0]).toContain('"mitr@redhat.com", expected someone@redhat.com');
      const issuer = await verdict('dir-img-cosign-fulcio-rekor-valid', [], {
        keyless: { ...mitr, issuer: 'https://accounts.google.com' },
        ignoreTlog: false,
      });
      expect(issuer.verified).toBe(0);
      const unanchored = await verdict('dir-img-cosign-fulcio-rekor-valid', [], {
        keyless: { identityRegexp: 'mitr@redhat', issuer: mitr.issuer },
        ignoreTlog: false,
      });
      expect(unanchored.verified).toBe(0);
    });

    test('... and with --insecure-ignore-tlog it fails: the 10-minute certificate is not valid now', async () => {
      const r = await verdict('dir-img-cosign-fulcio-rekor-valid', [], { keyless: mitr, ignoreTlog: true });
      expect(r.verified).toBe(0);
      expect(r.reasons[0]).toContain('does not chain');
    });

    test('dir-img-cosign-pki-valid passes with the private CA (no log, no SCT) for qiwan@redhat.com', async () => {
      const r = await verdict('dir-img-cosign-pki-valid', [], {
        keyless: { identity: 'qiwan@redhat.com', issuerRegexp: '.*' },
        ca: true,
      });
      expect(r).toMatchObject({ found: 1, verified: 1 });
      const other = await verdict('dir-img-cosign-pki-valid', [], {
        keyless: { identity: 'mitr@redhat.com', issuerRegexp: '.*' },
        ca: true,
      });
      expect(other.verified).toBe(0);
      const publicGood = await verdict('dir-img-cosign-pki-valid', [], {
        keyless: { identity: 'qiwan@redhat.com', issuerRegexp: '.*' },
      });
      expect(publicGood.verified).toBe(0);
    });
  });
});
