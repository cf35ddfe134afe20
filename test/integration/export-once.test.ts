/**
 * `export --policy` resolves and discovers the image once: the policy is decided on the export's own
 * discovery, so adding a policy adds no registry request, and the decision is the one
 * `verify --policy` (evaluateImages) makes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import type { PolicyDecision } from '../../src/policy/evaluate/index.js';
import { evaluateImages } from '../../src/run/evaluate.js';
import { exportEvidence } from '../../src/run/export-evidence.js';
import { simpleSigningPayload } from '../support/cosign-sig.js';
import { buildImage } from '../support/image-builder.js';
import { pushImage, pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { generateKey, signBytes, simpleSigningAnnotations } from '../support/signing.js';

const work = mkdtempSync(join(tmpdir(), 'tg-export-once-'));
const key = generateKey('p256');
const keyFile = join(work, 'key.pub');
const policy = join(work, 'policy.yaml');
const now = new Date('2026-06-01T00:00:00Z');
let reg: RunningRegistry;
let signed: string;
let unsigned: string;

beforeAll(async () => {
  reg = await startRegistry();
  writeFileSync(keyFile, key.pem);
  writeFileSync(
    policy,
    `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: export-once }
noMatch: deny
authorities:
  team:
    keys: [{ file: key.pub }]
    ignoreTlog: true
rules:
  - name: all
    images: ["${reg.host}/once/**"]
    signatures: { anyOf: [team] }
`,
  );
  const client = new RegistryClient();
  const img = buildImage({ seed: 'export-once' });
  await pushImage(client, reg.host, 'once/app', img, 'v1');
  const payload = simpleSigningPayload(img.manifest.digest, `${reg.host}/once/app`);
  await pushSig(client, reg.host, 'once/app', img.manifest.digest, [
    { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) },
  ]);
  await pushImage(client, reg.host, 'once/bare', buildImage({ seed: 'export-once-bare' }), 'v1');
  await client.close();
  signed = `${reg.host}/once/app:v1`;
  unsigned = `${reg.host}/once/bare:v1`;
}, 30_000);
afterAll(async () => reg?.stop());

let n = 0;
async function exportWith(ref: string, withPolicy: boolean) {
  const client = new RegistryClient();
  try {
    const r = await exportEvidence(ref, {
      keys: [keyFile],
      ignoreTlog: true,
      client,
      dir: join(work, `out-${n++}`),
      now,
      ...(withPolicy ? { policy } : {}),
    });
    return {
      r,
      requests: client.transport.counters.requests,
      byMethod: { ...client.transport.counters.byMethod },
    };
  } finally {
    await client.close();
  }
}

/** evaluateImages may leave attachments unread; the decision itself must be the same. */
const verdict = ({ unread: _unread, ...d }: PolicyDecision) => d;

describe('export --policy reads the registry once', () => {
  test('adding a policy adds no registry request (no second resolve, no second discovery)', async () => {
    const plain = await exportWith(signed, false);
    const policed = await exportWith(signed, true);
    expect(plain.r.decision).toBeUndefined();
    expect(policed.r.decision).toMatchObject({ decision: 'allow' });
    expect(plain.requests).toBeGreaterThan(0);
    expect(policed.requests).toBe(plain.requests);
    expect(policed.byMethod).toEqual(plain.byMethod);
  });

  test.each([
    ['a signed image (allow)', () => signed, 'allow'],
    ['an unsigned image (deny)', () => unsigned, 'deny'],
  ])('%s: the decision is the one verify --policy makes', async (_name, ref, expected) => {
    const { r } = await exportWith(ref(), true);
    const client = new RegistryClient();
    try {
      const run = await evaluateImages([ref()], { policy, client, effectiveTime: now });
      expect(r.decision?.decision).toBe(expected);
      expect(verdict(r.decision!)).toEqual(verdict(run.decisions[0]!));
    } finally {
      await client.close();
    }
  });
});
