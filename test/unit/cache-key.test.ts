/** The verification cache's secret key: where it comes from, and that it stays private. */
import { join } from 'node:path';
import { expect, test } from 'vitest';

test('the cache key: TRUSTGATE_CACHE_KEY when set, else one made once, private, in the config folder', async () => {
  const { mkdtempSync, statSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { cacheSecret } = await import('../../src/discovery/cache.js');
  const saved = { key: process.env.TRUSTGATE_CACHE_KEY, xdg: process.env.XDG_CONFIG_HOME };
  try {
    process.env.TRUSTGATE_CACHE_KEY = 'from the environment';
    expect(cacheSecret().toString()).toBe('from the environment');
    delete process.env.TRUSTGATE_CACHE_KEY;
    process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'tg-config-'));
    const first = cacheSecret();
    expect(first.toString()).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheSecret().equals(first)).toBe(true);
    const file = join(process.env.XDG_CONFIG_HOME, 'trustgate', 'cache.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString());
  } finally {
    if (saved.key === undefined) delete process.env.TRUSTGATE_CACHE_KEY;
    else process.env.TRUSTGATE_CACHE_KEY = saved.key;
    if (saved.xdg === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = saved.xdg;
  }
});
