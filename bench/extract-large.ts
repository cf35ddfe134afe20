/**
 * bench/extract-large: a 100 MB CycloneDX SBOM attestation in a layout; one `trustgate extract
 * --predicate-only` (which verifies first). Targets: peak RSS <= 4x the payload, >= 50 MB/s.
 * Not a test: npm run bench:extract-large.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { largeSbomLayout } from '../test/support/large-sbom.js';
import { repoRoot } from '../test/support/repo-root.js';
import { median } from './stats.js';

const MB = Number(process.env.BENCH_MB ?? 100);
const REPS = Number(process.env.BENCH_REPS ?? 3);

const dir = mkdtempSync(join(tmpdir(), 'tg-bench-large-'));
const { layout, keyFile, sbom } = largeSbomLayout(dir, MB * 1024 * 1024);
const out = join(dir, 'sbom.json');
const args = [
  join(repoRoot(), 'bin', 'trustgate.js'),
  'extract',
  '--type',
  'cyclonedx',
  '--predicate-only',
  '--max-payload-size',
  '512MiB',
  '--key',
  keyFile,
  '--insecure-ignore-tlog',
  '--output',
  out,
  `oci:${layout}:v1`,
];
const wall: number[] = [];
const rss: number[] = [];
for (let i = 0; i < REPS; i++) {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
  wall.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (r.status !== 0) throw new Error(`extract failed: ${r.stderr}`);
  rss.push(Number(r.stderr.trim().split('\n').pop()) / 1024);
  if (!readFileSync(out).equals(sbom)) throw new Error('extracted bytes differ from the SBOM');
}
const payloadMiB = sbom.length / 1024 / 1024;
const result = {
  payloadMiB,
  wallMs: median(wall),
  mbPerSecond: payloadMiB / (median(wall) / 1000),
  peakRssMiB: median(rss),
  rssRatio: median(rss) / payloadMiB,
};
console.log(
  `bench/extract-large: ${payloadMiB.toFixed(0)} MiB CycloneDX SBOM, verify + extract --predicate-only, median of ${REPS}`,
);
console.log(
  `wall ${result.wallMs.toFixed(0)} ms = ${result.mbPerSecond.toFixed(1)} MiB/s (target >= 50); peak RSS ${result.peakRssMiB.toFixed(0)} MiB = ${result.rssRatio.toFixed(2)}x the payload (target <= 4x)`,
);
mkdirSync(join(repoRoot(), 'bench', 'results'), { recursive: true });
writeFileSync(
  join(repoRoot(), 'bench', 'results', 'extract-large.json'),
  `${JSON.stringify(result, null, 2)}\n`,
);
