/**
 * bench/resolve: 200 distinct tags in a local registry (real docker-registry on 127.0.0.1).
 *  (a) one `trustgate resolve` of all 200 vs 200 runs of `oras resolve` and of `skopeo inspect`
 *  (b) one cold single-image `trustgate resolve` vs one `oras resolve` / `skopeo inspect`
 *  (c) HTTP requests per resolved image, after auth (target: 1)
 * Medians over repeated runs, all peers measured in the same run. Not a test: run `npm run bench:resolve`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryClient } from '../src/oci/registry/client.js';
import { resolveImages } from '../src/run/resolve.js';
import { buildImage } from '../test/support/image-builder.js';
import { peer, skopeoDigestArgs } from '../test/support/peers.js';
import { pushImage } from '../test/support/push.js';
import { startRegistry } from '../test/support/registry.js';
import { repoRoot } from '../test/support/repo-root.js';
import { median } from './stats.js';

const root = repoRoot();
const N = Number(process.env.BENCH_IMAGES ?? 200);
const LOOP_REPS = Number(process.env.BENCH_LOOP_REPS ?? 3);
const COLD_REPS = Number(process.env.BENCH_COLD_REPS ?? 21);

function timeRun(cmd: string, args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${r.stderr}`);
  return ms;
}

async function main(): Promise<void> {
  const reg = await startRegistry();
  const client = new RegistryClient();
  const refs: string[] = [];
  for (let i = 0; i < N; i++) {
    await pushImage(client, reg.host, 'bench/resolve', buildImage({ seed: `bench-${i}` }), `t${i}`);
    refs.push(`${reg.host}/bench/resolve:t${i}`);
  }
  await client.close();
  const node = process.execPath;
  const tg = [join(root, 'bin', 'trustgate.js'), 'resolve'];
  const oras = peer('oras');
  const skopeo = peer('skopeo');
  // Warm the compile cache and the page cache once, as any second run would be.
  timeRun(node, [...tg, refs[0]!]);

  // (c) requests per image, through the library, after the first (auth/scheme) request.
  const counter = new RegistryClient();
  await resolveImages([refs[0]!], { client: counter });
  const before = counter.transport.counters.requests;
  const results = await resolveImages(refs.slice(1), { client: counter });
  const perImage = (counter.transport.counters.requests - before) / (N - 1);
  if (results.some((r) => !r.ok)) throw new Error('a resolve failed');
  await counter.close();

  const out: Record<string, number | string> = { images: N, requestsPerImage: perImage };
  // (a) batch
  const tgBatch: number[] = [];
  const orasLoop: number[] = [];
  const skopeoLoop: number[] = [];
  for (let rep = 0; rep < LOOP_REPS; rep++) {
    tgBatch.push(timeRun(node, [...tg, ...refs]));
    if (oras) {
      let t = 0;
      for (const r of refs) t += timeRun(oras, ['resolve', '--plain-http', r]);
      orasLoop.push(t);
    }
    if (skopeo) {
      let t = 0;
      for (const r of refs) t += timeRun(skopeo, skopeoDigestArgs(r));
      skopeoLoop.push(t);
    }
  }
  out.trustgateBatchMs = median(tgBatch);
  if (oras) out.orasLoopMs = median(orasLoop);
  if (skopeo) out.skopeoLoopMs = median(skopeoLoop);
  // (b) cold single
  const tgCold: number[] = [];
  const orasCold: number[] = [];
  const skopeoCold: number[] = [];
  for (let rep = 0; rep < COLD_REPS; rep++) {
    const r = refs[rep % N]!;
    tgCold.push(timeRun(node, [...tg, r]));
    if (oras) orasCold.push(timeRun(oras, ['resolve', '--plain-http', r]));
    if (skopeo) skopeoCold.push(timeRun(skopeo, skopeoDigestArgs(r)));
  }
  out.trustgateColdMs = median(tgCold);
  if (oras) out.orasColdMs = median(orasCold);
  if (skopeo) out.skopeoColdMs = median(skopeoCold);
  await reg.stop();

  const ratio = (a: unknown, b: unknown) =>
    typeof a === 'number' && typeof b === 'number' ? (a / b).toFixed(2) : 'n/a';
  console.log(`bench/resolve: ${N} images, medians of ${LOOP_REPS} batch runs and ${COLD_REPS} cold runs`);
  console.log(`(a) trustgate one run of ${N}: ${out.trustgateBatchMs?.toString().slice(0, 7)} ms`);
  console.log(
    `    oras loop of ${N}: ${String(out.orasLoopMs ?? 'n/a').slice(0, 7)} ms -> trustgate is ${ratio(out.orasLoopMs, out.trustgateBatchMs)}x faster`,
  );
  console.log(
    `    skopeo loop of ${N}: ${String(out.skopeoLoopMs ?? 'n/a').slice(0, 7)} ms -> trustgate is ${ratio(out.skopeoLoopMs, out.trustgateBatchMs)}x faster (target >= 20x)`,
  );
  console.log(
    `(b) cold single: trustgate ${out.trustgateColdMs?.toString().slice(0, 6)} ms, oras ${String(out.orasColdMs ?? 'n/a').slice(0, 6)} ms, skopeo ${String(out.skopeoColdMs ?? 'n/a').slice(0, 6)} ms -> trustgate/skopeo ${ratio(out.trustgateColdMs, out.skopeoColdMs)}x (target <= 1.5x)`,
  );
  console.log(`(c) HTTP requests per resolved image after auth: ${perImage} (target 1)`);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'resolve.json'), `${JSON.stringify(out, null, 2)}\n`);
}

await main();
