import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChartCache, sha256Digest } from './cache.js';
import { mkChart } from './testdata/charts.js';

const blob = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

describe('ChartCache', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('evicts least recently used archives past the byte bound and counts hits and misses', async () => {
    const cache = new ChartCache({ maxBytes: 250 });
    const [a, b, c] = [blob(100, 1), blob(100, 2), blob(100, 3)];
    await cache.putArchive(sha256Digest(a), a);
    await cache.putArchive(sha256Digest(b), b);
    expect(await cache.getArchive(sha256Digest(a))).toEqual(a);
    await cache.putArchive(sha256Digest(c), c);
    expect(await cache.getArchive(sha256Digest(b))).toBeUndefined();
    expect(await cache.getArchive(sha256Digest(a))).toEqual(a);
    expect(cache.stats()).toMatchObject({ archiveHits: 2, archiveMisses: 1, archiveBytes: 200, archives: 2 });
  });

  it('keeps a loaded chart with its archive and drops it with the archive', async () => {
    const cache = new ChartCache({ maxBytes: 150 });
    const a = blob(100, 1);
    const d = sha256Digest(a);
    await cache.putArchive(d, a);
    const chart = mkChart('a');
    cache.putChart(d, chart);
    expect(cache.getChart(d)).toBe(chart);
    await cache.putArchive(sha256Digest(blob(100, 2)), blob(100, 2));
    expect(cache.getChart(d)).toBeUndefined();
  });

  it('reads archives back from disk, verifying their digest, and bounds the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maglev-cache-'));
    dirs.push(dir);
    const a = blob(100, 1);
    const d = sha256Digest(a);
    await new ChartCache({ dir }).putArchive(d, a);
    expect(await new ChartCache({ dir }).getArchive(d)).toEqual(a);
    await writeFile(join(dir, `${d.slice(7)}.tgz`), 'tampered');
    expect(await new ChartCache({ dir }).getArchive(d)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
    const small = new ChartCache({ dir, maxDiskBytes: 150 });
    await small.putArchive(sha256Digest(blob(100, 2)), blob(100, 2));
    await new Promise((r) => setTimeout(r, 20));
    await small.putArchive(sha256Digest(blob(100, 3)), blob(100, 3));
    expect(await readdir(dir)).toEqual([`${sha256Digest(blob(100, 3)).slice(7)}.tgz`]);
  });

  it('caches index values for the TTL and shares a concurrent load', async () => {
    let now = 0;
    let loads = 0;
    const cache = new ChartCache({ indexTtlMs: 1000, now: () => now });
    const load = async (): Promise<number> => {
      loads += 1;
      await new Promise((r) => setTimeout(r, 10));
      return loads;
    };
    expect(await Promise.all([cache.index('k', load), cache.index('k', load)])).toEqual([1, 1]);
    expect(await cache.index('k', load)).toBe(1);
    now = 1001;
    expect(await cache.index('k', load)).toBe(2);
    expect(cache.stats()).toMatchObject({ indexHits: 1, indexMisses: 2, indexes: 1 });
  });

  it('does not cache a failed load', async () => {
    const cache = new ChartCache();
    await expect(cache.index('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.index('k', () => Promise.resolve('ok'))).toBe('ok');
  });

  it('bounds the number of indexes', async () => {
    const cache = new ChartCache({ maxIndexes: 2 });
    for (const k of ['a', 'b', 'c']) await cache.index(k, () => Promise.resolve(k));
    expect(cache.stats().indexes).toBe(2);
  });
});
