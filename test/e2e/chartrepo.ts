/**
 * A Helm HTTP chart repository served by the test process on 127.0.0.1 (node:http): charts are packed
 * in memory (tar-stream + gzip) from a path → content map, listed in index.yaml with their digests, and
 * served as `<name>-<version>.tgz`. Every archive is also written to a temporary file for the helm CLI.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import yaml from 'js-yaml';
import tar from 'tar-stream';

/** One chart version in the repository. */
interface Entry {
  name: string;
  version: string;
  appVersion: string;
  archive: Buffer;
  digest: string;
  file: string;
}

/** A running repository. */
export interface ChartRepo {
  url: string;
  /** Packs and publishes `name-version` (Chart.yaml is written from the arguments). */
  add(name: string, version: string, files: Record<string, string | Buffer>): Promise<void>;
  /**
   * Packs and publishes a chart whose files include its own Chart.yaml (name, version and appVersion are
   * read from it); `version`, when given, replaces the version written there.
   */
  addChart(files: Record<string, string | Buffer>, version?: string): Promise<{ name: string; version: string }>;
  /** Path of the archive of `name-version` on disk, for `helm install`. */
  file(name: string, version: string): string;
  close(): Promise<void>;
}

/** Packs `files` under `<name>/` into a .tgz, as `helm package` lays it out. */
export async function packChart(name: string, files: Record<string, string | Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const [path, content] of Object.entries(files)) {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    await new Promise<void>((resolve, reject) => pack.entry({ name: `${name}/${path}`, size: data.length, mode: 0o644, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** Starts a repository; close it after the tests. */
export async function startChartRepo(): Promise<ChartRepo> {
  const entries: Entry[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'maglev-charts-'));
  const index = (): string => {
    const byName: Record<string, unknown[]> = {};
    for (const e of entries) {
      (byName[e.name] ??= []).push({ apiVersion: 'v2', name: e.name, version: e.version, appVersion: e.appVersion, digest: e.digest, urls: [`${e.name}-${e.version}.tgz`], created: '2025-01-01T00:00:00Z' });
    }
    return yaml.dump({ apiVersion: 'v1', entries: byName, generated: '2025-01-01T00:00:00Z' });
  };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://repo').pathname.slice(1);
    if (path === 'index.yaml') {
      res.writeHead(200, { 'Content-Type': 'application/x-yaml' }).end(index());
      return;
    }
    const entry = entries.find((e) => `${e.name}-${e.version}.tgz` === path);
    if (entry === undefined) res.writeHead(404).end('not found');
    else res.writeHead(200, { 'Content-Type': 'application/gzip' }).end(entry.archive);
  });
  const publish = async (name: string, version: string, appVersion: string, files: Record<string, string | Buffer>): Promise<void> => {
    const archive = await packChart(name, files);
    const file = join(dir, `${name}-${version}.tgz`);
    writeFileSync(file, archive);
    entries.push({ name, version, appVersion, archive, digest: createHash('sha256').update(archive).digest('hex'), file });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    add: async (name, version, files) => {
      const appVersion = `${version}-app`;
      const chartYaml = `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "${appVersion}"\n`;
      await publish(name, version, appVersion, { 'Chart.yaml': chartYaml, ...files });
    },
    addChart: async (files, version) => {
      const meta = yaml.load(String(files['Chart.yaml'] ?? '')) as { name?: string; version?: string; appVersion?: string } | undefined;
      if (meta?.name === undefined || meta.version === undefined) throw new Error('Chart.yaml with a name and a version is required');
      const v = version ?? meta.version;
      const chartYaml = version === undefined ? files['Chart.yaml']! : yaml.dump({ ...meta, version: v });
      await publish(meta.name, v, meta.appVersion ?? '', { ...files, 'Chart.yaml': chartYaml });
      return { name: meta.name, version: v };
    },
    file: (name, version) => {
      const e = entries.find((x) => x.name === name && x.version === version);
      if (e === undefined) throw new Error(`${name}-${version} is not in the repository`);
      return e.file;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
