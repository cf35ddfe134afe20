/** The pure half of policy gathering: naming, signature identities, re-verification as discovery grows. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Discovery, SimpleSigningSignature } from '../../src/discovery/types.js';
import { namingOf, signatureIds, verifierOf, verifyEvidence } from '../../src/policy/evidence-verify.js';
import { parseReference } from '../../src/reference/parse.js';
import { parsePublicKey } from '../../src/trust/keys.js';
import { embeddedPublicGoodRoot } from '../../src/trust/roots.js';
import { KeyVerifiers } from '../../src/verify/verify-signatures.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as const;
const sig = (layer: string, signature: string): SimpleSigningSignature => ({
  format: 'simplesigning',
  origin: { via: 'tag:x.sig', manifest: D('m'), layer: D(layer) },
  payload: new TextEncoder().encode('{}'),
  signature,
});
const discovery = (simpleSigning: SimpleSigningSignature[] = []): Discovery => ({
  digest: D('a'),
  simpleSigning,
  bundles: [],
  dsseLayers: [],
  unsigned: [],
  searched: [],
});

describe('namingOf', () => {
  test('a registry tag reference is named by its normalised repository and keeps its tag', () => {
    expect(namingOf('nginx:1', parseReference('nginx:1'), undefined)).toMatchObject({
      reference: 'nginx:1',
      name: 'docker.io/library/nginx',
      registry: 'docker.io',
      givenBy: 'tag',
      tag: '1',
    });
  });

  test('a digest reference is given by digest and carries no tag', () => {
    const r = `ghcr.io/o/i:t@${D('b')}`;
    const n = namingOf(r, parseReference(r), undefined);
    expect(n).toMatchObject({ name: 'ghcr.io/o/i', givenBy: 'digest' });
    expect(n.tag).toBeUndefined();
  });

  test('a layout takes imageName when given, else oci:PATH; an unparsed reference is its own name', () => {
    const ref = parseReference('oci:/tmp/l');
    expect(namingOf('oci:/tmp/l', ref, undefined)).toMatchObject({ name: 'oci:/tmp/l', registry: 'oci' });
    expect(namingOf('oci:/tmp/l', ref, { name: 'r.example/a', registry: 'r.example' })).toMatchObject({
      name: 'r.example/a',
      registry: 'r.example',
    });
    expect(namingOf('bad ref', undefined, undefined)).toMatchObject({ name: 'bad ref', registry: '' });
  });
});

describe('signatureIds', () => {
  test('one payload signed twice gets two identities; a bundle is named by its layer', () => {
    const a = sig('c', 'AAAA');
    const b = sig('c', 'BBBB');
    const found = discovery([a, b]);
    const bundle = { origin: { via: 'referrers-api', manifest: D('m'), layer: D('e') } };
    found.bundles.push(bundle as Discovery['bundles'][number]);
    const ids = signatureIds(found);
    expect(ids.get(a.origin)).toMatch(/^simplesigning [0-9a-f]{64}$/);
    expect(ids.get(a.origin)).not.toBe(ids.get(b.origin));
    expect(ids.get(bundle.origin)).toBe(`bundle ${D('e')}`);
  });
});

describe('verifierOf', () => {
  test('verifies again only when the discovery grew or is another object', () => {
    let calls = 0;
    const verify = verifierOf(() => {
      calls++;
      return { signatures: [], attestations: [], rejections: {}, signers: [] };
    });
    const found = discovery();
    verify(found);
    verify(found);
    expect(calls).toBe(1);
    found.simpleSigning.push(sig('c', 'AAAA'));
    verify(found);
    expect(calls).toBe(2);
    verify(discovery());
    expect(calls).toBe(3);
  });
});

describe('verifyEvidence', () => {
  test('a signature no key verifies is a rejection under its authority, not a signature', () => {
    const key = parsePublicKey(readFileSync('fixtures/trust/cosign.pub', 'utf8'), 'cosign.pub');
    const v = new KeyVerifiers({
      trustRoot: embeddedPublicGoodRoot(),
      ignoreTlog: true,
      requireDockerReference: false,
      keys: [key],
    });
    const out = verifyEvidence(
      discovery([sig('c', 'AAAA')]),
      { digest: D('a'), repository: '' },
      { byAuthority: new Map([['team', v]]), anySigner: [] },
    );
    expect(out.signatures).toEqual([]);
    expect(out.signers).toEqual([]);
    expect(out.rejections.team?.length).toBeGreaterThan(0);
  });
});
