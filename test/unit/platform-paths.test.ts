/** Where --all-platforms writes each platform image's output: plain, bounded, unique names. */
import { describe, expect, test } from 'vitest';
import {
  platformExportDir,
  platformFileName,
  platformFileNames,
  platformOutputPath,
} from '../../src/output/platform-paths.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('platform file names', () => {
  test('os/arch[/variant] become os-arch[-variant]', () => {
    expect(platformFileName('linux/amd64')).toBe('linux-amd64');
    expect(platformFileName('linux/arm/v7')).toBe('linux-arm-v7');
  });
  test('registry text is cut down to a plain, bounded name: no separators, no leading dots, never empty', () => {
    expect(platformFileName('../../etc/passwd')).toBe('etc-passwd');
    expect(platformFileName('linux/amd64\n\u001b[31m')).toBe('linux-amd64-31m');
    expect(platformFileName('..')).toBe('unknown');
    expect(platformFileName('/')).toBe('unknown');
    expect(platformFileName(`linux/${'x'.repeat(500)}`)).toHaveLength(64);
    expect(platformFileName('windows/amd64/10.0.17763')).toBe('windows-amd64-10.0.17763');
  });
  test('two platform images with the same name are told apart by their digests', () => {
    const names = platformFileNames(
      new Map([
        [`reg.example/app@${A}`, { platform: 'linux/amd64' }],
        [`reg.example/app@${B}`, { platform: 'linux/amd64' }],
        [`reg.example/app@sha256:${'c'.repeat(64)}`, { platform: 'linux/arm64' }],
      ]),
    );
    expect([...names.values()]).toEqual([
      'linux-amd64-aaaaaaaaaaaa',
      'linux-amd64-bbbbbbbbbbbb',
      'linux-arm64',
    ]);
  });
  test('extract: F.<platform>; export: the sibling DIR-<platform>', () => {
    expect(platformOutputPath('out/prov.json', 'linux-amd64')).toBe('out/prov.json.linux-amd64');
    expect(platformExportDir('evidence/', 'linux-amd64')).toBe('evidence-linux-amd64');
    expect(platformExportDir('/tmp/e', 'linux-arm64')).toBe('/tmp/e-linux-arm64');
  });
});

test('a crafted platform that spells another name plus its digest prefix still gets a name of its own', () => {
  const a = `sha256:${'a'.repeat(64)}`;
  const b = `sha256:${'b'.repeat(64)}`;
  const c = `sha256:${'c'.repeat(64)}`;
  const names = platformFileNames(
    new Map([
      [`r.example/x@${a}`, { platform: 'linux/amd64' }],
      [`r.example/x@${b}`, { platform: 'linux/amd64' }],
      [`r.example/x@${c}`, { platform: `linux/amd64-${'a'.repeat(12)}` }],
    ]),
  );
  expect(new Set(names.values()).size).toBe(3);
});
