/**
 * bench/batch, the headline figure: 500 distinct images in a local registry, each with one signature
 * (half legacy `.sig`, half Sigstore bundle referrers) and two attestations (SLSA v1 + CycloneDX, in
 * the same format), all logged in a throwaway log, evaluated under policies/platform-baseline.yaml
 * (its registry replaced by the local one and its authority pointed at the throwaway log's root).
 * Reports, in one run:
 *  (a) one `trustgate verify --policy … --images-from list` of all 500: images/s, peak RSS, and HTTP
 *      requests per image (through the library, same code path);
 *  (d) the same with --cache, warm: time and requests;
 *  (b) a loop of single-image `cosign verify` + `cosign verify-attestation` runs (what CI does today)
 *      and a loop of single-image `trustgate verify --policy` runs, as ratios to (a).
 * Not a test: npm run bench:batch. BENCH_IMAGES, BENCH_LOOP (images in the loops; 0 skips them) to
 * shrink it; BENCH_HOLD=1 only sets up, prints where, and keeps the registry up until interrupted
 * (profiling); BENCH_CPU_PROF=DIR writes a `node --cpu-prof` profile of one batch run there.
 * BENCH_RSS_POINTS=500,2000,5000 adds (e): peak RSS of one batch run at each image count (as many
 * images are set up as the largest point needs), the figure that shows memory is flat in the count.
 * BENCH_COMPARE=/other/checkout/bin/trustgate.js measures another build in (a) and (e) too,
 * alternating run by run with this one (before/after figures from one machine state).
 *
 * CPU is reported per image for trustgate and for the co-located registry separately: the registry
 * shares the machine's cores, so images/s alone mixes the two. trustgate's own CPU is measured twice:
 * in this process around the library call (process.cpuUsage, start-up excluded), and for the CLI
 * batch run from the child's user + system time (start-up included, spread over the images).
 * With `--vsa` (or BENCH_VSA=1), also (f): the cost of issuing a signed VSA per image (statement,
 * DSSE, bundle), with an Ed25519 and a P-256 key, in process and as the CLI's --vsa --vsa-key.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { examplePolicyKeys } from '../scripts/build-fixtures.js';
import { VerificationCache } from '../src/discovery/cache.js';
import { RegistryClient } from '../src/oci/registry/client.js';
import { loadPolicy } from '../src/policy/load.js';
import { buildPolicyVerifiers } from '../src/policy/policy-trust.js';
import type { Digest } from '../src/reference/digest.js';
import { evaluateImages } from '../src/run/evaluate.js';
import { pushAttached } from '../test/support/attach.js';
import { statementEmbedding } from '../test/support/attest-builder.js';
import { buildImage } from '../test/support/image-builder.js';
import { keylessWorld } from '../test/support/keyless.js';
import { peer } from '../test/support/peers.js';
import { predicateSamples } from '../test/support/predicates.js';
import { startRegistry } from '../test/support/registry.js';
import { repoRoot } from '../test/support/repo-root.js';
import { COSIGN_SIGN_V1, statementFor } from '../test/support/signing.js';
import { median } from './stats.js';
import { vsaBench } from './vsa.js';

const N = Number(process.env.BENCH_IMAGES ?? 500);
const LOOP = Math.min(N, Number(process.env.BENCH_LOOP ?? N));
const REPS = Number(process.env.BENCH_REPS ?? 3);
const RSS_POINTS = (process.env.BENCH_RSS_POINTS ?? '')
  .split(',')
  .filter(Boolean)
  .map((x) => Number(x));
const SETUP = Math.max(N, ...RSS_POINTS);
/** Another build's bin/trustgate.js, measured beside this one in (a) and (e) (BENCH_COMPARE=PATH). */
const COMPARE = process.env.BENCH_COMPARE;
const root = repoRoot();

function measure(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { ms: number; rssKb: number; cpuMs: number; status: number } {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const [rssKb, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { ms, rssKb: rssKb!, cpuMs: (user! + sys!) * 1000, status: r.status ?? -1 };
}

async function main(): Promise<void> {
  // The cache key for (d), shared by the spawned runs and the library call, never written to disk.
  process.env.TRUSTGATE_CACHE_KEY ??= `bench ${process.pid} ${Date.now()}`;
  const work = mkdtempSync(join(tmpdir(), 'tg-bench-batch-'));
  const env = { ...process.env, TUF_ROOT: join(work, 'tuf'), NO_COLOR: '1', CI: '1' };
  const key = examplePolicyKeys().platform;
  const keyFile = join(work, 'platform.pub');
  writeFileSync(keyFile, key.pem);
  const world = await keylessWorld();
  const rootFile = join(work, 'trusted_root.json');
  writeFileSync(rootFile, world.trustedRootJson);
  const signer = { privateKey: key.privateKey, pem: key.pem };

  const reg = await startRegistry();
  const client = new RegistryClient();
  const refs: string[] = [];
  const slsa = (d: Digest) => predicateSamples(d).find((s) => s.type === 'slsaprovenance1')!;
  const cdx = (d: Digest) => predicateSamples(d).find((s) => s.type === 'cyclonedx')!;
  // Set up a few images at a time: 5,000 one by one take most of an hour.
  const setUp = async (i: number) => {
    const repo = `prod/app${i}`;
    const img = buildImage({ seed: `bench-batch-${i}` });
    const digest = img.manifest.digest;
    const atts = [slsa(digest), cdx(digest)].map((s) => ({
      predicateType: s.predicateType,
      statement: statementEmbedding(digest, s.predicateType, s.predicate),
    }));
    await pushAttached(
      client,
      reg.host,
      repo,
      img,
      world,
      signer,
      i % 2 === 0
        ? { sig: true, atts }
        : { bundles: [{ statement: statementFor(digest, COSIGN_SIGN_V1) }, ...atts] },
    );
    refs[i] = `${reg.host}/${repo}@${digest}`;
  };
  let nextImage = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (nextImage < SETUP) await setUp(nextImage++);
    }),
  );
  await client.close();

  // The platform baseline, pointed at this registry and the throwaway log.
  const doc = parseDocument(
    readFileSync(join(root, 'policies', 'platform-baseline.yaml'), 'utf8').replaceAll(
      'registry.example.com',
      reg.host,
    ),
  );
  doc.setIn(['trustRoots'], { bench: { trustedRoot: rootFile } });
  doc.setIn(['authorities', 'platform', 'keys', 0, 'file'], keyFile);
  doc.setIn(['authorities', 'platform', 'trustRoot'], 'bench');
  const policyFile = join(work, 'platform-baseline.yaml');
  writeFileSync(policyFile, doc.toString());
  const listFile = join(work, 'images.txt');
  writeFileSync(listFile, `${refs.slice(0, N).join('\n')}\n`);
  const benchRefs = refs.slice(0, N);

  if (process.env.BENCH_HOLD) {
    // For profiling by hand: keep the registry up with the images in it until interrupted.
    console.log(JSON.stringify({ registry: reg.host, policy: policyFile, list: listFile, work }));
    await new Promise<void>((done) => process.once('SIGINT', done));
    await reg.stop();
    return;
  }

  // Requests and trustgate's own CPU per image, through the library (policy loaded and trust built
  // first, so that only per-image work is timed).
  const counting = new RegistryClient();
  const policy = loadPolicy(policyFile);
  const verifiers = buildPolicyVerifiers(policy);
  const libRegistryCpu = reg.cpuSeconds();
  const libCpu = process.cpuUsage();
  const lib = await evaluateImages(benchRefs, { policy, verifiers, client: counting });
  const libCpuUsed = process.cpuUsage(libCpu);
  const libCpuMsPerImage = (libCpuUsed.user + libCpuUsed.system) / 1000 / N;
  const libRegistryCpuMsPerImage = ((reg.cpuSeconds() - libRegistryCpu) * 1000) / N;
  const denied = lib.decisions.filter((d) => d.decision !== 'allow');
  if (denied.length > 0)
    throw new Error(
      `policy denied ${denied.length}: ${JSON.stringify(denied[0]!.rules.flatMap((r) => r.checks).find((c) => c.status === 'fail'))}`,
    );
  const vsa =
    process.argv.includes('--vsa') || process.env.BENCH_VSA
      ? await vsaBench(refs, policyFile, listFile, work, env, measure)
      : undefined;
  const requests = counting.transport.counters.requests;
  const byMethod = counting.transport.counters.byMethod;
  await counting.close();
  // The same with --exhaustive (every attachment read), for comparison.
  const exhaustiveClient = new RegistryClient();
  await evaluateImages(benchRefs, { policy: policyFile, client: exhaustiveClient, exhaustive: true });
  const exhaustiveRequests = exhaustiveClient.transport.counters.requests;
  await exhaustiveClient.close();

  const tg = [join(root, 'bin', 'trustgate.js'), 'verify', '--policy', policyFile];
  measure(process.execPath, [...tg, refs[0]!], env); // warm the compile cache
  if (process.env.BENCH_CPU_PROF)
    measure(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF, ...tg, '--images-from', listFile],
      env,
    );
  const batch: Array<{ ms: number; rssKb: number; cpuMs: number }> = [];
  const other: Array<{ ms: number; rssKb: number; cpuMs: number }> = [];
  const otherTg = COMPARE ? [COMPARE, ...tg.slice(1)] : undefined;
  if (COMPARE && process.env.BENCH_CPU_PROF)
    measure(
      process.execPath,
      [
        '--cpu-prof',
        '--cpu-prof-dir',
        join(process.env.BENCH_CPU_PROF, 'compare'),
        ...otherTg!,
        '--images-from',
        listFile,
      ],
      env,
    );
  let registryCpuMs = 0;
  for (let r = 0; r < REPS; r++) {
    const before = reg.cpuSeconds();
    const m = measure(process.execPath, [...tg, '--images-from', listFile], env);
    registryCpuMs += (reg.cpuSeconds() - before) * 1000;
    if (m.status !== 0) throw new Error(`trustgate batch run exited ${m.status}`);
    batch.push(m);
    // Alternating with the other build, so that both see the same machine.
    if (otherTg) {
      const o = measure(process.execPath, [...otherTg, '--images-from', listFile], env);
      if (o.status !== 0) throw new Error(`the compared build exited ${o.status}`);
      other.push(o);
    }
  }

  const registryCpuMsPerImage = registryCpuMs / (REPS * N);
  // (d) the same run with --cache, warm: only the resolve requests should remain.
  const cacheDir = join(work, 'cache');
  measure(process.execPath, [...tg, '--cache', cacheDir, '--images-from', listFile], env);
  const cached: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const m = measure(process.execPath, [...tg, '--cache', cacheDir, '--images-from', listFile], env);
    if (m.status !== 0) throw new Error(`trustgate cached run exited ${m.status}`);
    cached.push(m.ms);
  }
  const cachedClient = new RegistryClient();
  await evaluateImages(benchRefs, {
    policy: policyFile,
    client: cachedClient,
    cache: new VerificationCache(cacheDir),
  });
  const cachedByMethod = { ...cachedClient.transport.counters.byMethod };
  await cachedClient.close();

  let tgLoopMs = 0;
  for (const ref of benchRefs.slice(0, LOOP)) tgLoopMs += measure(process.execPath, [...tg, ref], env).ms;
  const cosign = peer('cosign');
  let cosignLoopMs = Number.NaN;
  let cosignFailures = 0;
  if (cosign) {
    cosignLoopMs = 0;
    const common = ['--key', keyFile, '--insecure-ignore-tlog', '--allow-http-registry'];
    for (const ref of benchRefs.slice(0, LOOP)) {
      const a = measure(cosign, ['verify', ...common, ref], env);
      const b = measure(cosign, ['verify-attestation', ...common, '--type', 'slsaprovenance1', ref], env);
      cosignLoopMs += a.ms + b.ms;
      if (a.status !== 0 || b.status !== 0) cosignFailures++;
    }
  }
  // (e) peak RSS by image count, one run each.
  const rssPoints: Array<{ images: number; peakRssMiB: number; ms: number; compared?: number }> = [];
  for (const n of RSS_POINTS) {
    const file = join(work, `images-${n}.txt`);
    writeFileSync(file, `${refs.slice(0, n).join('\n')}\n`);
    const m = measure(process.execPath, [...tg, '--images-from', file], env);
    if (m.status !== 0) throw new Error(`trustgate run over ${n} images exited ${m.status}`);
    const o = otherTg && measure(process.execPath, [...otherTg, '--images-from', file], env);
    rssPoints.push({
      images: n,
      peakRssMiB: m.rssKb / 1024,
      ms: m.ms,
      ...(o ? { compared: o.rssKb / 1024 } : {}),
    });
  }
  await reg.stop();

  const batchMs = median(batch.map((b) => b.ms));
  const scale = LOOP > 0 ? N / LOOP : Number.NaN;
  const out = {
    images: N,
    loopImages: LOOP,
    requestsPerImage: requests / N,
    requestsByMethod: byMethod,
    exhaustiveRequestsPerImage: exhaustiveRequests / N,
    batchMs,
    imagesPerSecond: (N / batchMs) * 1000,
    peakRssMiB: median(batch.map((b) => b.rssKb)) / 1024,
    registryCpuMsPerImage,
    trustgateCpuMsPerImage: libCpuMsPerImage,
    libraryRegistryCpuMsPerImage: libRegistryCpuMsPerImage,
    cliCpuMsPerImage: median(batch.map((b) => b.cpuMs)) / N,
    compared: COMPARE
      ? {
          bin: COMPARE,
          batchMs: median(other.map((b) => b.ms)),
          imagesPerSecond: (N / median(other.map((b) => b.ms))) * 1000,
          peakRssMiB: median(other.map((b) => b.rssKb)) / 1024,
          cliCpuMsPerImage: median(other.map((b) => b.cpuMs)) / N,
        }
      : null,
    rssPoints,
    trustgateLoopMs: tgLoopMs * scale,
    cosignLoopMs: cosign ? cosignLoopMs * scale : null,
    cosignLoopFailures: cosignFailures,
    vsCosignLoop: cosign ? (cosignLoopMs * scale) / batchMs : null,
    vsTrustgateLoop: (tgLoopMs * scale) / batchMs,
    cachedMs: median(cached),
    cachedRequestsByMethod: cachedByMethod,
    cacheSpeedup: batchMs / median(cached),
    ...(vsa ? { vsa } : {}),
  };
  const f = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(1));
  console.log(
    `bench/batch: ${N} images (half legacy, half bundle referrers; 1 signature + 2 attestations each) under platform-baseline.yaml; median of ${REPS}`,
  );
  console.log(
    `(a) one trustgate verify --policy --images-from: ${f(batchMs)} ms = ${f(out.imagesPerSecond)} images/s (target >= 150); ${out.requestsPerImage.toFixed(2)} requests/image ${JSON.stringify(byMethod)} (target <= 6; ${out.exhaustiveRequestsPerImage.toFixed(2)} with --exhaustive); peak RSS ${f(out.peakRssMiB)} MiB (target <= 300); the registry used ${f(registryCpuMsPerImage)} ms CPU per image`,
  );
  console.log(
    `(c) CPU per image: trustgate ${out.trustgateCpuMsPerImage.toFixed(2)} ms in the library (process.cpuUsage; target <= 2.5), ${out.cliCpuMsPerImage.toFixed(2)} ms for the CLI run with its start-up; the registry ${out.libraryRegistryCpuMsPerImage.toFixed(2)} ms (library run)`,
  );
  console.log(
    `(b) loops over ${LOOP} images${LOOP < N ? `, scaled to ${N}` : ''}: cosign verify + verify-attestation ${f(out.cosignLoopMs)} ms (${cosignFailures} image(s) failed in cosign) = ${f(out.vsCosignLoop)}x (a) (target >= 10x); single-image trustgate runs ${f(out.trustgateLoopMs)} ms = ${f(out.vsTrustgateLoop)}x (a)`,
  );
  console.log(
    `(d) the same run with --cache, warm: ${f(out.cachedMs)} ms = ${f(out.cacheSpeedup)}x faster than (a) (target >= 3x); requests ${JSON.stringify(cachedByMethod)} (target: the ${N} resolve HEADs only)`,
  );
  if (out.compared)
    console.log(
      `(a') the compared build (${COMPARE}), alternating with (a): ${f(out.compared.batchMs)} ms = ${f(out.compared.imagesPerSecond)} images/s; peak RSS ${f(out.compared.peakRssMiB)} MiB; ${out.compared.cliCpuMsPerImage.toFixed(2)} ms CPU per image for the CLI run (this build: ${out.cliCpuMsPerImage.toFixed(2)})`,
    );
  if (rssPoints.length > 0)
    console.log(
      `(e) peak RSS by image count: ${rssPoints.map((p) => `${p.images}: ${f(p.peakRssMiB)} MiB${p.compared !== undefined ? ` (compared build ${f(p.compared)})` : ''}`).join(', ')} (target: the largest no more than 50 MiB above 500)`,
    );
  if (vsa)
    console.log(
      `(f) signed VSA per image: ${vsa.inProcess.map((k) => `${k.key} ${k.msPerImage.toFixed(3)} ms`).join(', ')} (target <= 1 ms); CLI --vsa DIR/ --vsa-key (P-256, cosign key) over ${N} images: +${f(vsa.cliMsPerImage)} ms/image wall vs without`,
    );
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'batch.json'), `${JSON.stringify(out, null, 2)}\n`);
}

await main();
