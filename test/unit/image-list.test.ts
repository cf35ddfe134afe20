/** The inputs that need no YAML parser (image-list.ts), and how inputs.ts adds the manifest scan. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { collectListedInputs } from '../../src/inputs/image-list.js';
import { collectInputs } from '../../src/inputs/inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-image-list-'));
const list = join(dir, 'images.txt');
writeFileSync(list, 'ghcr.io/a:1\n# comment\nghcr.io/b:2 # worker\nghcr.io/a:1\n');

test('positional and --images-from give the same inputs with or without the manifest scanner', () => {
  const opts = { images: ['ghcr.io/c:3', 'ghcr.io/a:1'], imagesFrom: list };
  const listed = collectListedInputs(opts);
  expect(listed.references).toEqual(['ghcr.io/c:3', 'ghcr.io/a:1', 'ghcr.io/b:2']);
  expect(listed.locations.get('ghcr.io/a:1')).toEqual([
    { file: list, line: 1 },
    { file: list, line: 4 },
  ]);
  expect(collectInputs(opts)).toEqual(listed);
});

test('manifests named without their scan are refused, never dropped', () => {
  const manifest = join(dir, 'pod.yaml');
  writeFileSync(manifest, 'kind: Pod\nspec:\n  containers:\n    - image: ghcr.io/m:1\n');
  expect(() => collectListedInputs({ images: ['ghcr.io/a:1'], fromManifests: [manifest] })).toThrow(
    /fromManifests needs collectInputs/,
  );
  // An empty list names nothing: both collectors agree.
  expect(collectListedInputs({ images: ['ghcr.io/a:1'], fromManifests: [] }).references).toEqual([
    'ghcr.io/a:1',
  ]);
  const all = collectInputs({ images: ['ghcr.io/a:1'], fromManifests: [manifest] });
  expect(all.references).toEqual(['ghcr.io/a:1', 'ghcr.io/m:1']);
  expect(all.locations.get('ghcr.io/m:1')?.[0]).toMatchObject({ file: manifest, line: 4 });
});
