/** Image references from a corpus of real-world-shaped manifests: where each came from, and what is skipped. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseImageList, scanManifestFile, scanManifests } from '../../src/batch/manifests.js';

const DIR = join(import.meta.dirname, '..', 'data', 'manifests');
const scan = (f: string) => scanManifestFile(join(DIR, f));
const refs = (f: string) => scan(f).images.map((i) => `${i.path} = ${i.reference} @${i.line}`);

test('the corpus holds at least 15 manifests', () => {
  expect(readdirSync(DIR).length).toBeGreaterThanOrEqual(15);
});

test('workload kinds: Pod, Deployment (with init containers), StatefulSet, DaemonSet, Job, CronJob, ReplicaSet', () => {
  expect(refs('01-pod.yaml')).toEqual(['spec.containers[0].image = nginx:1.27 @8']);
  expect(refs('02-deployment.yaml')).toEqual([
    'spec.template.spec.containers[0].image = ghcr.io/org/api:v2.1.0 @20',
    'spec.template.spec.containers[1].image = docker.io/envoyproxy/envoy:v1.31.0 @22',
    'spec.template.spec.initContainers[0].image = ghcr.io/org/api-migrations:v2.1.0 @17',
  ]);
  expect(refs('03-statefulset.yaml')).toEqual([
    'spec.template.spec.containers[0].image = postgres:16-alpine @11',
  ]);
  expect(refs('04-daemonset.yaml')).toEqual([
    'spec.template.spec.containers[0].image = quay.io/prometheus/node-exporter:v1.8.2 @10',
  ]);
  expect(refs('05-job.yaml')[0]).toMatch(
    /^spec\.template\.spec\.containers\[0\]\.image = registry\.example\.com\/data\/backfill@sha256:0+1 @11$/,
  );
  expect(refs('06-cronjob.yaml')).toEqual([
    'spec.jobTemplate.spec.template.spec.containers[0].image = registry.example.com/reports/nightly:2026.11 @14',
  ]);
  expect(refs('07-replicaset.yaml')).toEqual([
    'spec.template.spec.containers[0].image = registry.example.com/legacy/app:1.0 @10',
  ]);
  expect(refs('14-ephemeral.yaml')).toEqual([
    'spec.containers[0].image = ghcr.io/org/app:5.0.0 @8',
    'spec.ephemeralContainers[0].image = busybox:1.36 @11',
  ]);
  expect(refs('15-tag-and-digest.yaml')[0]).toContain('ghcr.io/org/pinned:v1@sha256:');
});

test('multi-document files and Helm output: document index in the path; a ConfigMap value named image is not an image', () => {
  expect(refs('08-multi-doc.yaml')).toEqual([
    '[1].spec.template.spec.containers[0].image = ghcr.io/org/shop:3.4.5 @18',
  ]);
  expect(scan('08-multi-doc.yaml').skipped).toEqual([
    expect.objectContaining({
      path: '[2].data.image',
      line: 25,
      reason: expect.stringContaining('kind ConfigMap'),
    }),
  ]);
  expect(refs('09-helm-output.yaml')).toEqual([
    '[1].spec.template.spec.containers[0].image = ghcr.io/org/monitoring:0.4.2 @21',
    '[2].spec.containers[0].image = busybox @34',
  ]);
  expect(refs('13-list.yaml')).toEqual([
    'items[0].spec.containers[0].image = ghcr.io/org/a:1 @9',
    'items[1].spec.template.spec.containers[0].image = ghcr.io/org/b:2 @17',
  ]);
  expect(scan('17-empty.yaml')).toEqual({ images: [], skipped: [], errors: [] });
});

test('compose v2 and v3: services with an image; build-only services have none', () => {
  expect(refs('10-compose-v2.yml')).toEqual([
    'services.web.image = ghcr.io/org/web:1.2.3 @4',
    'services.cache.image = redis:7 @7',
  ]);
  expect(refs('11-compose-v3.yaml')).toEqual([
    'services.app.image = registry.example.com/team/app:latest @4',
    'services.db.image = postgres:16 @7',
  ]);
});

test('images given through YAML aliases and merge keys are found, at the anchor that holds them', () => {
  expect(refs('18-anchors-compose.yaml')).toEqual([
    'services.web.image = ghcr.io/org/anchored:1.0 @2',
    'services.worker.image = ghcr.io/org/merged:2.0 @4',
  ]);
  expect(refs('19-anchors-pod.yaml')).toEqual(['spec.containers[0].image = registry.example.com/base:3 @6']);
  expect(scan('18-anchors-compose.yaml').skipped).toEqual([]);
});

test('a kind named like an Object property is just unknown, not a crash', () => {
  expect(scanManifestFile('x.yaml', 'kind: constructor\nspec: {image: a}\n').skipped).toHaveLength(1);
  expect(scanManifestFile('x.yaml', 'kind: toString\n').images).toEqual([]);
});

test('an image under an unknown CRD is reported as skipped, not guessed', () => {
  const r = scan('12-crd-unknown.yaml');
  expect(r.images).toEqual([]);
  expect(r.skipped).toEqual([
    expect.objectContaining({
      path: 'spec.image',
      line: 6,
      reason: expect.stringContaining('kind ModelServer'),
    }),
  ]);
});

test('bad YAML is an error with the file and line, never a crash; other files still count', () => {
  const r = scanManifests([join(DIR, '16-bad.yaml'), join(DIR, '01-pod.yaml'), join(DIR, 'missing.yaml')]);
  expect(r.errors[0]).toMatchObject({
    file: expect.stringContaining('16-bad.yaml'),
    line: expect.any(Number),
  });
  expect(r.errors[0]!.line).toBeGreaterThanOrEqual(6);
  expect(r.errors[1]).toMatchObject({
    file: expect.stringContaining('missing.yaml'),
    message: 'cannot read the file',
  });
  expect(r.images.map((i) => i.reference)).toEqual(['nginx:1.27']);
});

test('--images-from lists: one per line, comments and blanks ignored, lines kept', () => {
  expect(parseImageList('# release 1.2\nghcr.io/a:1\n\n  ghcr.io/b:2  # the worker\n', 'list.txt')).toEqual([
    { reference: 'ghcr.io/a:1', file: 'list.txt', line: 2 },
    { reference: 'ghcr.io/b:2', file: 'list.txt', line: 4 },
  ]);
});

test('--from-manifests folders: dangling links and link loops are neither followed nor fatal', async () => {
  const { mkdtempSync, symlinkSync, writeFileSync, mkdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { collectInputs } = await import('../../src/batch/inputs.js');
  const dir = mkdtempSync(join(tmpdir(), 'tg-manifests-'));
  writeFileSync(
    join(dir, 'pod.yaml'),
    'kind: Pod\nspec:\n  containers:\n    - { name: a, image: "ghcr.io/org/a:1" }\n',
  );
  symlinkSync(join(dir, 'gone.yaml'), join(dir, 'dangling.yaml'));
  mkdirSync(join(dir, 'sub'));
  symlinkSync(dir, join(dir, 'sub', 'loop'));
  const r = collectInputs({ fromManifests: [dir] });
  expect(r.references).toEqual(['ghcr.io/org/a:1']);
  expect(r.errors).toEqual([]);
});
