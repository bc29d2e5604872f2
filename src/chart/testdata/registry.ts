/**
 * Test helpers for OCI: locating and starting the pinned `registry` binary (distribution) on a free
 * 127.0.0.1 port with temporary filesystem storage, and a push of a chart archive in Helm's OCI layout
 * (config + chart layer + image manifest) through src/distro/push.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushArtifact } from '../../distro/push.js';
import { OCI_MEDIA } from '../source/oci.js';

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

/** Pushes a chart archive as `<repo>:<tag>` in Helm's OCI layout; returns the layer digest. */
export async function pushChart(host: string, repo: string, tag: string, archive: Buffer, meta: { name: string; version: string }): Promise<string> {
  const config = Buffer.from(JSON.stringify({ apiVersion: 'v2', ...meta }));
  const { layerDigest } = await pushArtifact({ host, repository: repo, tag }, { config, configMediaType: OCI_MEDIA.config, layer: archive, layerMediaType: OCI_MEDIA.chart });
  return layerDigest;
}
