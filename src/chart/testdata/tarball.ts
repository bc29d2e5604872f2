/**
 * Test helper: builds tar / tar.gz archives in memory with tar-stream's pack, including hostile entries
 * (symlinks, hardlinks, devices, `..` paths) that a real chart packager would never produce.
 */
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

/** One entry to pack; `data` defaults to empty, `type` to a regular file. */
export interface TarEntry {
  name: string;
  data?: string | Buffer;
  type?: tar.Header['type'];
  linkname?: string;
}

/** Packs entries into an uncompressed tar. */
export async function buildTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    const type = e.type ?? 'file';
    const header: tar.Header = {
      name: e.name, size: type === 'file' ? data.length : 0, mode: 0o644, mtime: new Date(0), type,
      linkname: e.linkname ?? '', uid: 0, gid: 0, uname: '', gname: '', devmajor: 0, devminor: 0,
    };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') pack.entry(header, data, (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Packs entries into a .tgz. */
export async function buildTgz(entries: TarEntry[]): Promise<Buffer> {
  return gzipSync(await buildTar(entries));
}

/** Entries for a chart directory `dir/` from a path → content map. */
export function chartEntries(dir: string, files: Record<string, string | Buffer>): TarEntry[] {
  return Object.entries(files).map(([path, data]) => ({ name: `${dir}/${path}`, data }));
}

/** A minimal Chart.yaml. */
export function chartYaml(name: string, version = '1.0.0', extra = ''): string {
  return `apiVersion: v2\nname: ${name}\nversion: ${version}\n${extra}`;
}

/** A .tgz of a chart from a path → content map (Chart.yaml added when absent). */
export async function chartTgz(name: string, files: Record<string, string | Buffer> = {}, version = '1.0.0'): Promise<Buffer> {
  const all = { 'Chart.yaml': chartYaml(name, version), ...files };
  return buildTgz(chartEntries(name, all));
}
