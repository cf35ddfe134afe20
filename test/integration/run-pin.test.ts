/**
 * runPin called directly: it resolves and gates through the caller's source (and leaves it open), and
 * a policy gate pins only what the policy allows, naming the first failing check of the rest.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { loadPolicy } from '../../src/policy/load.js';
import { buildPolicyVerifiers } from '../../src/policy/policy-trust.js';
import { runPin } from '../../src/run/pin.js';
import { sourceFrom } from '../../src/run/source.js';
import { simpleSigningPayload } from '../support/cosign-sig.js';
import { buildImage } from '../support/image-builder.js';
import { pushImage, pushSig } from '../support/push.js';
import { type RunningRegistry, startRegistry } from '../support/registry.js';
import { generateKey, signBytes, simpleSigningAnnotations } from '../support/signing.js';

const key = generateKey('p256');
const dir = mkdtempSync(join(tmpdir(), 'tg-run-pin-'));
let reg: RunningRegistry;
let signed: string;
let unsigned: string;

beforeAll(async () => {
  reg = await startRegistry();
  const client = new RegistryClient();
  const a = buildImage({ seed: 'run-pin-signed' });
  await pushImage(client, reg.host, 'pin/signed', a, 'v1');
  const payload = simpleSigningPayload(a.manifest.digest, `${reg.host}/pin/signed`);
  await pushSig(client, reg.host, 'pin/signed', a.manifest.digest, [
    { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) },
  ]);
  await pushImage(client, reg.host, 'pin/unsigned', buildImage({ seed: 'run-pin-unsigned' }), 'v1');
  await client.close();
  signed = `${reg.host}/pin/signed:v1`;
  unsigned = `${reg.host}/pin/unsigned:v1`;
  writeFileSync(join(dir, 'key.pub'), key.pem);
  writeFileSync(
    join(dir, 'policy.yaml'),
    [
      'apiVersion: trustgate.dev/v1',
      'kind: Policy',
      'metadata: { name: pin }',
      'authorities:',
      '  k: { keys: [{ file: key.pub }], ignoreTlog: true }',
      'rules:',
      '  - { name: signed, images: ["**"], signatures: { anyOf: [k] } }',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'deploy.yaml'),
    `apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - { name: a, image: ${signed} }\n    - { name: b, image: ${unsigned} }\n`,
  );
}, 60_000);
afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a policy gate pins what the policy allows, through the caller source, which stays open', async () => {
  const opened = sourceFrom({ allowHttp: true });
  const source = { client: opened.client, close: vi.fn(() => opened.close()) };
  const policy = loadPolicy(join(dir, 'policy.yaml'));
  const plan = await runPin(
    [join(dir, 'deploy.yaml')],
    { source, limits: {} },
    { gate: { kind: 'policy', policy, trust: buildPolicyVerifiers(policy) } },
  );
  expect(plan.errors).toEqual([]);
  expect(plan.failures.map((f) => f.reference)).toEqual([unsigned]);
  expect(plan.failures[0]!.reason).toMatch(/^denied: signatures: /);
  expect(plan.files).toHaveLength(1);
  expect(plan.files[0]!.changes.map((c) => c.from)).toEqual([signed]);
  expect(plan.files[0]!.changes[0]!.to).toMatch(/^.+\/pin\/signed:v1@sha256:[0-9a-f]{64}$/);
  expect(source.close).not.toHaveBeenCalled();
  await opened.close();
});

test('without a gate every resolvable image is pinned', async () => {
  const opened = sourceFrom({ allowHttp: true });
  try {
    const plan = await runPin([join(dir, 'deploy.yaml')], { source: opened, limits: {} });
    expect(plan.failures).toEqual([]);
    expect(plan.files[0]!.changes.map((c) => c.from)).toEqual([signed, unsigned]);
  } finally {
    await opened.close();
  }
});
