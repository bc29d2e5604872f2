/**
 * `.Capabilities` of the cluster for rendering: the Kubernetes version from `/version` and the served API
 * group/versions from `/api` and `/apis`, read once and shared by every release for `ttlMs` (concurrent
 * callers share one load; a failed load is not cached). `invalidate()` forgets them, e.g. after CRDs.
 */
import type { RenderCapabilities } from '../../render/types.js';
import type { ApiClient } from '../../runtime/client.js';
import { isRecord } from '../../runtime/object.js';

/** Options for {@link ClusterCapabilities}. */
export interface ClusterCapabilitiesOptions {
  /** How long a read stays fresh (default 60 s). */
  ttlMs?: number;
  now?: () => number;
}

/** Cached cluster capabilities; see the module comment. */
export class ClusterCapabilities {
  private cached: { value: RenderCapabilities; at: number } | undefined;
  private loading: Promise<RenderCapabilities> | undefined;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: ApiClient,
    options: ClusterCapabilitiesOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The capabilities, from the cache while fresh. Rejects with the API error when the server cannot be read. */
  async get(): Promise<RenderCapabilities> {
    if (this.cached !== undefined && this.now() - this.cached.at < this.ttlMs) return this.cached.value;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Forgets the cached capabilities. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async load(): Promise<RenderCapabilities> {
    const [version, core, groups] = await Promise.all([
      this.client.request({ method: 'GET', path: '/version' }),
      this.client.request({ method: 'GET', path: '/api' }),
      this.client.request({ method: 'GET', path: '/apis' }),
    ]);
    const value = { kubeVersion: kubeVersionOf(version), apiVersions: [...coreVersions(core), ...groupVersions(groups)] };
    this.cached = { value, at: this.now() };
    return value;
  }
}

/** `gitVersion` of a /version body (e.g. `v1.35.0`); `v<major>.<minor>.0` when only those are given. */
export function kubeVersionOf(body: unknown): string {
  if (!isRecord(body)) return 'v0.0.0';
  if (typeof body.gitVersion === 'string' && body.gitVersion !== '') return body.gitVersion;
  const major = typeof body.major === 'string' ? body.major.replace(/\D/g, '') : '0';
  const minor = typeof body.minor === 'string' ? body.minor.replace(/\D/g, '') : '0';
  return `v${major || '0'}.${minor || '0'}.0`;
}

function coreVersions(body: unknown): string[] {
  return isRecord(body) && Array.isArray(body.versions) ? body.versions.filter((v): v is string => typeof v === 'string') : [];
}

/** Every `groupVersion` of an APIGroupList body. */
export function groupVersions(body: unknown): string[] {
  if (!isRecord(body) || !Array.isArray(body.groups)) return [];
  const out: string[] = [];
  for (const g of body.groups as unknown[]) {
    if (!isRecord(g) || !Array.isArray(g.versions)) continue;
    for (const v of g.versions as unknown[]) if (isRecord(v) && typeof v.groupVersion === 'string') out.push(v.groupVersion);
  }
  return out;
}
