import { describe, expect, test } from 'vitest';
import { MAX_DURATION_MS, parseGoDuration } from '../../src/cli/duration.js';

describe('parseGoDuration (Go durations, as cosign -t takes them)', () => {
  test.each([
    ['90s', 90_000],
    ['3m', 180_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['3m0s', 180_000],
    ['2h45m30.5s', 9_930_500],
    ['1000us', 1],
    ['1000µs', 1],
    ['2000000ns', 2],
    ['30', 30_000],
    ['2.5', 2500],
    ['0', 0],
    ['0s', 0],
    [' 10s ', 10_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text, '--timeout')).toBe(ms);
  });

  test('a positive duration under a millisecond is rounded up, never to 0 (which means no limit)', () => {
    expect(parseGoDuration('1ns', '-t')).toBe(1);
  });

  test.each([
    ['-5s', /negative/],
    ['-1', /negative/],
    ['', /empty/],
    ['abc', /not a duration/],
    ['5x', /not a duration/],
    ['5 s', /not a duration/],
    ['s', /not a duration/],
    ['1e3', /not a duration/],
    ['1h1', /not a duration/],
    ['169h', /longer than 168h/],
    ['99999999999999999999', /longer than 168h/],
  ])('%j is refused', (text, why) => {
    expect(() => parseGoDuration(text, '--timeout')).toThrow(why);
    try {
      parseGoDuration(text, '--timeout');
    } catch (e) {
      expect((e as { code: string }).code).toBe('USAGE');
      expect((e as Error).message).toContain('--timeout');
    }
  });

  test('the ceiling itself is accepted', () => {
    expect(parseGoDuration('168h', '-t')).toBe(MAX_DURATION_MS);
  });
});
