/**
 * bench/verify-keyless: 200 keyless-signed images (legacy `.sig` with certificate and Rekor bundle,
 * from a throwaway Fulcio/Rekor) in a local registry. Reports images/s for one verify run, and the CPU
 * milliseconds per verification (trust material built once per run). Not a test: npm run bench:verify-keyless.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosignAnnotation } from '../src/discovery/media-types.js';
import { RegistryClient } from '../src/oci/registry/client.js';
import { verifyImages } from '../src/run/verify-image.js';
import { simpleSigningPayload } from '../test/support/cosign-sig.js';
import { buildImage } from '../test/support/image-builder.js';
import { keylessWorld } from '../test/support/keyless.js';
import { pushImage, pushSig } from '../test/support/push.js';
import { startRegistry } from '../test/support/registry.js';
import { repoRoot } from '../test/support/repo-root.js';
import { median } from './stats.js';

const N = Number(process.env.BENCH_IMAGES ?? 200);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const IDENTITY = 'https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.0.0';
const ISSUER = 'https://token.actions.githubusercontent.com';

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tg-bench-keyless-'));
  const world = await keylessWorld();
  writeFileSync(join(work, 'trusted_root.json'), world.trustedRootJson);
  const reg = await startRegistry();
  const client = new RegistryClient();
  const refs: string[] = [];
  for (let i = 0; i < N; i++) {
    const img = buildImage({ seed: `bench-keyless-${i}` });
    await pushImage(client, reg.host, 'bench/keyless', img, `t${i}`);
    const payload = simpleSigningPayload(img.manifest.digest, `${reg.host}/bench/keyless`);
    const s = await world.signLegacy(payload, { san: IDENTITY, issuer: ISSUER });
    await pushSig(client, reg.host, 'bench/keyless', img.manifest.digest, [
      {
        payload,
        annotations: {
          [CosignAnnotation.SIGNATURE]: s.signature,
          [CosignAnnotation.CERTIFICATE]: s.certificate,
          [CosignAnnotation.CHAIN]: s.chain,
          [CosignAnnotation.BUNDLE]: s.rekorBundle,
        },
      },
    ]);
    refs.push(`${reg.host}/bench/keyless:t${i}`);
  }
  await client.close();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const c = new RegistryClient();
    const t = process.hrtime.bigint();
    const u = process.cpuUsage();
    const run = await verifyImages(refs, {
      identity: { identity: IDENTITY, issuer: ISSUER },
      trustedRoot: join(work, 'trusted_root.json'),
      client: c,
    });
    const used = process.cpuUsage(u);
    wall.push(Number(process.hrtime.bigint() - t) / 1e6);
    cpu.push((used.user + used.system) / 1000);
    await c.close();
    if (run.exitCode !== 0)
      throw new Error(
        `keyless verify failed: ${JSON.stringify(run.images.find((i) => i.verdict !== 'verified'))}`,
      );
  }
  await reg.stop();
  const out = {
    images: N,
    wallMs: median(wall),
    imagesPerSecond: (N / median(wall)) * 1000,
    cpuMsPerImage: median(cpu) / N,
  };
  console.log(`bench/verify-keyless: ${N} keyless images, median of ${REPS} in-process runs`);
  console.log(
    `one verify of ${N}: ${out.wallMs.toFixed(0)} ms = ${out.imagesPerSecond.toFixed(1)} images/s; CPU ${out.cpuMsPerImage.toFixed(2)} ms per image (discovery + verification; sigstore-js alone ~8 ms per bundle)`,
  );
  mkdirSync(join(repoRoot(), 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(repoRoot(), 'bench', 'results', 'verify-keyless.json'),
    `${JSON.stringify(out, null, 2)}\n`,
  );
}

await main();
