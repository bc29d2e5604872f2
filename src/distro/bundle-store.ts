/**
 * Where a MaglevDistro's bundle comes from (`spec.bundle`: a ConfigMap entry, an http(s) URL or an
 * `oci://host/path:tag` artifact, with `secretRef` credentials and `verify.digest`), and the one in-memory
 * cache that serves it: loaded bundles are kept by digest, so the distro controller and every child
 * HelmRelease (`chart.distroRef`) share one download and one parse. A URL or OCI tag is asked again only
 * after {@link BUNDLE_REFRESH_MS} (an OCI tag costs one manifest GET; the blob of a known digest is never
 * downloaded twice); a ConfigMap is read from the API on every pass and parsed only when its digest is new.
 */
import semver from 'semver';
import type { LoadLimits } from '../chart/archive.js';
import { FORCE_UPGRADE_PATH_ANNOTATION } from '../constants.js';
import { sha256Digest } from '../chart/cache.js';
import { isTable } from '../chart/objects.js';
import { parseDigestSpec } from '../chart/source/common.js';
import { archiveFromConfigMap } from '../chart/source/configmap.js';
import { authorizationFor, expectOk, httpGet, originOf, redactUrl, parseSpecUrl, type Credentials } from '../chart/source/httpclient.js';
import { RegistryClient } from '../chart/source/registry.js';
import type { MaglevDistro } from '../crds/index.js';
import { ErrorCode, MaglevError } from '../errors.js';
import { readCredentials, readData } from '../release/reconcile/inputs.js';
import type { ReleaseDriverDeps } from '../release/reconcile/types.js';
import { chartPath, loadBundle, type DistroManifest } from './bundle.js';

/** How long a URL's or an OCI tag's digest is trusted before it is asked again. */
export const BUNDLE_REFRESH_MS = 5 * 60_000;
/** Compressed bundle download cap (the chart-tree cap: a bundle is read under the same limits). */
export const MAX_BUNDLE_BYTES = 100 * 1024 * 1024;
/** Loaded bundles kept in memory (least recently used dropped first). */
const MAX_CACHED_BUNDLES = 16;

/** OCI media types of a distro bundle artifact (`maglev distro push`). */
export const BUNDLE_MEDIA = {
  config: 'application/vnd.maglev.distro.config.v1+json',
  layer: 'application/vnd.maglev.distro.bundle.v1.tar+gzip',
} as const;
const GENERIC_LAYERS = ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/tar+gzip'];

/** A bundle read, checked and ready to serve. */
export interface LoadedBundle {
  /** `sha256:<hex>` of the bundle archive. */
  digest: string;
  manifest: DistroManifest;
  /** Chart archives by bundle path, with their own digests. */
  charts: Map<string, { archive: Buffer; digest: string; name: string; version: string }>;
  /** Where it came from, for messages (no credentials). */
  source: string;
}

/** Reads a bundle for serving (see {@link loadBundle}: BundleInvalid listing every problem). */
export async function readLoadedBundle(archive: Buffer, source: string, limits?: Partial<LoadLimits>): Promise<LoadedBundle> {
  const report = await loadBundle(archive, source, limits);
  const charts: LoadedBundle['charts'] = new Map();
  for (const [path, info] of report.charts) {
    const data = report.files.get(path);
    if (data !== undefined) charts.set(path, { archive: data, digest: sha256Digest(data), name: info.name, version: info.version });
  }
  return { digest: report.digest, manifest: report.manifest, charts, source };
}

/** Source kinds, as the fetch metric labels them. */
export type BundleSourceKind = 'configmap' | 'url' | 'oci';

/** What the store needs. */
export interface BundleStoreDeps {
  /** Reads ConfigMaps and Secrets in the distro's namespace. */
  objects: Pick<ReleaseDriverDeps['objects'], 'get'>;
  /** Called once per download or parse of a bundle (a cache miss), and for failures. */
  onFetch?: (source: BundleSourceKind, result: 'loaded' | 'error') => void;
  now?: () => number;
  refreshMs?: number;
  timeoutMs?: number;
  loadLimits?: Partial<LoadLimits>;
}

function fetchFailed(message: string, where: string, cause?: unknown): MaglevError {
  return new MaglevError(ErrorCode.BundleFetchFailed, message, { where, cause });
}

/** Parses `oci://host[:port]/path[:tag|@sha256:...]`. */
export function parseOciBundleUrl(url: string): { host: string; repository: string; reference: string } {
  const m = /^oci:\/\/([^/?#@\s]+)\/([a-z0-9._/-]+?)(?::([\w][\w.-]{0,127})|@(sha256:[0-9a-f]{64}))?$/.exec(url.trim());
  if (m === null) {
    throw new MaglevError(ErrorCode.InvalidSpec, `spec.bundle.url "${url}" is not a valid OCI reference (accepted: oci://host[:port]/path:tag or oci://host/path@sha256:<hex>)`, { where: 'spec.bundle.url', terminal: true });
  }
  return { host: m[1] ?? '', repository: m[2] ?? '', reference: m[4] ?? m[3] ?? 'latest' };
}

function bundleLayer(manifest: unknown, what: string): { digest: string; size: number } {
  if (!isTable(manifest) || !Array.isArray(manifest.layers)) throw fetchFailed(`${what}: not an OCI image manifest`, what);
  const layers = manifest.layers.filter(isTable);
  const layer = layers.find((l) => l.mediaType === BUNDLE_MEDIA.layer) ?? (layers.length === 1 && GENERIC_LAYERS.includes(String(layers[0]?.mediaType)) ? layers[0] : undefined);
  if (layer === undefined || typeof layer.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(layer.digest)) {
    throw new MaglevError(ErrorCode.BundleInvalid, `${what}: no layer of media type ${BUNDLE_MEDIA.layer} with a sha256 digest (push bundles with maglev distro push)`, { where: what, terminal: true });
  }
  return { digest: layer.digest, size: typeof layer.size === 'number' ? layer.size : 0 };
}

/** The bundle cache and its sources; see the module comment. */
export class BundleStore {
  private readonly loaded = new Map<string, LoadedBundle>();
  /** URL or OCI reference (with the digest it must have) → digest seen and when. */
  private readonly seen = new Map<string, { digest: string; at: number }>();
  private readonly inflight = new Map<string, Promise<LoadedBundle>>();
  private readonly now: () => number;

  constructor(private readonly deps: BundleStoreDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Bundles held in memory (for tests and metrics). */
  get size(): number {
    return this.loaded.size;
  }

  /** The distro's bundle: fetched (or taken from the cache), digest-checked and loaded. */
  async forDistro(distro: MaglevDistro, signal?: AbortSignal): Promise<LoadedBundle> {
    const b = distro.spec.bundle;
    if (b === undefined) throw new MaglevError(ErrorCode.InvalidSpec, 'spec.bundle is not set', { where: 'spec.bundle', terminal: true });
    const ns = distro.metadata.namespace ?? '';
    const verify = parseDigestSpec(b.verify?.digest);
    if (verify !== undefined) {
      const hit = this.hit(verify);
      if (hit !== undefined) return hit;
    }
    if (b.configMapRef !== undefined) {
      const ref = b.configMapRef;
      const where = `ConfigMap ${ns}/${ref.name} key ${ref.key}`;
      const cm = await readData({ objects: this.deps.objects }, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: ref.name }, { signal });
      let archive: Buffer;
      try {
        archive = archiveFromConfigMap(cm, ref);
      } catch (err) {
        throw new MaglevError(ErrorCode.BundleFetchFailed, err instanceof Error ? err.message.replace(/^ConfigMap "[^"]*" key "[^"]*"/, where) : String(err), { where: 'spec.bundle.configMapRef', cause: err });
      }
      return this.load(archive, where, verify, 'configmap');
    }
    const url = b.url ?? '';
    const key = `${url}#${verify ?? ''}`;
    const known = this.seen.get(key);
    if (known !== undefined && this.now() - known.at < (this.deps.refreshMs ?? BUNDLE_REFRESH_MS)) {
      const hit = this.hit(known.digest);
      if (hit !== undefined) return hit;
    }
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    const credentials = b.secretRef === undefined ? undefined : await readCredentials({ objects: this.deps.objects }, ns, b.secretRef.name, { signal });
    const task = (url.startsWith('oci://') ? this.fromOci(url, credentials, verify) : this.fromUrl(url, credentials, verify))
      .then((bundle) => {
        this.seen.set(key, { digest: bundle.digest, at: this.now() });
        return bundle;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, task);
    return task;
  }

  /**
   * The chart archive of `component` for a child's `chart.distroRef`: the archive with `digest` from any
   * bundle in memory (a rollback's target may be in an earlier bundle), else from the distro's bundle.
   */
  async componentChart(distro: MaglevDistro, component: string, digest?: string, signal?: AbortSignal): Promise<{ archive: Buffer; source: string }> {
    if (digest !== undefined) {
      for (const b of [...this.loaded.values()].reverse()) {
        for (const [path, chart] of b.charts) if (chart.digest === digest) return { archive: chart.archive, source: `${b.source}: ${path}` };
      }
    }
    const bundle = await this.forDistro(distro, signal);
    const c = bundle.manifest.components.find((x) => x.name === component);
    const path = c === undefined ? undefined : chartPath(c);
    const chart = path === undefined ? undefined : bundle.charts.get(path);
    if (chart === undefined) {
      throw new MaglevError(ErrorCode.ChartNotFound, `the bundle ${bundle.source} (${bundle.digest}) has no chart archive for component ${component}`, { where: 'spec.chart.distroRef' });
    }
    return { archive: chart.archive, source: `${bundle.source}: ${path ?? ''}` };
  }

  private hit(digest: string): LoadedBundle | undefined {
    const b = this.loaded.get(digest);
    if (b === undefined) return undefined;
    this.loaded.delete(digest);
    this.loaded.set(digest, b);
    return b;
  }

  private async load(archive: Buffer, source: string, verify: string | undefined, kind: BundleSourceKind): Promise<LoadedBundle> {
    const digest = sha256Digest(archive);
    if (verify !== undefined && digest !== verify) {
      this.deps.onFetch?.(kind, 'error');
      throw new MaglevError(ErrorCode.DigestMismatch, `bundle from ${source} has digest ${digest}, but spec.bundle.verify.digest expects ${verify}`, { where: 'spec.bundle.verify.digest', terminal: true });
    }
    const hit = this.hit(digest);
    if (hit !== undefined) return hit;
    let bundle: LoadedBundle;
    try {
      bundle = await readLoadedBundle(archive, source, this.deps.loadLimits);
    } catch (err) {
      this.deps.onFetch?.(kind, 'error');
      throw err;
    }
    this.loaded.set(digest, bundle);
    while (this.loaded.size > MAX_CACHED_BUNDLES) this.loaded.delete(this.loaded.keys().next().value as string);
    this.deps.onFetch?.(kind, 'loaded');
    return bundle;
  }

  private async fromUrl(url: string, credentials: Credentials | undefined, verify: string | undefined): Promise<LoadedBundle> {
    const parsed = parseSpecUrl(url, 'spec.bundle.url');
    const where = redactUrl(parsed);
    let body: Buffer;
    try {
      const res = await httpGet(parsed.toString(), {
        what: 'distro bundle',
        maxBytes: MAX_BUNDLE_BYTES,
        tooLargeCode: ErrorCode.BundleInvalid,
        timeoutMs: this.deps.timeoutMs,
        credentialOrigin: originOf(parsed),
        authorization: authorizationFor(credentials),
        ca: credentials?.caFile,
      });
      body = expectOk(res, 'distro bundle').body;
    } catch (err) {
      this.deps.onFetch?.('url', 'error');
      throw rewrap(err, where);
    }
    return this.load(body, where, verify, 'url');
  }

  private async fromOci(url: string, credentials: Credentials | undefined, verify: string | undefined): Promise<LoadedBundle> {
    const ref = parseOciBundleUrl(url);
    const where = `oci://${ref.host}/${ref.repository}${ref.reference.startsWith('sha256:') ? '@' : ':'}${ref.reference}`;
    const client = new RegistryClient(ref.host, { ...(credentials === undefined ? {} : { credentials }), ...(this.deps.timeoutMs === undefined ? {} : { timeoutMs: this.deps.timeoutMs }) });
    try {
      const res = await client.get(`/v2/${ref.repository}/manifests/${ref.reference}`, `manifest of ${where}`, 'application/vnd.oci.image.manifest.v1+json', 4 * 1024 * 1024);
      let manifest: unknown;
      try {
        manifest = JSON.parse(res.body.toString('utf8'));
      } catch (err) {
        throw fetchFailed(`manifest of ${where}: not JSON`, where, err);
      }
      const layer = bundleLayer(manifest, `manifest of ${where}`);
      if (verify !== undefined && layer.digest !== verify) {
        throw new MaglevError(ErrorCode.DigestMismatch, `bundle ${where} has digest ${layer.digest}, but spec.bundle.verify.digest expects ${verify}`, { where: 'spec.bundle.verify.digest', terminal: true });
      }
      const hit = this.hit(layer.digest);
      if (hit !== undefined) return hit;
      if (layer.size > MAX_BUNDLE_BYTES) throw new MaglevError(ErrorCode.BundleInvalid, `${where}: bundle layer of ${layer.size} bytes is over the cap of ${MAX_BUNDLE_BYTES} bytes`, { where, terminal: true });
      const blob = await client.get(`/v2/${ref.repository}/blobs/${layer.digest}`, `bundle layer of ${where}`, '*/*', MAX_BUNDLE_BYTES, ErrorCode.BundleInvalid);
      if (sha256Digest(blob.body) !== layer.digest) throw fetchFailed(`${where}: the layer downloaded does not have the digest its manifest names (${layer.digest})`, where);
      return await this.load(blob.body, where, verify, 'oci');
    } catch (err) {
      if (!(err instanceof MaglevError && (err.code === ErrorCode.BundleInvalid || err.code === ErrorCode.DigestMismatch))) this.deps.onFetch?.('oci', 'error');
      throw rewrap(err, where);
    }
  }
}

/** Chart fetch errors of the shared HTTP client, renamed for a bundle (same message, bundle codes). */
function rewrap(err: unknown, where: string): unknown {
  if (!(err instanceof MaglevError)) return err;
  if (err.code === ErrorCode.ChartNotFound || err.code === ErrorCode.ChartFetchFailed) return new MaglevError(ErrorCode.BundleFetchFailed, err.message, { where, cause: err });
  return err;
}

/** Stalls the distro when the bundle's version is not spec.version. */
export function checkBundleVersion(distro: MaglevDistro, bundle: LoadedBundle): void {
  const want = distro.spec.version;
  if (bundle.manifest.version === want) return;
  throw new MaglevError(
    ErrorCode.VersionMismatch,
    `spec.version is ${want}, but the bundle ${bundle.source} holds distro ${bundle.manifest.name} ${bundle.manifest.version}; set spec.version to the bundle's version or point spec.bundle at the ${want} bundle`,
    { where: 'spec.version', terminal: true },
  );
}

/**
 * Stalls an upgrade from `deployed` to the bundle's version when the bundle's `upgradeFrom` range does not
 * hold `deployed`, unless the distro carries the force annotation. Installs, re-applies of the same version
 * and downgrades are not upgrades and pass.
 */
export function checkUpgradePath(distro: MaglevDistro, bundle: LoadedBundle, deployed: string | undefined): void {
  const range = bundle.manifest.upgradeFrom;
  const to = bundle.manifest.version;
  if (range === undefined || deployed === undefined || semver.valid(deployed) === null || !semver.gt(to, deployed)) return;
  if (semver.satisfies(deployed, range, { includePrerelease: true })) return;
  if (distro.metadata.annotations?.[FORCE_UPGRADE_PATH_ANNOTATION] === 'true') return;
  throw new MaglevError(
    ErrorCode.UpgradePathBlocked,
    `distro ${deployed} cannot upgrade to ${to} directly: the ${to} bundle accepts upgrades from "${range}" only; upgrade through a version in that range, or annotate the distro ${FORCE_UPGRADE_PATH_ANNOTATION}="true" to force it`,
    { where: 'spec.version', terminal: true },
  );
}
