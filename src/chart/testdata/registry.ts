/**
 * Test helpers for OCI: locating and starting the pinned `registry` binary (distribution) on a free
 * 127.0.0.1 port with temporary filesystem storage, and a small OCI push of a chart archive in Helm's
 * layout (config + chart layer + image manifest).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const cache = process.env.MAGLEV_CACHE ?? join(homedir(), '.cache', 'maglev-operator');

/** Path of a pinned tool (current/<name>, else bin/<name>@<pinned version>), or undefined when absent. */
export function toolPath(name: string, versionVar: string): string | undefined {
  const current = join(cache, 'current', name);
  if (existsSync(current)) return current;
  const versions = join(process.cwd(), 'hack', 'versions.env');
  const pinned = existsSync(versions) ? new RegExp(`^${versionVar}=(\\S+)$`, 'm').exec(readFileSync(versions, 'utf8'))?.[1] : undefined;
  const bin = pinned === undefined ? undefined : join(cache, 'bin', `${name}@${pinned}`);
  return bin !== undefined && existsSync(bin) ? bin : undefined;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** A running registry: `host` is 127.0.0.1:port. */
export interface LocalRegistry {
  host: string;
  stop(): Promise<void>;
}

/** Starts the registry binary with storage in a temp dir and waits until /v2/ answers. */
export async function startRegistry(binary: string): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'maglev-registry-'));
  const port = await freePort();
  const config = `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`;
  await writeFile(join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn(binary, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false);
    if (ok) return { host, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`registry did not start on ${host}`);
}

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function pushBlob(host: string, repo: string, data: Buffer): Promise<string> {
  const digest = digestOf(data);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const location = start.headers.get('location');
  if (start.status !== 202 || location === null) throw new Error(`upload start failed: ${start.status}`);
  const url = new URL(location, `http://${host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`upload failed: ${put.status} ${await put.text()}`);
  return digest;
}

/** Pushes a chart archive as `<repo>:<tag>` in Helm's OCI layout; returns the layer digest. */
export async function pushChart(host: string, repo: string, tag: string, archive: Buffer, meta: { name: string; version: string }): Promise<string> {
  const config = Buffer.from(JSON.stringify({ apiVersion: 'v2', ...meta }));
  const configDigest = await pushBlob(host, repo, config);
  const layerDigest = await pushBlob(host, repo, archive);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: configDigest, size: config.length },
    layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: layerDigest, size: archive.length }],
  };
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: JSON.stringify(manifest),
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (res.status !== 201) throw new Error(`manifest push failed: ${res.status} ${await res.text()}`);
  return layerDigest;
}
