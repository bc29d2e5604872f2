/**
 * Reading chart archives (.tgz) in memory, never on disk. Every entry is checked before its bytes are kept:
 * regular files only, normalised relative paths under one top-level directory, no `..`, and size/count caps
 * counted on the bytes actually decompressed (tar headers are not trusted).
 */
import { buffer } from 'node:stream/consumers';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { ErrorCode, MaglevError } from '../errors.js';
import type { ChartFile } from './types.js';

/** Caps for loading one chart tree (shared by the chart and all its subcharts). */
export interface LoadLimits {
  /** Total decompressed bytes over the whole tree (default 100 MiB). */
  maxTotalBytes: number;
  /** Bytes of any one file (default 5 MiB). */
  maxFileBytes: number;
  /** Tar entries / directory entries over the whole tree (default 10,000). */
  maxEntries: number;
}

/** Helm's caps (GHSA-4hfp-h4cw-hj8p): 100 MiB total, 5 MiB per file; plus 10,000 entries. */
export const DEFAULT_LOAD_LIMITS: LoadLimits = { maxTotalBytes: 100 * 1024 * 1024, maxFileBytes: 5 * 1024 * 1024, maxEntries: 10_000 };

/** Running totals against {@link LoadLimits}, shared across a chart and its subcharts. */
export interface LoadBudget {
  limits: LoadLimits;
  bytes: number;
  entries: number;
}

/** A fresh budget for one chart tree. */
export function newBudget(limits: Partial<LoadLimits> = {}): LoadBudget {
  return { limits: { ...DEFAULT_LOAD_LIMITS, ...limits }, bytes: 0, entries: 0 };
}

/** Files of an archive, relative to its single top-level directory (`dir`). */
export interface ArchiveFiles {
  dir: string;
  files: ChartFile[];
}

function invalid(where: string, message: string, cause?: unknown): MaglevError {
  return new MaglevError(ErrorCode.ChartInvalid, `${where}: ${message}`, { where, terminal: true, cause });
}

function tooLarge(where: string, message: string): MaglevError {
  return new MaglevError(ErrorCode.ChartTooLarge, `${where}: ${message}`, { where, terminal: true });
}

/** Counts one entry against the budget, throwing ChartTooLarge past the cap. */
export function countEntry(budget: LoadBudget, where: string, name: string): void {
  budget.entries += 1;
  if (budget.entries > budget.limits.maxEntries) {
    throw tooLarge(where, `entry "${name}" exceeds the cap of ${budget.limits.maxEntries} entries per chart tree`);
  }
}

/**
 * Splits an archive entry name into [top-level dir, path inside the chart] after Helm's rules plus ours:
 * `\` is a separator, absolute and drive paths and any `..` segment are refused.
 */
export function normaliseEntryName(raw: string, where: string): [string, string] {
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[a-zA-Z]:\//.test(name)) throw invalid(where, `entry "${raw}" has an absolute path; archives must hold relative paths`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(where, `entry "${raw}" contains ".."; paths must stay inside the chart directory`);
  if (parts.some((p) => /\p{Cc}/u.test(p))) throw invalid(where, `entry "${raw}" contains control characters`);
  const [top, ...rest] = parts;
  if (top === undefined) throw invalid(where, `entry "${raw}" has an empty path`);
  return [top, rest.join('/')];
}

const FILE_TYPES = new Set(['file', 'contiguous-file']);

function checkHeader(header: tar.Header, where: string, budget: LoadBudget): 'file' | 'skip' {
  countEntry(budget, where, header.name);
  const type: string = header.type;
  if (type === 'pax-global-header') return 'skip';
  if (type === 'directory') return 'skip';
  if (!FILE_TYPES.has(type)) {
    throw invalid(where, `entry "${header.name}" is a ${type}; only regular files and directories are accepted`);
  }
  if (header.size > budget.limits.maxFileBytes) {
    throw tooLarge(where, `entry "${header.name}" is larger than the per-file cap of ${budget.limits.maxFileBytes} bytes`);
  }
  return 'file';
}

async function readEntry(entry: AsyncIterable<unknown> & { header: tar.Header }, where: string, budget: LoadBudget): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const piece of entry) {
    if (!(piece instanceof Uint8Array)) throw invalid(where, `entry "${entry.header.name}" yielded non-binary data`);
    const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    size += chunk.length;
    if (size > budget.limits.maxFileBytes) {
      throw tooLarge(where, `entry "${entry.header.name}" is larger than the per-file cap of ${budget.limits.maxFileBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function mapStreamError(err: unknown, where: string): unknown {
  if (err instanceof MaglevError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return invalid(where, `not a valid gzip-compressed tar archive (${msg})`, err);
}

/**
 * Reads every regular file of a gzip-compressed tar archive into memory, enforcing the caps while the
 * bytes stream. Layout `chart`: all entries must sit under one top-level directory, which the result strips.
 * Layout `flat` (a distro bundle): files may sit at the root; paths are kept whole and `dir` is ''.
 */
export async function readArchive(buf: Buffer, where: string, budget: LoadBudget, layout: 'chart' | 'flat' = 'chart'): Promise<ArchiveFiles> {
  const gunzip = createGunzip();
  const extract = tar.extract();
  let stopped = false;
  const stop = (err: unknown): void => {
    if (stopped) return;
    stopped = true;
    gunzip.destroy();
    extract.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  gunzip.on('data', (chunk: Buffer) => {
    if (stopped) return;
    budget.bytes += chunk.length;
    if (budget.bytes > budget.limits.maxTotalBytes) {
      stop(tooLarge(where, `decompressed size exceeds the cap of ${budget.limits.maxTotalBytes} bytes per chart tree`));
    } else if (!extract.write(chunk)) {
      gunzip.pause();
      extract.once('drain', () => gunzip.resume());
    }
  });
  gunzip.on('end', () => {
    if (!stopped) extract.end(null);
  });
  gunzip.on('error', (err: Error) => stop(mapStreamError(err, where)));
  gunzip.end(buf);

  const files: ChartFile[] = [];
  const seen = new Set<string>();
  let dir: string | undefined;
  try {
    for await (const entry of extract) {
      const kind = checkHeader(entry.header, where, budget);
      const [top, rest] = normaliseEntryName(entry.header.name, where);
      const flat = layout === 'flat';
      if (!flat && dir !== undefined && top !== dir) throw invalid(where, `entry "${entry.header.name}" is outside the chart directory "${dir}/"; an archive holds exactly one chart`);
      dir = flat ? '' : top;
      if (kind === 'skip') {
        entry.resume();
        continue;
      }
      const path = flat ? (rest === '' ? top : `${top}/${rest}`) : rest;
      if (!flat && path === '') throw invalid(where, `entry "${entry.header.name}" is a file at the archive root; files must be inside the chart directory`);
      if (seen.has(path)) throw invalid(where, `entry "${entry.header.name}" appears twice`);
      seen.add(path);
      files.push({ path, data: await readEntry(entry, where, budget) });
    }
  } catch (err) {
    stop(err);
    throw mapStreamError(err, where);
  }
  if (dir === undefined) throw invalid(where, layout === 'flat' ? 'archive is empty' : 'archive is empty; expected a chart directory with Chart.yaml');
  return { dir, files };
}

/**
 * A gzip-compressed tar of `files` built in memory, reproducibly: entries sorted by path, regular files with
 * mode 0644, owner 0:0 and time 0, so the same files always give the same bytes (and digest).
 */
export async function writeArchive(files: readonly ChartFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = buffer(pack.pipe(createGzip()));
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ name: f.path, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '', type: 'file' }, f.data, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  return done;
}
