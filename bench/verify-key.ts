/**
 * bench/verify-key: 200 images in a local registry, each signed with one key: half legacy `.sig`
 * (simple signing), half cosign 3 style bundle referrers (tag fallback). Reports, in one run:
 *  - HTTP requests per image (target <= 4 after auth);
 *  - images/s for one `trustgate verify` of all 200;
 *  - cosign verify --key --insecure-ignore-tlog: cold single image (wall, peak RSS) and a loop of 200
 *    cosign runs versus one trustgate run, as ratios.
 * Not a test: `npm run bench:verify-key`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../src/oci/registry/client.js';
import { verifyImages } from '../src/run/verify-image.js';
import { readCosignKey } from '../test/support/cosign-key.js';
import { simpleSigningPayload } from '../test/support/cosign-sig.js';
import { buildImage } from '../test/support/image-builder.js';
import { cosignEnv, peer } from '../test/support/peers.js';
import { pushBundleReferrer, pushImage, pushSig } from '../test/support/push.js';
import { startRegistry } from '../test/support/registry.js';
import { repoRoot } from '../test/support/repo-root.js';
import {
  COSIGN_SIGN_V1,
  dsseBundle,
  generateKey,
  signBytes,
  simpleSigningAnnotations,
  statementFor,
  type TestKey,
} from '../test/support/signing.js';
import { median } from './stats.js';

const root = repoRoot();
const N = Number(process.env.BENCH_IMAGES ?? 200);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const COLD = Number(process.env.BENCH_COLD_REPS ?? 11);

/** Wall time and peak RSS of one command, through GNU time when it is there. */
function measure(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { ms: number; rssKb: number; status: number } {
  const useTime = spawnSync('sh', ['-c', 'command -v /usr/bin/time']).status === 0;
  const t = process.hrtime.bigint();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { env, encoding: 'utf8' })
    : spawnSync(cmd, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const rssKb = useTime ? Number(r.stderr.trim().split('\n').pop()) : Number.NaN;
  return { ms, rssKb, status: r.status ?? -1 };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tg-bench-verify-'));
  const env = cosignEnv(work, 'bench');
  const cosign = peer('cosign');
  let key: TestKey;
  if (cosign) {
    execFileSync(cosign, ['generate-key-pair', '--output-key-prefix', 'bench'], {
      env,
      cwd: work,
      stdio: 'ignore',
    });
    key = readCosignKey(join(work, 'bench.key'), 'bench');
  } else {
    key = generateKey('p256');
    writeFileSync(join(work, 'bench.pub'), key.pem);
  }
  const pub = join(work, 'bench.pub');

  const reg = await startRegistry();
  const client = new RegistryClient();
  const refs: string[] = [];
  for (let i = 0; i < N; i++) {
    const img = buildImage({ seed: `bench-verify-${i}` });
    await pushImage(client, reg.host, 'bench/verify', img, `t${i}`);
    if (i % 2 === 0) {
      const payload = simpleSigningPayload(img.manifest.digest, `${reg.host}/bench/verify`);
      await pushSig(client, reg.host, 'bench/verify', img.manifest.digest, [
        { payload, annotations: simpleSigningAnnotations(signBytes(key, payload)) },
      ]);
    } else {
      await pushBundleReferrer(
        client,
        reg.host,
        'bench/verify',
        img.manifest.digest,
        img.manifest.bytes.length,
        dsseBundle(key, statementFor(img.manifest.digest, COSIGN_SIGN_V1)),
      );
    }
    refs.push(`${reg.host}/bench/verify:t${i}`);
  }
  await client.close();

  // Requests per image, through the library (no auth on this registry).
  const counting = new RegistryClient();
  const lib = await verifyImages(refs, { keys: [pub], ignoreTlog: true, client: counting });
  if (lib.exitCode !== 0)
    throw new Error(
      `library verify failed: ${JSON.stringify(lib.images.find((i) => i.verdict !== 'verified'))}`,
    );
  const byMethod = counting.transport.counters.byMethod;
  const perImage = counting.transport.counters.requests / N;
  await counting.close();

  const tg = [join(root, 'bin', 'trustgate.js'), 'verify', '--key', pub, '--insecure-ignore-tlog'];
  measure(process.execPath, [...tg, refs[0]!], env); // warm the compile cache once
  const batch: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const m = measure(process.execPath, [...tg, ...refs], env);
    if (m.status !== 0) throw new Error('trustgate batch run failed');
    batch.push(m.ms);
  }
  const tgCold: Array<{ ms: number; rssKb: number }> = [];
  const cosCold: Array<{ ms: number; rssKb: number }> = [];
  for (let r = 0; r < COLD; r++) {
    tgCold.push(measure(process.execPath, [...tg, refs[(r * 2) % N]!], env));
    if (cosign)
      cosCold.push(
        measure(
          cosign,
          ['verify', '--key', pub, '--insecure-ignore-tlog', '--allow-http-registry', refs[(r * 2) % N]!],
          env,
        ),
      );
  }
  let cosignLoopMs = Number.NaN;
  let cosignFailures = 0;
  if (cosign) {
    cosignLoopMs = 0;
    for (const ref of refs) {
      const m = measure(
        cosign,
        ['verify', '--key', pub, '--insecure-ignore-tlog', '--allow-http-registry', ref],
        env,
      );
      cosignLoopMs += m.ms;
      if (m.status !== 0) cosignFailures++;
    }
  }
  await reg.stop();

  const batchMs = median(batch);
  const out = {
    images: N,
    requestsPerImage: perImage,
    requestsByMethod: byMethod,
    trustgateBatchMs: batchMs,
    imagesPerSecond: (N / batchMs) * 1000,
    trustgateColdMs: median(tgCold.map((x) => x.ms)),
    trustgateColdRssMiB: median(tgCold.map((x) => x.rssKb)) / 1024,
    cosignColdMs: cosign ? median(cosCold.map((x) => x.ms)) : null,
    cosignColdRssMiB: cosign ? median(cosCold.map((x) => x.rssKb)) / 1024 : null,
    cosignLoopMs: cosign ? cosignLoopMs : null,
    cosignLoopFailures: cosignFailures,
  };
  const f = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(1));
  console.log(
    `bench/verify-key: ${N} images (half legacy .sig, half bundle referrers), medians of ${REPS} batch and ${COLD} cold runs`,
  );
  console.log(`requests per image: ${perImage.toFixed(2)} (${JSON.stringify(byMethod)}; target <= 4)`);
  console.log(`one trustgate verify of ${N}: ${f(batchMs)} ms = ${f(out.imagesPerSecond)} images/s`);
  console.log(
    `cold single image: trustgate ${f(out.trustgateColdMs)} ms / ${f(out.trustgateColdRssMiB)} MiB; cosign ${f(out.cosignColdMs)} ms / ${f(out.cosignColdRssMiB)} MiB -> ${cosign ? (out.trustgateColdMs / out.cosignColdMs!).toFixed(2) : 'n/a'}x cosign's time`,
  );
  console.log(
    `loop of ${N} cosign runs: ${f(out.cosignLoopMs)} ms (${cosignFailures} failed: cosign 2.5 cannot read bundle-format signatures) vs one trustgate run ${f(batchMs)} ms -> ${cosign ? (cosignLoopMs / batchMs).toFixed(1) : 'n/a'}x faster`,
  );
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'verify-key.json'), `${JSON.stringify(out, null, 2)}\n`);
}

await main();
