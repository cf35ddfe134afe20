/**
 * cosign's output, byte for byte: Go's JSON encoding, the simple-signing array with what cosign adds
 * to `optional`, a bundle's envelope, the summary lines, the image name, and the -o names.
 */
import { Chalk } from 'chalk';
import { describe, expect, test } from 'vitest';
import { parseOutputs } from '../../src/cli/batch-output.js';
import type { Io } from '../../src/cli/output.js';
import { renderAttestationsCosign, renderVerifyCosign } from '../../src/cli/render/cosign.js';
import {
  cosignBundleEnvelope,
  cosignCertificateLines,
  cosignIgnoreTlogWarning,
  cosignImageName,
  cosignSummaryLines,
  cosignVerifyJson,
} from '../../src/output/cosign.js';
import { goJson, goJsonString, goStruct } from '../../src/output/go-json.js';
import type { VerifyRun } from '../../src/run/verify.js';
import type { AttestationRun } from '../../src/run/verify-attestations.js';
import { keylessWorld } from '../support/keyless.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const payload = (optional: Record<string, unknown> | null = null) => ({
  critical: {
    identity: { 'docker-reference': 'registry.example/app' },
    image: { 'docker-manifest-digest': DIGEST },
    type: 'cosign container image signature',
  },
  optional,
});
const CRITICAL = `{"critical":{"identity":{"docker-reference":"registry.example/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"}`;

function capture(): { io: Io; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const c = new Chalk({ level: 0 });
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), outChalk: c, errChalk: c }, out, err };
}

describe("Go's encoding/json", () => {
  test('escapes <, >, &, U+2028/9 and controls as Go does; keeps other text', () => {
    expect(goJsonString('<a&b>')).toBe('"\\u003ca\\u0026b\\u003e"');
    expect(goJsonString('\b\f\n\r\t\u0001"\\')).toBe('"\\b\\f\\n\\r\\t\\u0001\\"\\\\"');
    expect(goJsonString('\u2028\u2029é😀')).toBe('"\\u2028\\u2029é😀"');
    expect(goJsonString('\ud800x')).toBe('"\ufffdx"');
  });

  test('map keys sorted by their UTF-8 bytes, struct fields in order, no spaces', () => {
    expect(goJson({ b: 1, a: [true, null], B: { z: 0.5, y: -0 }, '\uffff': 1, '😀': 2 })).toBe(
      '{"B":{"y":-0,"z":0.5},"a":[true,null],"b":1,"\uffff":1,"😀":2}',
    );
    expect(
      goJson(
        goStruct([
          ['z', 1],
          ['a', 2],
        ]),
      ),
    ).toBe('{"z":1,"a":2}');
    expect(goJson(1e21)).toBe('1e+21');
    expect(goJson(1e-7)).toBe('1e-7');
  });
});

describe('cosign verify -o json', () => {
  test('a blank line, then the array; optional null when the payload has none', () => {
    expect(cosignVerifyJson([{ simpleSigning: payload() }], 'x')).toBe(`\n[${CRITICAL},"optional":null}]\n`);
  });

  test('annotations sorted and escaped; the Rekor bundle as its Go struct', () => {
    const rekorBundle = JSON.stringify({
      Payload: { logID: 'c0'.repeat(32), logIndex: 7, integratedTime: 1700000000, body: 'Ym9keQ==' },
      SignedEntryTimestamp: 'TUVVQ0lR',
      extra: 'dropped',
    });
    const line = cosignVerifyJson(
      [{ simpleSigning: payload({ z: '1', a: '<x>' }), attachment: { rekorBundle } }],
      'x',
    );
    expect(line).toBe(
      `\n[${CRITICAL},"optional":{"Bundle":{"SignedEntryTimestamp":"TUVVQ0lR","Payload":{"body":"Ym9keQ==","integratedTime":1700000000,"logIndex":7,"logID":"${'c0'.repeat(32)}"}},"a":"\\u003cx\\u003e","z":"1"}}]\n`,
    );
  });

  test("a certificate adds Subject, Issuer and cosign's v1 extension names beside their OIDs", async () => {
    const world = await keylessWorld();
    const signed = await world.signLegacy(Buffer.from('{}'), {
      san: 'https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1',
      issuer: 'https://token.actions.githubusercontent.com',
      claims: { '1.3.6.1.4.1.57264.1.2': 'push' },
    });
    const line = cosignVerifyJson(
      [{ simpleSigning: payload(), attachment: { certificate: signed.certificate } }],
      'x',
    );
    const optional = JSON.parse(line)[0].optional;
    expect(Object.keys(optional)).toEqual([
      '1.3.6.1.4.1.57264.1.1',
      '1.3.6.1.4.1.57264.1.2',
      'Issuer',
      'Subject',
      'githubWorkflowTrigger',
    ]);
    expect(optional).toMatchObject({
      Subject: 'https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1',
      Issuer: 'https://token.actions.githubusercontent.com',
      '1.3.6.1.4.1.57264.1.1': 'https://token.actions.githubusercontent.com',
      githubWorkflowTrigger: 'push',
    });
    expect(cosignCertificateLines(signed.certificate)).toEqual([
      'Certificate subject: https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1',
      'Certificate issuer URL: https://token.actions.githubusercontent.com',
      'GitHub Workflow Trigger: push',
    ]);
  });
});

describe('cosign verify-attestation', () => {
  test("a bundle's envelope: payload, payloadType, signatures[{sig, keyid}], empty fields left out", () => {
    const env = { payloadType: 'application/vnd.in-toto+json', payload: Buffer.from('{}') };
    expect(cosignBundleEnvelope({ ...env, signatures: [{ keyid: '', sig: 'c2ln' }] })).toBe(
      '{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"c2ln"}]}',
    );
    expect(cosignBundleEnvelope({ ...env, signatures: [{ keyid: 'k', sig: 'c2ln' }] })).toContain(
      '[{"sig":"c2ln","keyid":"k"}]',
    );
  });
});

describe("cosign's summary and names", () => {
  test('the check list follows what was verified', () => {
    const base = { claims: true, annotations: false, tlogVerifiedOffline: false, key: true, keyless: false };
    expect(cosignSummaryLines('r', base)).toEqual([
      '',
      'Verification for r --',
      'The following checks were performed on each of these signatures:',
      '  - The cosign claims were validated',
      '  - The signatures were verified against the specified public key',
    ]);
    expect(
      cosignSummaryLines('r', {
        ...base,
        annotations: true,
        tlogVerifiedOffline: true,
        key: false,
        keyless: true,
      }).slice(3),
    ).toEqual([
      '  - The specified annotations were verified.',
      '  - The cosign claims were validated',
      '  - Existence of the claims in the transparency log was verified offline',
      '  - The code-signing certificate was verified using trusted certificate authority certificates',
    ]);
    expect(cosignSummaryLines('r', { ...base, claims: false, annotations: true }).slice(3)).toEqual([
      '  - The signatures were verified against the specified public key',
    ]);
  });

  test("go-containerregistry's Name(): Docker Hub, latest, a digest drops the tag, layouts as given", () => {
    expect(cosignImageName('ubuntu')).toBe('index.docker.io/library/ubuntu:latest');
    expect(cosignImageName('docker.io/org/app:v1')).toBe('index.docker.io/org/app:v1');
    expect(cosignImageName(`ghcr.io/o/a:v1@${DIGEST}`)).toBe(`ghcr.io/o/a@${DIGEST}`);
    expect(cosignImageName('127.0.0.1:5000/app')).toBe('127.0.0.1:5000/app:latest');
    expect(cosignImageName('oci:fixtures/demo')).toBe('oci:fixtures/demo');
  });
});

describe('-o names', () => {
  test('json (cosign) is the default; each name is accepted; a fallback for policy runs', () => {
    expect(parseOutputs([])).toEqual([{ format: 'json' }]);
    expect(parseOutputs([], 'tree')).toEqual([{ format: 'tree' }]);
    for (const f of ['json', 'text', 'report', 'tree', 'sarif', 'junit', 'markdown'])
      expect(parseOutputs([f])).toEqual([{ format: f }]);
    expect(parseOutputs(['json', 'report=r.json', 'text=t.txt'])).toEqual([
      { format: 'json' },
      { format: 'report', file: 'r.json' },
      { format: 'text', file: 't.txt' },
    ]);
  });

  test('-o cosign is refused with where it went; unknown names and two stdout outputs too', () => {
    expect(() => parseOutputs(['cosign'])).toThrow(
      "-o cosign was renamed: cosign's JSON is -o json (the default)",
    );
    expect(() => parseOutputs(['cosign=x.json'])).toThrow('-o cosign was renamed');
    expect(() => parseOutputs(['yaml'])).toThrow('the format is one of json, text, report, tree');
    expect(() => parseOutputs(['json', 'report'])).toThrow('only one output can go to stdout');
    expect(() => parseOutputs(['report='])).toThrow('give a file after =');
  });
});

describe('renderers: stdout holds only the machine result', () => {
  const sig = {
    format: 'simplesigning' as const,
    origin: { via: 'tag:x.sig', manifest: DIGEST, layer: DIGEST },
    verified: true,
    warnings: [],
    simpleSigning: payload(),
    attachment: {
      format: 'simplesigning' as const,
      origin: { via: 'tag:x.sig', manifest: DIGEST, layer: DIGEST },
      payload: Buffer.from(`${CRITICAL},"optional":null}`),
      signature: 'c2ln',
    },
  };
  const image = (verdict: 'verified' | 'none-matched') => ({
    reference: 'registry.example/app:v1',
    digest: DIGEST,
    verdict,
    message: verdict === 'verified' ? '1 of 1 verified' : 'none verified with k.pub',
    signatures: verdict === 'verified' ? [sig] : [{ ...sig, verified: false, reason: 'wrong key' }],
    notSignatures: [],
    unsigned: [],
    searched: [],
    stoppedEarly: false,
  });
  const run = (ignoreTlog: boolean): VerifyRun =>
    ({
      trustRoot: 'r',
      keys: [],
      ignoreTlog,
      images: [image('verified'), image('none-matched')],
      exitCode: 12,
    }) as unknown as VerifyRun;

  test('json: the array on stdout; the warning, summary and the failure with its reason on stderr', () => {
    const { io, out, err } = capture();
    renderVerifyCosign(run(true), 'json', io);
    expect(out).toEqual([`\n[${CRITICAL},"optional":null}]`]);
    expect(err).toEqual([
      'WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.',
      '',
      'Verification for registry.example/app:v1 --',
      'The following checks were performed on each of these signatures:',
      '  - The cosign claims were validated',
      '  - The signatures were verified against the specified public key',
      'Error: registry.example/app:v1: none verified with k.pub',
      '  - simplesigning tag:x.sig: wrong key',
    ]);
  });

  test('text: the payload as signed, no leading blank line', () => {
    const { io, out } = capture();
    renderVerifyCosign(run(false), 'text', io);
    expect(out).toEqual([`${CRITICAL},"optional":null}`]);
  });

  test('verify-attestation: the layer as stored, one line each; nothing on stdout for a failure', () => {
    const layer = Buffer.from(
      '{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"c2ln"}]}',
    );
    const a = {
      format: 'dsse-layer' as const,
      origin: sig.origin,
      verified: true,
      warnings: [],
      signer: { key: 'sha256:k' },
      envelope: { payloadType: 'application/vnd.in-toto+json', payload: Buffer.from('{}'), signatures: [] },
      attachment: { format: 'dsse-layer' as const, origin: sig.origin, bytes: layer },
    };
    const attRun = {
      trustRoot: 'r',
      trust: 'k',
      images: [
        {
          reference: 'r1',
          verdict: 'verified',
          message: '',
          attestations: [a, a],
          unsigned: [],
          searched: [],
        },
        {
          reference: 'r2',
          verdict: 'no-signatures',
          message: 'none found',
          attestations: [],
          unsigned: [],
          searched: [],
        },
      ],
      exitCode: 10,
    } as unknown as AttestationRun;
    const { io, out, err } = capture();
    renderAttestationsCosign(attRun, io);
    expect(out).toEqual([layer.toString(), layer.toString()]);
    // The command prints the tlog warning once for every output (test/integration/new-user-edges.test.ts).
    expect(cosignIgnoreTlogWarning('attestation')).toContain('verification for the attestation.');
    expect(err.slice(0, 2)).toEqual(['', 'Verification for r1 --']);
    expect(err.at(-1)).toBe('Error: r2: none found');
  });
});
