/**
 * `.Capabilities` of the cluster for rendering: the Kubernetes version from `/version` and the served API
 * versions as Helm lists them (GetVersionSet): every group/version from `/api` and `/apis`, plus
 * `<group/version>/<Kind>` for every resource each of them serves, so `.Capabilities.APIVersions.Has
 * "policy/v1/PodDisruptionBudget"` answers as it does under `helm install`. A group/version whose resource
 * list cannot be read (an aggregated API that is down) keeps its group/version and loses its kinds, as in
 * Helm. Read once and shared by every release for `ttlMs` (concurrent callers share one load; a failed load
 * is not cached). `invalidate()` forgets them, e.g. after CRDs.
 */
import type { RenderCapabilities } from '../../render/types.js';
import type { ApiClient } from '../../runtime/client.js';
import { groupVersionPath, splitApiVersion } from '../../runtime/discovery.js';
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
    const versions = [...coreVersions(core), ...groupVersions(groups)];
    const kinds = await Promise.all(versions.map((gv) => this.kindsOf(gv)));
    const value = { kubeVersion: kubeVersionOf(version), apiVersions: [...new Set([...versions, ...kinds.flat()])] };
    this.cached = { value, at: this.now() };
    return value;
  }

  /** `<gv>/<Kind>` of every resource (subresources included, as Helm does) served at one group/version. */
  private async kindsOf(gv: string): Promise<string[]> {
    const { group, version } = splitApiVersion(gv);
    const body = await this.client.request({ method: 'GET', path: groupVersionPath(group, version) }).catch(() => undefined);
    return resourceKinds(gv, body);
  }
}

/** `<gv>/<Kind>` of each resource of an APIResourceList body, once each. */
export function resourceKinds(gv: string, body: unknown): string[] {
  if (!isRecord(body) || !Array.isArray(body.resources)) return [];
  const out = new Set<string>();
  for (const r of body.resources as unknown[]) if (isRecord(r) && typeof r.kind === 'string' && r.kind !== '') out.add(`${gv}/${r.kind}`);
  return [...out];
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
