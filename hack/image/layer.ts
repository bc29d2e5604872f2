/**
 * Deterministic image layers: a layer is a sorted list of entries written as a tar with one mtime
 * (SOURCE_DATE_EPOCH), owner 0:0, no user or group names and normalised modes, then gzipped with a header that
 * holds no name and no time. The same entries give the same bytes on any machine with the same Node.js.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

/** One path of a layer: `path` is relative to the image root, without a leading or trailing slash. */
export type Entry =
  | { path: string; type: 'dir'; mode: number; owner?: number }
  | { path: string; type: 'file'; mode: number; data: Buffer }
  | { path: string; type: 'symlink'; target: string };

/** A layer being assembled: adding a path adds its missing parent directories (mode 0755). */
export class Tree {
  private readonly entries = new Map<string, Entry>();

  /** Adds (or replaces) one entry and its parents. */
  add(entry: Entry): this {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!this.entries.has(dir)) this.entries.set(dir, { path: dir, type: 'dir', mode: 0o755 });
    }
    this.entries.set(entry.path, entry);
    return this;
  }

  /** Adds a regular file with `data`; `executable` gives mode 0755, else 0644. */
  file(path: string, data: Buffer | string, executable = false): this {
    return this.add({ path, type: 'file', mode: executable ? 0o755 : 0o644, data: Buffer.from(data) });
  }

  /**
   * Copies the directory `from` (recursively) to `to`, keeping the entries `keep` accepts (given the path
   * relative to `from`). Files are 0755 when any execute bit is set, else 0644; symlinks are kept as they are.
   */
  copy(from: string, to: string, keep: (rel: string) => boolean = () => true): this {
    const walk = (rel: string): void => {
      for (const name of readdirSync(join(from, rel)).sort()) {
        const r = rel === '' ? name : `${rel}/${name}`;
        const src = join(from, r);
        const dest = to === '' ? r : `${to}/${r}`;
        const st = lstatSync(src);
        if (st.isDirectory()) walk(r);
        else if (!keep(r)) continue;
        else if (st.isSymbolicLink()) this.add({ path: dest, type: 'symlink', target: readlinkSync(src) });
        else if (st.isFile()) this.file(dest, readFileSync(src), (st.mode & 0o111) !== 0);
        else throw new Error(`${src}: only files, directories and symlinks can go into an image layer`);
      }
    };
    walk('');
    return this;
  }

  /** The entries sorted by path (a parent always comes before its children). */
  sorted(): Entry[] {
    return [...this.entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/** Writes `entries` as an uncompressed tar, every entry with mtime `epoch` (seconds) and owner 0:0 (a directory's `owner` aside). */
export async function tarOf(entries: Entry[], epoch: number): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  const mtime = new Date(epoch * 1000);
  for (const e of entries) {
    const header = { name: e.path, mtime, uid: 0, gid: 0, uname: '', gname: '' };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (e.type === 'dir') pack.entry({ ...header, type: 'directory', mode: e.mode, uid: e.owner ?? 0, gid: e.owner ?? 0 }, cb);
      else if (e.type === 'symlink') pack.entry({ ...header, type: 'symlink', linkname: e.target, mode: 0o777 }, cb);
      else pack.entry({ ...header, type: 'file', mode: e.mode, size: e.data.length }, e.data, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** `sha256:<hex>` of `data`. */
export const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A finished layer: the uncompressed tar's digest (the config's diff_id) and the gzipped blob. */
export interface Layer {
  name: string;
  diffId: string;
  uncompressedSize: number;
  blob: Buffer;
  digest: string;
}

/**
 * Gzips `tarball` at zlib's default level (Node's zlib writes no name and mtime 0; level 9 takes three times
 * as long for 0.4% less). The result is kept in `cacheDir` under the tar's digest and this Node.js version
 * (its zlib), so an unchanged layer is not compressed again; undefined `cacheDir` means no cache.
 */
export function gzipLayer(name: string, tarball: Buffer, cacheDir: string | undefined): Layer {
  const diffId = digestOf(tarball);
  const cached = cacheDir === undefined ? undefined : join(cacheDir, `${diffId.slice(7)}-zlib${process.versions.zlib}-6.tar.gz`);
  let blob: Buffer;
  if (cached !== undefined && existsSync(cached)) {
    blob = readFileSync(cached);
    utimesSync(cached, new Date(), new Date()); // used: hack/image.sh prunes layers unused for a week
  } else {
    blob = gzipSync(tarball, { level: 6 });
    if (cached !== undefined && cacheDir !== undefined) {
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(`${cached}.tmp`, blob);
      renameSync(`${cached}.tmp`, cached);
    }
  }
  return { name, diffId, uncompressedSize: tarball.length, blob, digest: digestOf(blob) };
}
