/**
 * DSSE envelope and Sigstore bundle readers: in-toto statements, PAE, base64 payload spans, Rekor
 * bundle annotations, legacy layers and bundles as verified. Oracles: JSON.parse and zod for
 * statements, @sigstore/core for PAE, Buffer for base64, @sigstore/bundle's bundleFromJSON for bundles.
 */
import { bundleFromJSON } from '@sigstore/bundle';
import { dsse } from '@sigstore/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { DsseAttestationLayer, SigstoreBundleArtifact } from '../../src/discovery/types.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { parsePublicKey } from '../../src/trust/keys.js';
import { embeddedPublicGoodRoot } from '../../src/trust/roots.js';
import { decodeBase64Span, verifyAttestation } from '../../src/verify/attestations.js';
import { verifyBundleJson } from '../../src/verify/bundle-verify.js';
import { allocatePayloadAfterHeader, preAuthEncoding } from '../../src/verify/dsse-pae.js';
import {
  parseRekorBundle,
  simpleSigningToBundle,
  tlogEntryFromRekorBundle,
} from '../../src/verify/legacy-bundle.js';
import { MAX_STATEMENT_DEPTH, parseStatement, statementSchema } from '../../src/verify/statement.js';
import { KeyVerifiers } from '../../src/verify/verify-signatures.js';
import { dsseEnvelope } from '../support/cosign-att.js';
import {
  dsseBundle,
  fakeLog,
  generateKey,
  rekorBundleFor,
  signBytes,
  statementFor,
} from '../support/signing.js';
import { anyString, bounded, bytesNear, fuzz, jsonishText, mutated } from './harness.js';

const DIGEST = sha256Digest('fuzzed image') as Digest;
const key = generateKey('p256');
const log = fakeLog(key);
const root = embeddedPublicGoodRoot();
const publicKey = parsePublicKey(key.pem, 'key.pub');
const verifiers = new KeyVerifiers({
  keys: [publicKey],
  trustRoot: root,
  ignoreTlog: true,
  requireDockerReference: false,
});
const origin = { via: 'fuzz', manifest: DIGEST, layer: DIGEST };

const statementSeed = JSON.parse(
  statementFor(DIGEST, 'https://slsa.dev/provenance/v1', { builder: { id: 'x' }, list: [1, 2] }).toString(),
);
const statements = bytesNear(jsonishText(mutated(statementSeed)));

function jsonOf(b: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(Buffer.from(b).toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

const envelopeSeed = JSON.parse(dsseEnvelope(key, statementFor(DIGEST, 'https://x')).toString());
const bundleSeed = JSON.parse(dsseBundle(key, statementFor(DIGEST, 'https://x')).toString());
const payload = Buffer.from('{"critical":{}}');
const sig = signBytes(key, payload);
const rekorSeed = JSON.parse(
  rekorBundleFor(log, { payload, signature: sig, signer: key, logIndex: 7, integratedTime: 1_700_000_000 }),
);

describe('fuzz: DSSE envelopes and statements', () => {
  test('parseStatement never throws; it accepts exactly what JSON.parse and the schema accept', () => {
    fuzz('statement parseStatement', [statements], (b) => {
      const r = bounded(() => parseStatement(b));
      if (!('value' in r)) throw new Error('parseStatement threw a TrustgateError; it returns reasons');
      const o = jsonOf(b);
      if (!o.ok) expect(r.value.ok).toBe(false);
      else if (r.value.ok) expect(r.value.statement).toEqual(statementSchema.parse(o.value));
      else if (!/levels deep/.test(r.value.reason))
        expect(statementSchema.safeParse(o.value).success).toBe(false);
    });
  });

  test('parseStatement on payloads over 1 MB (scanned, not built): never throws, same verdict', () => {
    const pad = ' '.repeat(1024 * 1024);
    fuzz(
      'statement parseStatement (large)',
      [statements],
      (b) => {
        const text = Buffer.from(b).toString('utf8');
        const i = text.lastIndexOf('}');
        const big = Buffer.from(i < 0 ? text + pad : `${text.slice(0, i)}${pad}${text.slice(i)}`);
        const r = bounded(() => parseStatement(big));
        if (!('value' in r)) throw new Error('parseStatement threw');
        if (!jsonOf(big).ok) expect(r.value.ok).toBe(false);
      },
      0.1,
    );
  });

  test('preAuthEncoding is byte for byte @sigstore/core, whether or not the payload sits after its header', () => {
    fuzz(
      'dsse-pae preAuthEncoding',
      [anyString(40), fc.uint8Array({ maxLength: 300 }), fc.boolean(), anyString(40)],
      (type, bytes, laidOut, otherType) => {
        const p = laidOut ? allocatePayloadAfterHeader(type, bytes.length) : Buffer.from(bytes);
        p.set(bytes);
        const expected = dsse.preAuthEncoding(otherType, Buffer.from(bytes));
        const r = bounded(() => preAuthEncoding(otherType, p));
        expect(r).toEqual({ value: expected });
      },
    );
  });

  test('decodeBase64Span decodes what Buffer decodes from the same characters', () => {
    const b64 = fc.oneof(
      fc.uint8Array({ maxLength: 200_000 }).map((b) => Buffer.from(b).toString('base64')),
      fc.stringMatching(/^[A-Za-z0-9+/=\-_ \n]{0,300}$/),
    );
    fuzz('attestations decodeBase64Span', [b64, fc.option(anyString(20))], (s, type) => {
      const doc = Buffer.from(`{"payload":"${s}"}`);
      const r = bounded(() => decodeBase64Span(doc, 12, 12 + s.length, type ?? undefined));
      expect('value' in r && Buffer.from(r.value).equals(Buffer.from(s, 'base64'))).toBe(true);
    });
  });
});

describe('fuzz: bundle readers', () => {
  const rekorTexts = jsonishText(mutated(rekorSeed));

  test('Rekor bundle annotations: parsed, turned into a tlog entry and a bundle, or refused with a code', () => {
    fuzz(
      'legacy-bundle parseRekorBundle',
      [rekorTexts, fc.boolean(), anyString(20)],
      (text, ignoreTlog, cert) => {
        bounded(() => tlogEntryFromRekorBundle(parseRekorBundle(text)));
        const ss = { format: 'simplesigning' as const, origin, payload, signature: sig, rekorBundle: text };
        bounded(() => simpleSigningToBundle(ss, { ignoreTlog }));
        bounded(() => simpleSigningToBundle({ ...ss, certificate: cert }, { ignoreTlog, certificate: true }));
      },
    );
  });

  const bundles = fc.oneof(
    mutated(bundleSeed),
    jsonishText(mutated(bundleSeed)).map((t) => {
      const o = jsonOf(Buffer.from(t));
      return o.ok ? o.value : t;
    }),
  );

  test('verifyBundleJson never throws, and refuses whatever bundleFromJSON refuses', () => {
    fuzz('bundle-verify verifyBundleJson', [bundles], (json) => {
      const r = bounded(() => verifyBundleJson(json, { bytes: payload }, { key: publicKey }, root));
      if (!('value' in r)) throw new Error('verifyBundleJson threw; it returns reasons');
      let parses = true;
      try {
        bundleFromJSON(json);
      } catch {
        parses = false;
      }
      if (!parses) expect(r.value.ok).toBe(false);
    });
  });

  const items = fc.oneof(
    bytesNear(jsonishText(mutated(envelopeSeed))).map(
      (bytes): DsseAttestationLayer => ({ format: 'dsse-layer', origin, bytes }),
    ),
    bytesNear(jsonishText(mutated(bundleSeed))).map(
      (bytes): SigstoreBundleArtifact => ({ format: 'sigstore-bundle', origin, bytes }),
    ),
  );

  test('verifyAttestation (legacy layers and bundles) never throws; what verifies is a bundle and a statement', () => {
    fuzz('attestations verifyAttestation', [items], (item) => {
      const r = bounded(() => verifyAttestation(item, DIGEST, verifiers));
      if (!('value' in r)) throw new Error('verifyAttestation threw; it returns reasons');
      if (!r.value.verified) {
        expect(r.value.reason).toBeTruthy();
        return;
      }
      expect(parseStatement(r.value.payload!).ok).toBe(true);
      if (item.format === 'sigstore-bundle')
        expect(() => bundleFromJSON(JSON.parse(Buffer.from(item.bytes).toString()))).not.toThrow();
    });
  });

  test('verifyAttestation on bundles and layers over 1 MB (payload decoded from its span): never throws', () => {
    const pad = ' '.repeat(1024 * 1024);
    fuzz(
      'attestations verifyAttestation (large)',
      [items],
      (item) => {
        const text = Buffer.from(item.bytes).toString('latin1');
        const bytes = Buffer.from(text.replace('{', `{${pad}`), 'latin1');
        const r = bounded(() => verifyAttestation({ ...item, bytes }, DIGEST, verifiers));
        if (!('value' in r)) throw new Error('verifyAttestation threw; it returns reasons');
        if (r.value.verified) expect(parseStatement(r.value.payload!).ok).toBe(true);
      },
      0.1,
    );
  });

  test('the depth limit holds for statements inside envelopes', () => {
    const deep = Buffer.from(
      `{"_type":"t","subject":[],"predicateType":"p","predicate":${'['.repeat(MAX_STATEMENT_DEPTH)}${']'.repeat(MAX_STATEMENT_DEPTH)}}`,
    );
    const item: DsseAttestationLayer = { format: 'dsse-layer', origin, bytes: dsseEnvelope(key, deep) };
    expect(verifyAttestation(item, DIGEST, verifiers).reason).toContain(`more than ${MAX_STATEMENT_DEPTH}`);
  });
});
