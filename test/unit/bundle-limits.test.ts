/**
 * Counts a bundle may carry, and the depth of a simple-signing payload: both refused with the limit
 * named, before sigstore-js or an output writer walks them.
 */
import { describe, expect, test } from 'vitest';
import { discover } from '../../src/discovery/discover.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { parsePublicKey } from '../../src/trust/keys.js';
import { embeddedPublicGoodRoot } from '../../src/trust/roots.js';
import { BUNDLE_LIMITS } from '../../src/verify/bundle-checks.js';
import { MAX_PAYLOAD_DEPTH } from '../../src/verify/simple-signing.js';
import { KeyVerifiers, verifySignatures } from '../../src/verify/verify-signatures.js';
import { addSigManifest } from '../support/cosign-sig.js';
import { addBundleReferrer, MemorySource } from '../support/memory-source.js';
import {
  COSIGN_SIGN_V1,
  dsseBundle,
  generateKey,
  signBytes,
  simpleSigningAnnotations,
  statementFor,
} from '../support/signing.js';

const DIGEST = sha256Digest('the image manifest') as Digest;
const REPO = 'registry.example/team/app';
const key = generateKey('p256');
const keyVerifiers = (ignoreTlog: boolean) =>
  new KeyVerifiers({
    keys: [parsePublicKey(key.pem, 'key.pub')],
    trustRoot: embeddedPublicGoodRoot(),
    ignoreTlog,
    requireDockerReference: false,
  });

async function verdictsOf(src: MemorySource, verifiers = keyVerifiers(true)) {
  const r = await verifySignatures(
    await discover(src, DIGEST),
    { digest: DIGEST, repository: REPO },
    verifiers,
  );
  return r.verdicts;
}

/** A valid key-signed sign bundle, with `n` copies of a log entry added. */
function bundleWithEntries(n: number): Buffer {
  const b = JSON.parse(dsseBundle(key, statementFor(DIGEST, COSIGN_SIGN_V1)).toString());
  const entry = {
    logIndex: '1',
    logId: { keyId: 'AA==' },
    kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
    integratedTime: '1',
    canonicalizedBody: 'e30=',
    inclusionPromise: { signedEntryTimestamp: 'AA==' },
    inclusionProof: {
      logIndex: '1',
      rootHash: 'AA==',
      treeSize: '2',
      hashes: [],
      checkpoint: { envelope: 'x' },
    },
  };
  b.verificationMaterial.tlogEntries = Array.from({ length: n }, () => entry);
  return Buffer.from(JSON.stringify(b));
}

describe('bundle counts (sigstore-go GHSA-cq38-jh5f-37mq)', () => {
  // The log is required here: with --insecure-ignore-tlog the entries are dropped unread.
  test('a bundle with more log entries than the limit is refused, naming the limit', async () => {
    const src = new MemorySource();
    addBundleReferrer(src, DIGEST, bundleWithEntries(BUNDLE_LIMITS.tlogEntries + 1));
    const [v] = await verdictsOf(src, keyVerifiers(false));
    expect(v).toMatchObject({ verified: false });
    expect(v!.reason).toContain(`at most ${BUNDLE_LIMITS.tlogEntries} are accepted`);
  });

  test('at the limit, the entries are checked (and these fake ones fail on their own merits)', async () => {
    const src = new MemorySource();
    addBundleReferrer(src, DIGEST, bundleWithEntries(BUNDLE_LIMITS.tlogEntries));
    const [v] = await verdictsOf(src, keyVerifiers(false));
    expect(v).toMatchObject({ verified: false });
    expect(v!.reason).not.toContain('are accepted');
  });
});

describe('simple-signing payload depth', () => {
  function deepPayload(depth: number): Buffer {
    const optional = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return Buffer.from(
      `{"critical":{"identity":{"docker-reference":"${REPO}"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":${optional}}`,
    );
  }
  function sourceFor(payload: Buffer) {
    const src = new MemorySource();
    addSigManifest(src, DIGEST, [
      { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) },
    ]);
    return src;
  }

  test('a signed payload whose optional section nests 300,000 deep is refused, naming the limit', async () => {
    const [v] = await verdictsOf(sourceFor(deepPayload(300_000)));
    expect(v).toMatchObject({ verified: false });
    expect(v!.reason).toContain(`more than ${MAX_PAYLOAD_DEPTH} levels deep`);
  });

  test('a shallow optional section verifies and can be serialised', async () => {
    const [v] = await verdictsOf(sourceFor(deepPayload(10)));
    expect(v).toMatchObject({ verified: true });
    expect(() => JSON.stringify(v)).not.toThrow();
  });
});
