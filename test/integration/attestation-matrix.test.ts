/**
 * Every attestation type the tool names, in both formats (legacy `.att` layer and Sigstore bundle
 * referrer), signed with a key and keyless, all logged: each verifies, is found by its `--type`
 * shorthand, and extracts (`--predicate-only`) to exactly the predicate bytes the builder signed.
 * The negative side per cell: the other signer's trust material refuses it.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { discover } from '../../src/discovery/discover.js';
import { CosignAnnotation } from '../../src/discovery/media-types.js';
import { payloadBytes } from '../../src/output/extract.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { identityPolicy } from '../../src/trust/identity.js';
import { parsePublicKey } from '../../src/trust/keys.js';
import { type LoadedTrustRoot, trustedRootFromJson } from '../../src/trust/roots.js';
import { predicateTypeFor, verifyAttestations } from '../../src/verify/attestations.js';
import {
  KeylessVerifiers,
  KeyVerifiers,
  type SignatureVerifiers,
} from '../../src/verify/verify-signatures.js';
import { statementEmbedding } from '../support/attest-builder.js';
import { attLayer } from '../support/cosign-att.js';
import { addSigManifest, type SigLayer } from '../support/cosign-sig.js';
import { type KeylessWorld, keylessWorld } from '../support/keyless.js';
import { addBundleReferrer, MemorySource } from '../support/memory-source.js';
import { predicateSamples } from '../support/predicates.js';
import { generateKey } from '../support/signing.js';

const DIGEST = sha256Digest('attestation matrix image') as Digest;
const WHO = {
  san: 'https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.2.3',
  issuer: 'https://token.actions.githubusercontent.com',
};
const samples = predicateSamples(DIGEST);
const key = generateKey('p256');

type Signing = 'key' | 'keyless';
let world: KeylessWorld;
const sources = new Map<Signing, MemorySource>();
/** One log for both signings (the trusted root names it); the CA matters only to keyless. */
let root: LoadedTrustRoot;

/** An image carrying every sample twice: as a legacy `.att` layer and as a bundle referrer. */
async function buildImage(signing: Signing): Promise<MemorySource> {
  const src = new MemorySource();
  const layers: SigLayer[] = [];
  const signer = signing === 'key' ? key : WHO;
  for (const s of samples) {
    const statement = statementEmbedding(DIGEST, s.predicateType, s.predicate);
    const signed = await world.signLegacyAttestation(statement, signer);
    layers.push(
      attLayer(signed.envelope, s.predicateType, {
        ...(signed.certificate
          ? { [CosignAnnotation.CERTIFICATE]: signed.certificate, [CosignAnnotation.CHAIN]: signed.chain! }
          : {}),
        [CosignAnnotation.BUNDLE]: signed.rekorBundle,
      }),
    );
    addBundleReferrer(src, DIGEST, await world.signBundle(statement, signer), {
      [CosignAnnotation.BUNDLE_PREDICATE_TYPE]: s.predicateType,
    });
  }
  addSigManifest(src, DIGEST, layers, '.att');
  return src;
}

function verifiers(signing: Signing): SignatureVerifiers {
  if (signing === 'key') {
    return new KeyVerifiers({
      keys: [parsePublicKey(key.pem, 'matrix.pub')],
      trustRoot: root,
      ignoreTlog: false,
      requireDockerReference: false,
    });
  }
  return new KeylessVerifiers({
    identity: identityPolicy({ identity: WHO.san, issuer: WHO.issuer }),
    trustRoot: root,
    ignoreTlog: false,
    ignoreSct: false,
    requireDockerReference: false,
  });
}

beforeAll(async () => {
  world = await keylessWorld();
  root = trustedRootFromJson(world.trustedRootJson, 'matrix root');
  sources.set('key', await buildImage('key'));
  sources.set('keyless', await buildImage('keyless'));
});

describe.each(['key', 'keyless'] as const)('every attestation type, signed %s', (signing) => {
  test.each(
    samples.map((s) => [s.type, s] as const),
  )('%s: verifies in each format and extracts the exact predicate', async (type, s) => {
    const d = await discover(sources.get(signing)!, DIGEST, { attestations: true });
    const found = verifyAttestations(d, verifiers(signing), predicateTypeFor(type));
    expect(found.map((v) => v.format).sort()).toEqual(['dsse-layer', 'sigstore-bundle']);
    for (const v of found) {
      expect(v, `${v.format}: ${v.reason}`).toMatchObject({ verified: true, predicateType: s.predicateType });
      expect(v.tlog).toBeDefined();
      expect(Buffer.from(payloadBytes(v, true)).equals(s.predicate.subarray(0, s.predicate.length - 1))).toBe(
        true,
      );
    }
  });

  test('the other signer’s trust material refuses every one of them', async () => {
    const other = signing === 'key' ? 'keyless' : 'key';
    const d = await discover(sources.get(signing)!, DIGEST, { attestations: true });
    const all = verifyAttestations(d, verifiers(other));
    expect(all).toHaveLength(samples.length * 2);
    for (const v of all) expect(v.verified, `${v.predicateType} ${v.format}`).toBe(false);
  });
});
