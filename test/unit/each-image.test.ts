/**
 * The per-image loop of every batch (run/each-image.ts): results are handed on in input order though
 * images finish in any order, no image starts more than the reorder window ahead of the first
 * unfinished one (so what is held back is bounded), exact duplicates anywhere in the list share one
 * verification, and a shared result is let go once no reference still to come is spelled as one that
 * used it. References by digest: resolving them costs no request.
 */
import { describe, expect, test } from 'vitest';
import { RegistryClient } from '../../src/oci/registry/client.js';
import { eachImage } from '../../src/run/each-image.js';

const ref = (i: number) => `registry.invalid/app@sha256:${String(i).padStart(64, '0')}`;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('eachImage', () => {
  test('results in input order though images finish in reverse, with a running count', async () => {
    const client = new RegistryClient();
    const refs = Array.from({ length: 12 }, (_, i) => ref(i));
    const seen: Array<[number, number]> = [];
    const out = await eachImage(
      refs,
      { client, imageConcurrency: 4, onResult: (_r, index, done) => seen.push([index, done]) },
      {
        verify: async (image) => {
          await tick(30 - refs.indexOf(image.reference) * 2);
          return image.reference;
        },
        result: (reference, _image, shared) => `${reference}=${shared}`,
        failure: (reference, message) => `${reference}!${message}`,
      },
    );
    expect(seen).toEqual(refs.map((_, i) => [i, i + 1]));
    expect(out).toEqual(refs.map((r) => `${r}=${r}`));
    await client.close();
  });

  test('no image starts more than 4 x the concurrency ahead of the first unfinished one', async () => {
    const client = new RegistryClient();
    const refs = Array.from({ length: 40 }, (_, i) => ref(i));
    let release!: () => void;
    const first = new Promise<void>((r) => {
      release = r;
    });
    const started: number[] = [];
    const run = eachImage(
      refs,
      { client, imageConcurrency: 2, collect: false },
      {
        verify: async (image) => {
          const i = refs.indexOf(image.reference);
          started.push(i);
          if (i === 0) await first;
          return i;
        },
        result: (_reference, _image, shared) => shared,
        failure: () => -1,
      },
    );
    await tick(50);
    // Image 0 hangs: images 1..7 may finish, nothing from 8 on starts.
    expect(Math.max(...started)).toBe(7);
    release();
    expect(await run).toEqual([]);
    expect(started).toHaveLength(40);
    await client.close();
  });

  test('exact duplicates far apart share one verification; another spelling after it was let go verifies again', async () => {
    const client = new RegistryClient();
    const digest = `sha256:${'0'.repeat(63)}1`;
    const dup = `docker.io/library/app@${digest}`;
    const sameImageOtherSpelling = `app@${digest}`;
    const refs = [dup, ...Array.from({ length: 50 }, (_, i) => ref(100 + i)), dup, sameImageOtherSpelling];
    const verified: string[] = [];
    await eachImage(
      refs,
      { client, imageConcurrency: 3, collect: false },
      {
        verify: async (image) => {
          verified.push(image.canonical);
          await tick(1);
          return image.canonical;
        },
        result: (_reference, _image, shared) => shared,
        failure: (_reference, message) => message,
      },
    );
    expect(verified.filter((c) => c.endsWith(digest))).toEqual([
      `docker.io/library/app@${digest}`,
      `docker.io/library/app@${digest}`,
    ]);
    expect(verified).toHaveLength(52);
    await client.close();
  });
});
