/** sigstore-conformance's happy path through run/verify-bundle.ts with trust from verify/trust.ts, as the CLI builds it. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runVerifyBundle } from '../../src/run/verify-bundle.js';
import { buildTrust } from '../../src/verify/trust.js';
import { sharedMissingReason, sharedPath } from '../support/shared-data.js';

const BASE = ['sigstore-conformance', 'test', 'assets', 'bundle-verify'];
const missing = sharedMissingReason(...BASE);
if (missing) console.warn(missing);
const p = (...x: string[]) => sharedPath(...BASE, ...x);
const beacon =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';

describe.skipIf(missing !== undefined)('verify-bundle run, keyless', () => {
  test('the embedded root and the beacon identity accept the happy path; another identity is rejected', async () => {
    const json = JSON.parse(readFileSync(p('happy-path-v0.3', 'bundle.sigstore.json'), 'utf8'));
    const artifact = { bytes: readFileSync(p('a.txt')) };
    const trust = (identity: string) =>
      buildTrust({
        identity: { identity, issuer: 'https://token.actions.githubusercontent.com' },
        root: { embedded: 'public-good' },
      });
    const ok = runVerifyBundle(json, artifact, await trust(beacon));
    expect(ok).toMatchObject({ ok: true, description: expect.stringContaining(beacon) });
    const other = runVerifyBundle(json, artifact, await trust(`${beacon}x`));
    expect(other.ok).toBe(false);
  });
});
