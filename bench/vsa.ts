/**
 * bench:batch --vsa: what issuing signed VSAs adds. In process: the policy run's decisions turned
 * into signed bundles (statement, DSSE pre-authentication encoding, signature, bundle JSON) with an
 * Ed25519 and a P-256 key, per image, the files written to a temporary folder. Through the CLI: one
 * batch run with `--vsa DIR/ --vsa-key` (a cosign-format P-256 key) against the same run without.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyDecision } from '../src/policy/evaluate/types.js';
import type { ImageEvidence } from '../src/policy/evidence.js';
import { loadPolicy } from '../src/policy/load.js';
import { DEFAULT_VERIFIER_ID } from '../src/policy/vsa-predicate.js';
import { evaluateImages } from '../src/run/evaluate.js';
import { issueVsas } from '../src/vsa/issue.js';
import { fromPrivateKey } from '../src/vsa/signing-key.js';
import { writeCosignKey } from '../test/support/cosign-key.js';
import { repoRoot } from '../test/support/repo-root.js';
import { testKeyFrom } from '../test/support/signing.js';
import { median } from './stats.js';

type Measure = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => { ms: number; status: number };

export interface VsaBench {
  inProcess: Array<{ key: string; msPerImage: number }>;
  cliMsPerImage: number;
}

export async function vsaBench(
  refs: string[],
  policyFile: string,
  listFile: string,
  work: string,
  env: NodeJS.ProcessEnv,
  measure: Measure,
): Promise<VsaBench> {
  const policy = loadPolicy(policyFile);
  const items: Array<{ decision: PolicyDecision; evidence: ImageEvidence }> = [];
  await evaluateImages(refs, {
    policy,
    onDecision: (decision, evidence, i) => {
      items[i] = { decision, evidence };
    },
  });
  const inProcess: VsaBench['inProcess'] = [];
  for (const [name, pair] of [
    ['Ed25519', generateKeyPairSync('ed25519')],
    ['P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const) {
    const key = fromPrivateKey(pair.privateKey);
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const { signMs } = await issueVsas(items, policy, {
        target: { kind: 'folder', path: join(work, `vsa-${name}-${r}`) },
        key,
        verifierId: DEFAULT_VERIFIER_ID,
      });
      runs.push(signMs / items.length);
    }
    inProcess.push({ key: name, msPerImage: median(runs) });
  }
  const keyFile = join(work, 'vsa-cosign.key');
  writeFileSync(
    keyFile,
    writeCosignKey(testKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), 'bench'),
  );
  const tg = [
    join(repoRoot(), 'bin', 'trustgate.js'),
    'verify',
    '--policy',
    policyFile,
    '--images-from',
    listFile,
  ];
  const withEnv = { ...env, TRUSTGATE_VSA_PASSWORD: 'bench' };
  const plain: number[] = [];
  const signed: number[] = [];
  for (let r = 0; r < 3; r++) {
    plain.push(measure(process.execPath, tg, withEnv).ms);
    const m = measure(
      process.execPath,
      [...tg, '--vsa', join(work, `cli-vsa-${r}/`), '--vsa-key', keyFile],
      withEnv,
    );
    if (m.status !== 0) throw new Error(`trustgate --vsa run exited ${m.status}`);
    signed.push(m.ms);
  }
  return { inProcess, cliMsPerImage: (median(signed) - median(plain)) / refs.length };
}
