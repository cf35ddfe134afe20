/**
 * The run layer's verify, verify-attestation and extract (run/*.ts) on the demo layout (no network):
 * they use the Source and Trust they are given, never close a caller's Source, and give what the
 * option-bag adapters (verifyImages, verifyImageAttestations) give.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import * as extractOutput from '../../src/output/extract.js';
import type { RunContext, Source } from '../../src/run/context.js';
import { runExtract } from '../../src/run/extract.js';
import { resolveImages } from '../../src/run/resolve.js';
import { runVerify } from '../../src/run/verify.js';
import { runVerifyAttestations } from '../../src/run/verify-attestations.js';
import { verifyImageAttestations } from '../../src/run/verify-attestations-image.js';
import { verifyImages } from '../../src/run/verify-image.js';
import { buildTrust, type Trust } from '../../src/verify/trust.js';

vi.mock('../../src/output/extract.js', async (original) => {
  const real = await original<typeof import('../../src/output/extract.js')>();
  return { ...real, readUnsignedAttachment: vi.fn(real.readUnsignedAttachment) };
});

const DEMO = 'oci:fixtures/demo';
const ORAS = 'application/aa.trivy.sbom';
const KEY = 'fixtures/trust/cosign.pub';
const ROOT = 'fixtures/trust/trusted_root.json';
const client = new RegistryClient({});
afterAll(() => client.close());

/** A caller's Source: close() is counted, never expected. */
function callerSource(): Source & { closed: number } {
  const s = {
    client,
    closed: 0,
    close: async () => {
      s.closed++;
    },
  };
  return s;
}

async function demoTrust(): Promise<Trust> {
  return buildTrust({ keys: [KEY], root: { trustedRoot: ROOT } });
}

describe('runVerify', () => {
  test('verifies with the given trust and Source, leaves the Source open, and equals verifyImages', async () => {
    const source = callerSource();
    const run = await runVerify([DEMO], await demoTrust(), { source, limits: {} });
    expect(source.closed).toBe(0);
    expect(run.images[0]).toMatchObject({ verdict: 'verified', stoppedEarly: false });
    expect(run.exitCode).toBe(0);
    const before = await verifyImages([DEMO], { keys: [KEY], trustedRoot: ROOT, client });
    expect(run).toEqual(before);
  });

  test('a signature repository with a tag is a usage error naming the flag', async () => {
    const source = callerSource();
    const err = await runVerify(
      [DEMO],
      await demoTrust(),
      { source, limits: {} },
      {
        signatureRepository: 'registry.example/sigs:v1',
      },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'USAGE' });
    expect(String((err as Error).message)).toContain(
      '--signature-repository registry.example/sigs:v1 must be',
    );
  });

  test('--fail-fast from the context: the second image is skipped after the first fails', async () => {
    const trust = await buildTrust({ identity: { identity: 'nobody', issuer: 'https://nowhere' } });
    const ctx: RunContext = {
      source: callerSource(),
      limits: { imageConcurrency: 1 },
      batch: { failFast: true },
    };
    const run = await runVerify([DEMO, `${DEMO}:multi`], trust, ctx);
    expect(run.images[0]?.verdict).not.toBe('verified');
    expect(run.images[1]?.error?.code).toBe('SKIPPED');
  });
});

describe('runVerifyAttestations', () => {
  test('keeps the asked-for type and equals verifyImageAttestations', async () => {
    const source = callerSource();
    const run = await runVerifyAttestations(
      [DEMO],
      await demoTrust(),
      { source, limits: {} },
      { type: 'cyclonedx' },
    );
    expect(source.closed).toBe(0);
    expect(run.predicateType).toBe('https://cyclonedx.org/bom');
    expect(run.images[0]?.verdict).toBe('verified');
    const before = await verifyImageAttestations([DEMO], {
      keys: [KEY],
      trustedRoot: ROOT,
      client,
      type: 'cyclonedx',
    });
    expect(run).toEqual(before);
  });
});

describe('runExtract', () => {
  const single = { kind: 'single' as const };

  test('verified: the predicate slice of the verified statement, hashed', async () => {
    const r = await runExtract(
      DEMO,
      await demoTrust(),
      { source: callerSource(), limits: {} },
      {
        type: 'cyclonedx',
        selection: single,
        predicateOnly: true,
      },
    );
    expect(r.kind).toBe('verified');
    expect(r.items).toHaveLength(1);
    const item = r.items[0]!;
    expect(item.verified).toBe(true);
    expect(item.sha256).toBe(`sha256:${createHash('sha256').update(item.bytes).digest('hex')}`);
    expect(JSON.parse(Buffer.from(item.bytes).toString('utf8'))).toHaveProperty('bomFormat');
  });

  test('an unsigned attachment is failed unless allowed, and then read through the run Source', async () => {
    const read = vi.mocked(extractOutput.readUnsignedAttachment);
    read.mockClear();
    const source = callerSource();
    const ctx: RunContext = { source, limits: { discovery: { maxPayloadBytes: 4096 } } };
    const job = { type: ORAS, selection: single };
    const refused = await runExtract(DEMO, await demoTrust(), ctx, job);
    expect(refused.kind).toBe('failed');
    expect(refused.run.images[0]?.verdict).toBe('no-signatures');
    expect(read).not.toHaveBeenCalled();
    const allowed = await runExtract(DEMO, await demoTrust(), ctx, { ...job, allowUnverified: true });
    if (allowed.kind !== 'unverified') throw new Error(`expected unverified, got ${allowed.kind}`);
    expect(JSON.parse(Buffer.from(allowed.attachment.bytes).toString('utf8')).metadata).toEqual({
      tool: 'trivy',
    });
    expect(allowed.items).toEqual([]);
    expect(read).toHaveBeenCalledTimes(1);
    expect(read.mock.calls[0]?.[2]).toEqual({ client: source.client, maxBytes: 4096 });
    expect(source.closed).toBe(0);
  });
});

describe('clients opened through withSource', () => {
  test('verifyImages closes the client it opened even when the signature repository is refused', async () => {
    const close = vi.spyOn(RegistryClient.prototype, 'close');
    try {
      const err = await verifyImages([DEMO], {
        keys: [KEY],
        trustedRoot: ROOT,
        signatureRepository: 'oci:fixtures/demo',
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'USAGE' });
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      close.mockRestore();
    }
  });

  test("resolveImages closes its own client, never the caller's", async () => {
    const close = vi.spyOn(RegistryClient.prototype, 'close');
    try {
      const own = await resolveImages([DEMO]);
      expect(own[0]?.ok).toBe(true);
      expect(close).toHaveBeenCalledTimes(1);
      close.mockClear();
      const given = await resolveImages([DEMO], { client });
      expect(given[0]?.image?.digest).toBe(own[0]?.image?.digest);
      expect(close).not.toHaveBeenCalled();
    } finally {
      close.mockRestore();
    }
  });
});
