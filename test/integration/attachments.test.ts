/** run/attachments.ts and its option-bag adapter listAttachments, on the offline demo layout. */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runAttachments } from '../../src/run/attachments.js';
import { listAttachments } from '../../src/run/list-attachments.js';
import { sourceFrom } from '../../src/run/source.js';
import { buildTrust } from '../../src/verify/trust.js';
import { repoRoot } from '../support/repo-root.js';

const demo = `oci:${join(repoRoot(), 'fixtures/demo')}`;
const keys = [join(repoRoot(), 'fixtures/trust/cosign.pub')];
const trustedRoot = join(repoRoot(), 'fixtures/trust/trusted_root.json');

describe('attachments', () => {
  test('without trust nothing is called verified; the inner type is shown only with inspectUnknown', async () => {
    const list = await listAttachments(demo, {});
    expect(list.verifiedWith).toBeUndefined();
    expect(list.signatures.map((s) => s.verified)).toEqual([undefined]);
    expect(list.attestations.every((a) => a.verified === undefined)).toBe(true);
    expect(list.unsigned.map((u) => u.artifactType)).toEqual(['application/aa.trivy.sbom']);
  });

  test('with trust every item is verified against it, and the list says against what', async () => {
    const list = await listAttachments(demo, { keys, trustedRoot });
    expect(list.verifiedWith).toContain('cosign.pub');
    expect(list.signatures.map((s) => s.verified)).toEqual([true]);
    expect(list.attestations.map((a) => [a.predicateType, a.verified, a.typeSource]).sort()).toEqual([
      ['https://cyclonedx.org/bom', true, 'verified statement'],
      ['https://slsa.dev/provenance/v1', true, 'verified statement'],
    ]);
  });

  test('runAttachments takes built trust and a source, and gives what the adapter gives', async () => {
    const trust = await buildTrust({ keys, root: { trustedRoot } });
    const source = sourceFrom({});
    try {
      const run = await runAttachments(demo, trust, { source, limits: {} });
      expect(run).toEqual(await listAttachments(demo, { keys, trustedRoot }));
      expect(run.verifiedWith).toBe(trust.text);
    } finally {
      await source.close();
    }
  });

  test('a reference that does not parse is refused before any key file is read', async () => {
    await expect(listAttachments('not a reference', { keys: ['/nonexistent.pub'] })).rejects.toThrow(
      /reference/i,
    );
  });
});
