/** run/verify-bundle.ts: the artifact argument, and a bundle checked against built trust (one key or an identity). */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { artifactOf, runVerifyBundle } from '../../src/run/verify-bundle.js';
import { buildTrust } from '../../src/verify/trust.js';
import { repoRoot } from '../support/repo-root.js';

const key = join(repoRoot(), 'fixtures/trust/cosign.pub');

describe('verify-bundle as a run', () => {
  test('sha256:<hex> with no such file is a digest; any other argument is a file read whole', () => {
    const hex = 'ab'.repeat(32);
    expect(artifactOf(`sha256:${hex}`)).toEqual({ sha256: Buffer.from(hex, 'hex') });
    const file = join(mkdtempSync(join(tmpdir(), 'tg-vb-')), 'a.txt');
    writeFileSync(file, 'artifact');
    expect(artifactOf(file)).toEqual({ bytes: Buffer.from('artifact') });
    expect(() => artifactOf(`sha256:${hex.slice(2)}`)).toThrow(/is not a sha256 digest/);
  });

  test('a bundle is checked with exactly one key: two are a usage error', async () => {
    const trust = await buildTrust({ keys: [key, key] });
    const sha256 = createHash('sha256').update('x').digest();
    expect(() => runVerifyBundle({}, { sha256 }, trust)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('2 were given') }),
    );
  });

  test('with one key, what is not a bundle is rejected with the reason, not thrown', async () => {
    const trust = await buildTrust({ keys: [key] });
    const r = runVerifyBundle({ not: 'a bundle' }, { bytes: Buffer.from('x') }, trust);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^not a valid Sigstore bundle/);
  });
});
