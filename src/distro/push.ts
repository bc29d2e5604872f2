/**
 * Pushing an artifact (one config blob, one layer) to an OCI registry with the distribution API: used by
 * `maglev distro push` for bundles (media types in bundle-store.ts), by tests for Helm charts, and (blobs and
 * manifest only) by hack/image for the operator image. Plain http only to loopback registries; basic
 * credentials, when given, go to the registry host only.
 */
import { createHash } from 'node:crypto';
import { isLoopback } from '../chart/source/httpclient.js';

/** What to push: a config blob and one layer, with their media types. */
export interface Artifact {
  config: Buffer;
  configMediaType: string;
  layer: Buffer;
  layerMediaType: string;
  /** Manifest annotations (e.g. org.opencontainers.image.title). */
  annotations?: Record<string, string>;
}

/** Where and as whom. */
export interface PushTarget {
  /** `host[:port]`. */
  host: string;
  repository: string;
  tag: string;
  username?: string;
  password?: string;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function base(host: string): string {
  return `${isLoopback(host.replace(/:\d+$/, '')) ? 'http' : 'https'}://${host}`;
}

async function send(t: PushTarget, url: string, init: RequestInit, want: number[]): Promise<Response> {
  const headers = new Headers(init.headers);
  if (t.username !== undefined) headers.set('authorization', `Basic ${Buffer.from(`${t.username}:${t.password ?? ''}`).toString('base64')}`);
  const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(120_000) });
  if (!want.includes(res.status)) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res;
}

/** Uploads `data` as a blob of `t.repository` unless the registry has it already; returns its digest. */
export async function pushBlob(t: PushTarget, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const root = base(t.host);
  const head = await fetch(`${root}/v2/${t.repository}/blobs/${digest}`, { method: 'HEAD', signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
  if (head?.status === 200) return digest;
  const start = await send(t, `${root}/v2/${t.repository}/blobs/uploads/`, { method: 'POST' }, [202]);
  const location = start.headers.get('location');
  if (location === null) throw new Error(`POST ${root}/v2/${t.repository}/blobs/uploads/: no Location header`);
  const url = new URL(location, root);
  url.searchParams.set('digest', digest);
  await send(t, url.toString(), { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } }, [201]);
  return digest;
}

/** Puts `manifest` (its blobs pushed before) as `repository:tag`; returns its digest. */
export async function pushManifest(t: PushTarget, manifest: Buffer, mediaType = 'application/vnd.oci.image.manifest.v1+json'): Promise<string> {
  await send(t, `${base(t.host)}/v2/${t.repository}/manifests/${t.tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': mediaType } }, [201]);
  return sha256(manifest);
}

/** Pushes `a` as `repository:tag`; returns the layer's digest and the manifest's. */
export async function pushArtifact(t: PushTarget, a: Artifact): Promise<{ layerDigest: string; manifestDigest: string }> {
  const configDigest = await pushBlob(t, a.config);
  const layerDigest = await pushBlob(t, a.layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: a.configMediaType, digest: configDigest, size: a.config.length },
      layers: [{ mediaType: a.layerMediaType, digest: layerDigest, size: a.layer.length }],
      ...(a.annotations === undefined ? {} : { annotations: a.annotations }),
    }),
  );
  return { layerDigest, manifestDigest: await pushManifest(t, manifest) };
}
