/** Image references from a corpus of real-world-shaped manifests: where each came from, and what is skipped. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseImageList } from '../../src/inputs/image-list.js';
import { MANIFEST_LIMITS, scanManifestFile, scanManifests } from '../../src/inputs/manifests.js';

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
  const { collectInputs } = await import('../../src/inputs/inputs.js');
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

describe('hostile YAML: aliases, merge keys, nesting and size are bounded', () => {
  const timed = <T>(f: () => T): { value: T; ms: number } => {
    const t = performance.now();
    const value = f();
    return { value, ms: performance.now() - t };
  };

  test('a 1 KB alias bomb (ten levels of maps, each aliasing the one below ten times) is walked once', () => {
    let y = 'apiVersion: v1\nkind: Pod\nl0: &l0 {image: ghcr.io/org/bomb:1, x: y}\n';
    for (let i = 1; i < 10; i++)
      y += `l${i}: &l${i} {${Array.from({ length: 10 }, (_, j) => `k${j}: *l${i - 1}`).join(', ')}}\n`;
    y += 'spec: {containers: [{name: a, image: ghcr.io/org/app:1}], extra: *l9}\n';
    expect(y.length).toBeLessThan(1100);
    const { value, ms } = timed(() => scanManifestFile('bomb.yaml', y));
    expect(ms).toBeLessThan(1000);
    expect(value.images.map((i) => i.reference)).toEqual(['ghcr.io/org/app:1']);
    // The anchored image field is reported once, where it is written, not 10^9 times.
    expect(value.skipped).toEqual([expect.objectContaining({ path: 'l0.image', line: 3 })]);
  });

  test('a Kubernetes List bomb (Lists of ten aliases of the List below) stops at the node budget', () => {
    let y = 'kind: List\nitems:\n  - &l0 {kind: Pod, spec: {containers: [{image: a:1}]}}\n';
    for (let i = 1; i < 10; i++)
      y += `  - &l${i} {kind: List, items: [${Array(10)
        .fill(`*l${i - 1}`)
        .join(', ')}]}\n`;
    const t = performance.now();
    expect(() => scanManifestFile('lists.yaml', y)).toThrow(
      expect.objectContaining({
        code: 'COUNT_LIMIT',
        message: expect.stringMatching(/^lists\.yaml: document 1 expands to more than \d+ YAML nodes/),
      }),
    );
    expect(performance.now() - t).toBeLessThan(5000);
  });

  test('a merge-key bomb: each merged map is searched once, for keys present and absent', () => {
    let y = 'kind: Pod\nl0: &l0 {containers: [{image: ghcr.io/org/merged:1}]}\n';
    for (let i = 1; i < 12; i++)
      y += `l${i}: &l${i} {<<: [${Array(10)
        .fill(`*l${i - 1}`)
        .join(', ')}]}\n`;
    // initContainers is in none of the 10^11 merge paths: a search without a visited set tries them all.
    y += 'spec: {<<: *l11}\n';
    const { value, ms } = timed(() => scanManifestFile('merge.yaml', y));
    expect(ms).toBeLessThan(1000);
    expect(value.images).toEqual([
      expect.objectContaining({
        reference: 'ghcr.io/org/merged:1',
        path: 'spec.containers[0].image',
        line: 2,
      }),
    ]);
  });

  test('an alias to its own ancestor is walked once; a List that holds itself is refused by depth', () => {
    expect(scanManifestFile('self.yaml', 'kind: Foo\nx: &x {y: *x, image: a:1}\n').skipped).toEqual([
      expect.objectContaining({ path: 'x.image' }),
    ]);
    expect(() =>
      scanManifestFile('self.yaml', 'kind: List\nitems: &i [ {kind: List, items: *i} ]\n'),
    ).toThrow(
      expect.objectContaining({
        code: 'COUNT_LIMIT',
        message: expect.stringContaining('Lists nested more than 64 deep'),
      }),
    );
  });

  test('many aliases cost one pass over the document, not one per alias', () => {
    const y = `base: &b {name: a, imagePullPolicy: Always}\nkind: Pod\nspec:\n  containers:\n${Array.from(
      { length: 20_000 },
      (_, i) => `    - {<<: *b, image: r/i${i}:1}\n`,
    ).join('')}`;
    const r = scanManifestFile('many.yaml', y);
    expect(r.images).toHaveLength(20_000);
    expect(r.images[19_999]).toMatchObject({ reference: 'r/i19999:1', path: 'spec.containers[19999].image' });
  }, 30_000);

  test('nesting deeper than the YAML parser can read is an error naming the file and the problem', () => {
    const r = scanManifestFile('deep.yaml', `kind: Pod\nspec: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    expect(r.errors).toEqual([
      expect.objectContaining({
        file: 'deep.yaml',
        message: expect.stringContaining('nested too deeply to read'),
      }),
    ]);
  });

  test('more YAML documents in one file than the limit: COUNT_LIMIT naming it', () => {
    const y = '---\nkind: Pod\n'.repeat(MANIFEST_LIMITS.documentsPerFile + 1);
    expect(() => scanManifestFile('docs.yaml', y)).toThrow(
      expect.objectContaining({
        code: 'COUNT_LIMIT',
        message: expect.stringContaining(`the limit is ${MANIFEST_LIMITS.documentsPerFile}`),
      }),
    );
  }, 60_000);

  test('one manifest with 130,000 image fields: every one is found, never a RangeError', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { collectInputs } = await import('../../src/inputs/inputs.js');
    const file = join(mkdtempSync(join(tmpdir(), 'tg-many-')), 'many.yaml');
    const fields = Array.from({ length: 130_000 }, (_, i) => `{image: r${i % 65_000}}`);
    writeFileSync(file, `kind: Pod\nspec: {containers: [${fields.join(',')}]}\n`);
    const r = collectInputs({ fromManifests: [file] });
    expect(r.references).toHaveLength(65_000);
    expect(r.locations.get('r0')).toHaveLength(2);
    expect(r.locations.get('r64999')![1]).toMatchObject({ path: 'spec.containers[129999].image' });
  }, 120_000);
});
