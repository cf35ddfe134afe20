import { defineConfig } from 'vitest/config';

// Suites: unit (no processes, no network), integration (real docker-registry on 127.0.0.1, in-process
// fault servers), interop (real cosign/oras/skopeo from .tools/), shared (third-party data in ../shared),
// fuzz (property-based, fast-check).
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      { test: { name: 'shared', include: ['test/shared/**/*.test.ts'], testTimeout: 60_000 } },
      {
        // Property-based fuzzing: a short fixed-seed pass here; `npm run fuzz` sets FUZZ_RUNS for a long one.
        test: {
          name: 'fuzz',
          include: ['test/fuzz/**/*.test.ts'],
          testTimeout: process.env.FUZZ_RUNS ? 24 * 3600_000 : 30_000,
        },
      },
    ],
  },
});
