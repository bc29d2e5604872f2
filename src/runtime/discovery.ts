/**
 * REST mapping: apiVersion + kind → resource (plural) and scope, from the API server's discovery
 * documents (`/api/v1`, `/apis/<group>/<version>`). Each group version is fetched on first use and cached;
 * `refresh()` forgets everything (call it after applying CRDs). A kind missing from a cached document
 * triggers one re-read of that group version (at most every `minRefreshIntervalMs`) before failing, so a
 * CRD installed by someone else is picked up without a restart.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { isNotFound } from './api-error.js';
import type { ApiClient } from './client.js';
import { realClock, sleep, type Clock } from './clock.js';
import { isRecord } from './object.js';

/** Where a kind lives in the API. */
export interface ResourceMapping {
  group: string;
  version: string;
  kind: string;
  /** The plural resource name used in paths, e.g. `deployments`. */
  resource: string;
  namespaced: boolean;
}

/** Options for {@link RestMapper}. */
export interface RestMapperOptions {
  clock?: Clock;
  /** A group version is re-read on a miss at most this often (default 2 s). */
  minRefreshIntervalMs?: number;
}

interface Entry {
  fetchedAt: number;
  /** kind → mapping; empty when the group version is not served. */
  kinds: Map<string, ResourceMapping>;
}

/** Splits `apps/v1` into group `apps`, version `v1` (and `v1` into group '', version `v1`). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The discovery path of a group version: `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** The mappings in an APIResourceList body (subresources such as `pods/status` are skipped). */
export function parseResourceList(apiVersion: string, body: unknown): ResourceMapping[] {
  const { group, version } = splitApiVersion(apiVersion);
  if (!isRecord(body) || !Array.isArray(body.resources)) return [];
  const out: ResourceMapping[] = [];
  for (const r of body.resources as unknown[]) {
    if (!isRecord(r) || typeof r.name !== 'string' || typeof r.kind !== 'string' || r.name.includes('/')) continue;
    out.push({ group, version, kind: r.kind, resource: r.name, namespaced: r.namespaced === true });
  }
  return out;
}

/** Resolves apiVersion + kind to a {@link ResourceMapping}; see the module comment for caching. */
export class RestMapper {
  private readonly clock: Clock;
  private readonly minRefreshMs: number;
  private readonly cache = new Map<string, Promise<Entry>>();

  constructor(
    private readonly client: ApiClient,
    options: RestMapperOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.minRefreshMs = options.minRefreshIntervalMs ?? 2_000;
  }

  /**
   * The mapping of `kind` in `apiVersion`. Rejects with MaglevError code UnknownKind naming both when the
   * server does not serve it, and ApiError when discovery itself fails.
   */
  async map(apiVersion: string, kind: string): Promise<ResourceMapping> {
    let entry = await this.entry(apiVersion);
    let found = entry.kinds.get(kind);
    if (!found && this.clock.now() - entry.fetchedAt >= this.minRefreshMs) {
      this.cache.delete(apiVersion);
      entry = await this.entry(apiVersion);
      found = entry.kinds.get(kind);
    }
    if (found) return found;
    const served = entry.kinds.size > 0 ? `apiVersion ${apiVersion} is served, but without kind ${kind}` : `apiVersion ${apiVersion} is not served`;
    throw new MaglevError(ErrorCode.UnknownKind, `no resource for kind ${kind} in ${apiVersion}: ${served} (is its CRD installed?)`, {
      where: `${apiVersion}/${kind}`,
    });
  }

  /**
   * Resolves the mapping once the API server's discovery serves `kind` in `apiVersion`, re-reading that
   * group version (bypassing the cache) every 100 ms doubling to 1 s. A CRD reports Established before its
   * group version appears in discovery, and on a busy server the gap lasts seconds: without this wait a
   * custom resource applied right after its CRD fails with UnknownKind. Rejects with UnknownKind naming the
   * kind after `timeoutMs`, or with the abort reason when `signal` aborts.
   */
  async waitForKind(apiVersion: string, kind: string, timeoutMs: number, signal?: AbortSignal): Promise<ResourceMapping> {
    const deadline = this.clock.now() + timeoutMs;
    for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
      this.cache.delete(apiVersion);
      const found = (await this.entry(apiVersion)).kinds.get(kind);
      if (found) return found;
      const left = deadline - this.clock.now();
      if (left <= 0) {
        throw new MaglevError(ErrorCode.UnknownKind, `kind ${kind} of ${apiVersion} was still not served by discovery ${Math.round(timeoutMs / 1000)}s after its CRD was established`, {
          where: `${apiVersion}/${kind}`,
        });
      }
      await sleep(this.clock, Math.min(pauseMs, left), signal);
      signal?.throwIfAborted();
    }
  }

  /** Forgets all cached discovery; the next `map` re-reads. Call after applying CRDs. */
  refresh(): void {
    this.cache.clear();
  }

  private entry(apiVersion: string): Promise<Entry> {
    const cached = this.cache.get(apiVersion);
    if (cached) return cached;
    const loading = this.load(apiVersion);
    this.cache.set(apiVersion, loading);
    // A failed read is not cached: the next call tries again.
    loading.catch(() => this.cache.delete(apiVersion));
    return loading;
  }

  private async load(apiVersion: string): Promise<Entry> {
    const { group, version } = splitApiVersion(apiVersion);
    const fetchedAt = this.clock.now();
    try {
      const body = await this.client.request({ method: 'GET', path: groupVersionPath(group, version) });
      const kinds = new Map(parseResourceList(apiVersion, body).map((m) => [m.kind, m]));
      return { fetchedAt, kinds };
    } catch (err) {
      if (isNotFound(err)) return { fetchedAt, kinds: new Map() };
      throw new MaglevError(ErrorCode.ApiError, `discovery of ${apiVersion} failed`, { cause: err, where: apiVersion });
    }
  }
}
