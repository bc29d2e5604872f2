/**
 * The OCI documents of the image (config, manifest, index) and the OCI image layout that holds them, written
 * as a deterministic tar (https://github.com/opencontainers/image-spec/blob/main/image-layout.md).
 */
import { digestOf, type Entry, type Layer, tarOf } from './layer.js';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** What the image runs and how it is described. */
export interface ImageSpec {
  /** Seconds since the epoch: the `created` time of the image and of each history entry. */
  epoch: number;
  user: string;
  entrypoint: string[];
  env: string[];
  workingDir: string;
  exposedPorts: string[];
  /** Image labels, also written as manifest annotations. */
  labels: Record<string, string>;
}

/** The built image: its documents as bytes, and the manifest digest that names it. */
export interface Image {
  config: Buffer;
  manifest: Buffer;
  digest: string;
  layers: Layer[];
}

/** Canonical JSON bytes: the key order of `value` as written here, no spaces. */
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** The image config and manifest for `layers` (bottom first). */
export function buildImage(spec: ImageSpec, layers: Layer[]): Image {
  const created = new Date(spec.epoch * 1000).toISOString();
  const config = json({
    created,
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: spec.user,
      ExposedPorts: Object.fromEntries(spec.exposedPorts.map((p) => [p, {}])),
      Env: spec.env,
      Entrypoint: spec.entrypoint,
      WorkingDir: spec.workingDir,
      Labels: spec.labels,
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created, created_by: `hack/image.sh: ${l.name}`, comment: 'maglev-operator image build' })),
  });
  const manifest = json({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: CONFIG_MEDIA_TYPE, digest: digestOf(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: LAYER_MEDIA_TYPE, digest: l.digest, size: l.blob.length })),
    annotations: spec.labels,
  });
  return { config, manifest, digest: digestOf(manifest), layers };
}

/**
 * The OCI image layout of `image` as a tar: oci-layout, index.json (naming the manifest `refName` through
 * org.opencontainers.image.ref.name, and `imageName` for tools that import it, such as `ctr images import`)
 * and every blob under blobs/sha256/.
 */
export async function layoutTar(image: Image, refName: string, imageName: string, epoch: number): Promise<Buffer> {
  const index = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: MANIFEST_MEDIA_TYPE,
        digest: image.digest,
        size: image.manifest.length,
        annotations: { 'io.containerd.image.name': imageName, 'org.opencontainers.image.ref.name': refName },
      },
    ],
  });
  const blob = (data: Buffer): Entry => ({ path: `blobs/sha256/${digestOf(data).slice(7)}`, type: 'file', mode: 0o644, data });
  const entries: Entry[] = [
    { path: 'blobs', type: 'dir', mode: 0o755 },
    { path: 'blobs/sha256', type: 'dir', mode: 0o755 },
    ...[image.config, image.manifest, ...image.layers.map((l) => l.blob)].map(blob).sort((a, b) => (a.path < b.path ? -1 : 1)),
    { path: 'index.json', type: 'file', mode: 0o644, data: index },
    { path: 'oci-layout', type: 'file', mode: 0o644, data: json({ imageLayoutVersion: '1.0.0' }) },
  ];
  return tarOf(entries, epoch);
}
