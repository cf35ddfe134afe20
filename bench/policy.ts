/**
 * bench/policy: a 200-rule policy against 500 pre-verified results (evidence as recorded, no
 * network, no crypto): the cost of evaluation alone. Target: <= 1 ms per image. Not a test:
 * npm run bench:policy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluatePolicy } from '../src/policy/evaluate/index.js';
import type { ImageEvidence } from '../src/policy/evidence.js';
import { compilePolicy } from '../src/policy/load.js';
import { parsePublicKey } from '../src/trust/keys.js';
import { PREDICATE_TYPES } from '../src/verify/attestations.js';
import { repoRoot } from '../test/support/repo-root.js';
import { generateKey } from '../test/support/signing.js';
import { median } from './stats.js';

const RULES = 200;
const IMAGES = 500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const NOW = new Date('2026-06-01T00:00:00Z');

const key = generateKey('p256');
const fp = parsePublicKey(key.pem, 'bench').fingerprint;
const pem = key.pem.trim().split('\n').join('\n          ');
const rules = Array.from(
  { length: RULES },
  (_, i) => `  - name: team-${i}
    images: ["registry.example.com/team-${i}/**"]
    requireDigest: true
    allowedRegistries: [registry.example.com]
    signatures: { anyOf: [ci] }
    attestations:
      - name: provenance
        type: slsaprovenance1
        signedBy: [ci]
        maxAge: 30d
        slsa: { builderIdRegExp: "https://github\\\\.com/slsa-framework/.*", sourceRefRegExp: "refs/tags/v.*" }
        conditions:
          - { name: repo, expr: "predicate.buildDefinition.externalParameters.workflow.repository.startsWith('https://github.com/org/')", message: built from the org }
    vulnerabilities: { signedBy: [ci], maxSeverity: HIGH, maxAge: 7d }`,
).join('\n');
const text = `apiVersion: trustgate.dev/v1
kind: Policy
metadata: { name: bench }
authorities:
  ci:
    keys:
      - pem: |
          ${pem}
rules:
  - name: baseline
    images: ["**"]
    allowedRegistries: [registry.example.com]
${rules}
exceptions:
  - { name: e, images: ["registry.example.com/team-1/**"], checks: ["vulnerabilities/*"], expiresAt: 2027-01-01T00:00:00Z, reason: r, ticket: T-1 }
`;
const tCompile = process.hrtime.bigint();
const compiled = compilePolicy(text, 'bench.yaml');
const compileMs = Number(process.hrtime.bigint() - tCompile) / 1e6;
if ('issues' in compiled) throw new Error(JSON.stringify(compiled.issues));
const policy = compiled.policy;

const att = (type: string, predicate: unknown) => ({
  authority: 'ci',
  predicateType: PREDICATE_TYPES[type]!,
  format: 'dsse-layer',
  via: 'tag',
  key: fp,
  time: '2026-05-30T00:00:00.000Z',
  statement: {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [],
    predicateType: PREDICATE_TYPES[type]!,
    predicate,
  },
});
const evidence: ImageEvidence[] = Array.from({ length: IMAGES }, (_, i) => ({
  reference: `registry.example.com/team-${i % RULES}/app-${i}@sha256:${i.toString(16).padStart(64, '0')}`,
  name: `registry.example.com/team-${i % RULES}/app-${i}`,
  registry: 'registry.example.com',
  givenBy: 'digest',
  digest: `sha256:${i.toString(16).padStart(64, '0')}`,
  signatures: [
    { authority: 'ci', format: 'simplesigning', via: 'tag', key: fp, time: '2026-05-30T00:00:00.000Z' },
  ],
  attestations: [
    att('slsaprovenance1', {
      buildDefinition: {
        externalParameters: {
          workflow: {
            repository: 'https://github.com/org/app',
            ref: 'refs/tags/v1.0.0',
            path: 'release.yml',
          },
        },
      },
      runDetails: {
        builder: { id: 'https://github.com/slsa-framework/slsa-github-generator/x@refs/tags/v2.0.0' },
      },
    }),
    att('vuln', {
      scanner: {
        result: {
          Results: [
            {
              Vulnerabilities: Array.from({ length: 50 }, (_, v) => ({
                VulnerabilityID: `CVE-2026-${v}`,
                PkgName: 'p',
                Severity: v % 7 === 0 ? 'CRITICAL' : 'LOW',
              })),
            },
          ],
        },
      },
      metadata: { scanFinishedOn: '2026-05-30T00:00:00Z' },
    }),
  ],
  rejections: {},
  signers: [],
}));

// Warm-up, then rounds: per-image mean of each round, and the slowest single image.
for (const ev of evidence) evaluatePolicy(policy, ev, NOW);
const perImage: number[] = [];
let slowest = 0;
let denied = 0;
for (let r = 0; r < ROUNDS; r++) {
  const t0 = process.hrtime.bigint();
  for (const ev of evidence) {
    const t = process.hrtime.bigint();
    const d = evaluatePolicy(policy, ev, NOW);
    slowest = Math.max(slowest, Number(process.hrtime.bigint() - t) / 1e6);
    if (r === 0 && d.decision === 'deny') denied++;
  }
  perImage.push(Number(process.hrtime.bigint() - t0) / 1e6 / IMAGES);
}
const result = {
  rules: RULES + 1,
  images: IMAGES,
  rounds: ROUNDS,
  medianMsPerImage: median(perImage),
  slowestMs: slowest,
  denied,
};
console.log(
  `bench/policy: ${RULES + 1}-rule policy (compiled once in ${compileMs.toFixed(0)} ms, ${RULES} CEL expressions), ${IMAGES} pre-verified images, ${ROUNDS} rounds`,
);
console.log(
  `median ${result.medianMsPerImage.toFixed(3)} ms per image (target <= 1 ms); slowest single evaluation ${slowest.toFixed(2)} ms; ${denied} of ${IMAGES} denied (by CRITICAL findings outside the excepted team)`,
);
mkdirSync(join(repoRoot(), 'bench', 'results'), { recursive: true });
writeFileSync(join(repoRoot(), 'bench', 'results', 'policy.json'), `${JSON.stringify(result, null, 2)}\n`);
