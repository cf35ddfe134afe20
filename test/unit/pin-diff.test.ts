/** pin's unified diff: bounded by nothing but the files, so no spread and no raw control characters. */
import { expect, test } from 'vitest';
import { unifiedDiff } from '../../src/inputs/pin.js';

test('a diff of 200,000 changed lines is built without overflowing the stack', () => {
  const before = Array.from({ length: 200_000 }, (_, i) => `image: app:${i}`).join('\n');
  const after = before.replaceAll('image: app:', 'image: app@sha256:');
  const d = unifiedDiff('big.yaml', before, after);
  expect(d.split('\n').length).toBeGreaterThan(400_000);
});

test('control characters in a manifest line or file name are printed as ?, a CRLF line keeps its CR', () => {
  const d = unifiedDiff(
    'a\u001b[2Jb.yaml',
    'x: 1\r\nimage: app:v1 \u001b]0;pwned\u0007\n',
    'x: 1\r\nimage: app@sha256:0\n',
  );
  expect(d).not.toMatch(/[\u001b\u0007]/);
  expect(d).toContain('--- a/a?[2Jb.yaml');
  expect(d).toContain('-image: app:v1 ?]0;pwned?');
  expect(d).toContain(' x: 1\r\n');
});
