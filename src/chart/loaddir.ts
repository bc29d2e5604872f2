/**
 * Reading a chart directory from local disk (the CLI's `maglev template ./chart`). Walks in lexical order
 * like Helm, honours the root `.helmignore`, follows symlinks only when their target stays inside the
 * chart directory, refuses irregular files, and applies the same caps as archives.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ErrorCode, MaglevError } from '../errors.js';
import { countEntry, type LoadBudget } from './archive.js';
import { HelmIgnore } from './helmignore.js';
import type { ChartFile } from './types.js';

interface Walk {
  root: string;
  where: string;
  budget: LoadBudget;
  ignore: HelmIgnore;
  visited: Set<string>;
  files: ChartFile[];
}

function invalid(where: string, message: string): MaglevError {
  return new MaglevError(ErrorCode.ChartInvalid, `${where}: ${message}`, { where, terminal: true });
}

async function readCapped(abs: string, rel: string, size: number, w: Walk): Promise<Buffer> {
  const { maxFileBytes, maxTotalBytes } = w.budget.limits;
  const tooLarge = (what: string): MaglevError =>
    new MaglevError(ErrorCode.ChartTooLarge, `${w.where}: file "${rel}" ${what}`, { where: w.where, terminal: true });
  if (size > maxFileBytes) throw tooLarge(`is larger than the per-file cap of ${maxFileBytes} bytes`);
  const data = await readFile(abs);
  if (data.length > maxFileBytes) throw tooLarge(`is larger than the per-file cap of ${maxFileBytes} bytes`);
  w.budget.bytes += data.length;
  if (w.budget.bytes > maxTotalBytes) throw tooLarge(`takes the chart over the total cap of ${maxTotalBytes} bytes`);
  return data;
}

async function resolveEntry(abs: string, rel: string, w: Walk): Promise<{ real: string; isDir: boolean; isFile: boolean; size: number }> {
  const l = await lstat(abs);
  if (!l.isSymbolicLink()) return { real: abs, isDir: l.isDirectory(), isFile: l.isFile(), size: l.size };
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    throw invalid(w.where, `symlink "${rel}" is broken (${err instanceof Error ? err.message : String(err)})`);
  }
  if (real !== w.root && !real.startsWith(w.root + sep)) throw invalid(w.where, `symlink "${rel}" points outside the chart directory`);
  const s = await stat(real);
  return { real, isDir: s.isDirectory(), isFile: s.isFile(), size: s.size };
}

async function walk(dirAbs: string, relDir: string, w: Walk): Promise<void> {
  const realDir = await realpath(dirAbs);
  if (w.visited.has(realDir)) throw invalid(w.where, `directory "${relDir}" is reached twice through symlinks (loop)`);
  w.visited.add(realDir);
  const entries = (await readdir(dirAbs)).sort();
  for (const name of entries) {
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    const abs = join(dirAbs, name);
    countEntry(w.budget, w.where, rel);
    const e = await resolveEntry(abs, rel, w);
    if (e.isDir) {
      if (!w.ignore.ignores(rel, true)) await walk(e.real, rel, w);
    } else if (e.isFile) {
      if (!w.ignore.ignores(rel, false)) w.files.push({ path: rel, data: await readCapped(e.real, rel, e.size, w) });
    } else {
      throw invalid(w.where, `"${rel}" is not a regular file or directory; only regular files are accepted`);
    }
  }
  w.visited.delete(realDir);
}

/** Reads every non-ignored regular file of a chart directory, with chart-relative POSIX paths. */
export async function readChartDirFiles(path: string, where: string, budget: LoadBudget): Promise<ChartFile[]> {
  let root: string;
  try {
    root = await realpath(path);
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new MaglevError(ErrorCode.ChartNotFound, `${where}: cannot read chart directory (${err instanceof Error ? err.message : String(err)})`, { where, terminal: true, cause: err });
  }
  let ignoreText = '';
  const ignorePath = join(root, '.helmignore');
  const ignoreStat = await lstatIfExists(ignorePath);
  if (ignoreStat?.isFile() === true) ignoreText = (await readFile(ignorePath, 'utf8')).slice(0, 1024 * 1024);
  const w: Walk = { root, where, budget, ignore: new HelmIgnore(ignoreText, `${where}/.helmignore`), visited: new Set(), files: [] };
  await walk(root, '', w);
  return w.files;
}

async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
