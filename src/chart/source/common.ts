/**
 * Types and steps shared by the chart sources: what a fetch needs (FetchDeps), what it returns
 * (FetchedChart), digest checks, caching and loading of a downloaded archive.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import type { LoadLimits } from '../archive.js';
import { sha256Digest, type ChartCache } from '../cache.js';
import { loadChartArchive } from '../load.js';
import type { Chart } from '../types.js';
import type { Credentials } from './httpclient.js';

/** `spec.chart` of a HelmRelease (exactly one of repository+name, url, configMapRef, distroRef). */
export interface ChartRef {
  repository?: string;
  name?: string;
  version?: string;
  url?: string;
  configMapRef?: { name: string; key: string };
  distroRef?: { name: string; component: string };
  verify?: { digest?: string };
}

/** A ConfigMap's contents as the controller read them. */
export interface ConfigMapData {
  binaryData?: Record<string, string>;
  data?: Record<string, string>;
}

/** What a fetch may use: cache, credentials (from secretRef), a ConfigMap read by the caller, limits. */
export interface FetchDeps {
  cache?: ChartCache;
  credentials?: Credentials;
  /** Contents of `spec.chart.configMapRef`'s ConfigMap (undefined: not found). */
  configMap?: ConfigMapData;
  /** The archive `spec.chart.distroRef` names, as the distro's bundle holds it. */
  distroArchive?: { archive: Buffer; source: string };
  /** Per-request deadline (default 60 s). */
  timeoutMs?: number;
  /** Archive download cap (default 10 MiB). */
  maxArchiveBytes?: number;
  /** index.yaml download cap (default 50 MiB). */
  maxIndexBytes?: number;
  /** Allow plain http to OCI registries that are not on localhost. */
  insecure?: boolean;
  /** Caps for loading the archive. */
  loadLimits?: Partial<LoadLimits>;
}

/** A fetched, verified and loaded chart. */
export interface FetchedChart {
  chart: Chart;
  archive: Buffer;
  /** `sha256:<hex>` of the archive. */
  digest: string;
  name: string;
  /** The resolved chart version (Chart.yaml's). */
  version: string;
  /** Where the archive came from (URL without credentials or query, or configmap name/key). */
  source: string;
  /** True when the archive came from the cache instead of the network. */
  cached: boolean;
}

/** Defaults: 60 s per request, 10 MiB per archive, 50 MiB per index (Flux's caps). */
export const FETCH_DEFAULTS = { timeoutMs: 60_000, maxArchiveBytes: 10 * 1024 * 1024, maxIndexBytes: 50 * 1024 * 1024 };

/** Normalises `spec.chart.verify.digest` ("sha256:<64 hex>"); InvalidSpec otherwise. */
export function parseDigestSpec(digest: string | undefined): string | undefined {
  if (digest === undefined || digest === '') return undefined;
  const d = digest.trim().toLowerCase();
  if (!/^sha256:[0-9a-f]{64}$/.test(d)) {
    throw new MaglevError(ErrorCode.InvalidSpec, `spec.chart.verify.digest "${digest}" is not valid (accepted: sha256:<64 hex digits>)`, { where: 'spec.chart.verify.digest', terminal: true });
  }
  return d;
}

/** Throws DigestMismatch when `actual` differs from an expected digest; `what` says whose digest it is. */
export function checkDigest(actual: string, expected: string | undefined, what: string, source: string): void {
  if (expected === undefined || expected === actual) return;
  throw new MaglevError(ErrorCode.DigestMismatch, `chart archive from ${source} has digest ${actual}, but ${what} expects ${expected}`, { where: source });
}

/** Verifies, caches and loads an archive (a memoised Chart is reused for a known digest). */
export async function finishArchive(
  archive: Buffer,
  deps: FetchDeps,
  source: string,
  expected: { digest: string | undefined; what: string }[],
  cached = false,
): Promise<FetchedChart> {
  const digest = sha256Digest(archive);
  for (const e of expected) checkDigest(digest, e.digest, e.what, source);
  if (!cached) await deps.cache?.putArchive(digest, archive);
  let chart = deps.cache?.getChart(digest);
  if (chart === undefined) {
    chart = await loadChartArchive(archive, { limits: deps.loadLimits, where: source });
    deps.cache?.putChart(digest, chart);
  }
  return { chart, archive, digest, name: chart.metadata.name, version: chart.metadata.version, source, cached };
}
