/**
 * Chart caches shared by all fetches of one operator process:
 * - archives by sha256 digest, an in-memory LRU bounded by total bytes (with the loaded Chart memoised
 *   alongside), optionally backed by a directory where files are re-verified against their digest on read;
 * - repository indexes (or any small derived value) by key with a TTL, bounded by count, with concurrent
 *   loads of one key shared.
 * Hit/miss counters are exposed for metrics.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Chart } from './types.js';

/** Options for {@link ChartCache}. */
export interface ChartCacheOptions {
  /** Bytes of archives kept in memory (default 256 MiB). */
  maxBytes?: number;
  /** Directory for archives on disk (optional). */
  dir?: string;
  /** Bytes of archives kept on disk (default 1 GiB); oldest files are removed first. */
  maxDiskBytes?: number;
  /** Time an index stays fresh (default 5 min). */
  indexTtlMs?: number;
  /** Indexes kept (default 64). */
  maxIndexes?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Counters for metrics. */
export interface CacheStats {
  archiveHits: number;
  archiveMisses: number;
  indexHits: number;
  indexMisses: number;
  archiveBytes: number;
  archives: number;
  indexes: number;
}

interface ArchiveEntry {
  data: Buffer;
  chart?: Chart;
}

/** `sha256:<hex>` of bytes. */
export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Archive and index caches with byte/count bounds, TTLs and counters. */
export class ChartCache {
  private readonly archives = new Map<string, ArchiveEntry>();
  private readonly indexes = new Map<string, { value: unknown; expires: number }>();
  private readonly loading = new Map<string, Promise<unknown>>();
  private bytes = 0;
  private readonly counters = { archiveHits: 0, archiveMisses: 0, indexHits: 0, indexMisses: 0 };
  private readonly maxBytes: number;
  private readonly ttl: number;
  private readonly maxIndexes: number;
  private readonly now: () => number;

  constructor(private readonly opts: ChartCacheOptions = {}) {
    this.maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
    this.ttl = opts.indexTtlMs ?? 5 * 60 * 1000;
    this.maxIndexes = opts.maxIndexes ?? 64;
    this.now = opts.now ?? Date.now;
  }

  /** The archive with this digest from memory or disk (verified), or undefined; counts a hit or miss. */
  async getArchive(digest: string): Promise<Buffer | undefined> {
    const entry = this.archives.get(digest);
    if (entry !== undefined) {
      this.archives.delete(digest);
      this.archives.set(digest, entry);
      this.counters.archiveHits += 1;
      return entry.data;
    }
    const fromDisk = await this.readDisk(digest);
    if (fromDisk !== undefined) {
      this.remember(digest, { data: fromDisk });
      this.counters.archiveHits += 1;
      return fromDisk;
    }
    this.counters.archiveMisses += 1;
    return undefined;
  }

  /** Stores an archive under its digest (the caller has verified it) in memory and on disk. */
  async putArchive(digest: string, data: Buffer): Promise<void> {
    if (!DIGEST.test(digest)) return;
    this.remember(digest, { data });
    await this.writeDisk(digest, data);
  }

  /** The loaded chart memoised for an archive in memory, if any (no counters). */
  getChart(digest: string): Chart | undefined {
    return this.archives.get(digest)?.chart;
  }

  /** Memoises the loaded chart of an archive already in memory. Charts must be treated as read-only. */
  putChart(digest: string, chart: Chart): void {
    const entry = this.archives.get(digest);
    if (entry !== undefined) entry.chart = chart;
  }

  /** A fresh cached value for `key`, else `load()` once (concurrent callers share it) and cache it. */
  async index<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.indexes.get(key);
    if (hit !== undefined && hit.expires > this.now()) {
      this.counters.indexHits += 1;
      return hit.value as T;
    }
    const pending = this.loading.get(key);
    if (pending !== undefined) return pending as Promise<T>;
    this.counters.indexMisses += 1;
    const p = load().then((value) => {
      this.indexes.delete(key);
      this.indexes.set(key, { value, expires: this.now() + this.ttl });
      while (this.indexes.size > this.maxIndexes) this.indexes.delete(this.indexes.keys().next().value ?? '');
      return value;
    });
    this.loading.set(key, p);
    try {
      return await p;
    } finally {
      this.loading.delete(key);
    }
  }

  /** Current counters and sizes. */
  stats(): CacheStats {
    return { ...this.counters, archiveBytes: this.bytes, archives: this.archives.size, indexes: this.indexes.size };
  }

  private remember(digest: string, entry: ArchiveEntry): void {
    if (entry.data.length > this.maxBytes) return;
    const old = this.archives.get(digest);
    if (old !== undefined) this.bytes -= old.data.length;
    this.archives.delete(digest);
    this.archives.set(digest, entry);
    this.bytes += entry.data.length;
    for (const [key, e] of this.archives) {
      if (this.bytes <= this.maxBytes) break;
      this.archives.delete(key);
      this.bytes -= e.data.length;
    }
  }

  private file(digest: string): string | undefined {
    return this.opts.dir === undefined || !DIGEST.test(digest) ? undefined : join(this.opts.dir, `${digest.slice(7)}.tgz`);
  }

  private async readDisk(digest: string): Promise<Buffer | undefined> {
    const path = this.file(digest);
    if (path === undefined) return undefined;
    const data = await readFile(path).catch(() => undefined);
    if (data === undefined) return undefined;
    if (sha256Digest(data) === digest) return data;
    await rm(path, { force: true });
    return undefined;
  }

  private async writeDisk(digest: string, data: Buffer): Promise<void> {
    const path = this.file(digest);
    if (path === undefined || this.opts.dir === undefined) return;
    await mkdir(this.opts.dir, { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
    await this.trimDisk(this.opts.dir, this.opts.maxDiskBytes ?? 1024 * 1024 * 1024);
  }

  private async trimDisk(dir: string, max: number): Promise<void> {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.tgz'));
    const files = await Promise.all(names.map(async (n) => ({ path: join(dir, n), s: await stat(join(dir, n)) })));
    let total = files.reduce((sum, f) => sum + f.s.size, 0);
    for (const f of files.sort((a, b) => a.s.mtimeMs - b.s.mtimeMs)) {
      if (total <= max) break;
      await rm(f.path, { force: true });
      total -= f.s.size;
    }
  }
}
