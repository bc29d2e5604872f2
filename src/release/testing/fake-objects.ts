/**
 * An in-memory object store for driver and controller tests: `get` and JSON merge patches (RFC 7396) of
 * objects and their `status` subresource, with the API server's resourceVersion check (409 on a stale
 * patch), create (409 when taken), replace (PUT: 409 on a stale resourceVersion), generation bumps on spec
 * changes, and deletion that waits for finalizers. Every write is logged. Reads sent as an impersonated user
 * obey a small RBAC policy (`denies`), which also answers SubjectAccessReviews (`accessApi`).
 */
import { SUBJECT_ACCESS_REVIEWS_PATH } from '../../runtime/access.js';
import { ApiStatusError } from '../../runtime/api-error.js';
import type { ApiClient } from '../../runtime/client.js';
import type { CallOptions, TargetRef } from '../../runtime/apply.js';
import { isRecord, type KubeObject } from '../../runtime/object.js';

/** RFC 7396: `patch` applied to `target` (null removes a key; non-objects replace). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

function key(ref: Pick<TargetRef, 'kind' | 'namespace' | 'name'>): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** The fake store; `writes` lists `patch Kind ns/name[/status]` and `delete Kind ns/name`. */
export class FakeObjects {
  readonly objects = new Map<string, KubeObject & Record<string, unknown>>();
  readonly writes: string[] = [];
  /** Impersonated users seen on reads, in order (undefined when none). */
  readonly readAs: (string | undefined)[] = [];
  /**
   * The cluster's RBAC for impersonated users: true denies `user` a `get` of `ref` (403 Forbidden, as the API
   * server words it), both on reads sent as `user` and in {@link accessApi}'s reviews. Unset: all allowed.
   */
  denies: ((user: string, ref: Pick<TargetRef, 'kind' | 'namespace' | 'name'>) => boolean) | undefined = undefined;
  /** SubjectAccessReviews answered by {@link accessApi}, as `user get Kind ns/name → allowed|denied`. */
  readonly reviews: string[] = [];
  private rv = 1;

  /** Stores an object as the API server would (resourceVersion, generation 1, uid). */
  put(obj: KubeObject & Record<string, unknown>): void {
    const meta = { uid: `uid-${obj.metadata?.name ?? ''}`, generation: 1, ...obj.metadata, resourceVersion: String(this.rv++) };
    this.objects.set(key({ kind: obj.kind ?? '', namespace: meta.namespace ?? '', name: meta.name ?? '' }), { ...structuredClone(obj), metadata: meta });
  }

  /** The stored object (not a copy). */
  peek(kind: string, namespace: string, name: string): (KubeObject & Record<string, unknown>) | undefined {
    return this.objects.get(key({ kind, namespace, name }));
  }

  /** Changes the spec as a user would (generation + 1). */
  updateSpec(kind: string, namespace: string, name: string, change: (spec: Record<string, unknown>) => void): void {
    const obj = this.peek(kind, namespace, name);
    if (obj === undefined) throw new Error(`${kind} ${namespace}/${name} not stored`);
    const spec = structuredClone(isRecord(obj.spec) ? obj.spec : {});
    change(spec);
    obj.spec = spec;
    obj.metadata = { ...obj.metadata, generation: (obj.metadata?.generation ?? 1) + 1, resourceVersion: String(this.rv++) };
  }

  /** Sets metadata fields (annotations…) as a user would, without a generation bump. */
  updateMeta(kind: string, namespace: string, name: string, meta: Record<string, unknown>): void {
    const obj = this.peek(kind, namespace, name);
    if (obj === undefined) throw new Error(`${kind} ${namespace}/${name} not stored`);
    obj.metadata = { ...obj.metadata, ...meta, resourceVersion: String(this.rv++) };
  }

  /** Requests deletion: with finalizers, sets deletionTimestamp; without, removes the object. */
  requestDelete(kind: string, namespace: string, name: string): void {
    const obj = this.peek(kind, namespace, name);
    if (obj === undefined) return;
    if ((obj.metadata?.finalizers ?? []).length === 0) this.objects.delete(key({ kind, namespace, name }));
    else obj.metadata = { ...obj.metadata, deletionTimestamp: '2025-01-01T00:00:00Z', resourceVersion: String(this.rv++) };
  }

  /** See ObjectAccess.get; returns a copy. */
  get<T extends KubeObject>(ref: TargetRef, opts: CallOptions = {}): Promise<T | undefined> {
    this.readAs.push(opts.impersonate);
    if (opts.impersonate !== undefined && this.denies?.(opts.impersonate, ref) === true) {
      const resource = `${ref.kind.toLowerCase()}s`;
      const message = `${resource} "${ref.name}" is forbidden: User "${opts.impersonate}" cannot get resource "${resource}" in the namespace "${ref.namespace}"`;
      return Promise.reject(new ApiStatusError(`GET ${key(ref)}`, 403, { reason: 'Forbidden', message }));
    }
    const obj = this.objects.get(key(ref));
    return Promise.resolve(obj === undefined ? undefined : (structuredClone(obj) as unknown as T));
  }

  /**
   * An API client that answers SubjectAccessReviews (`get` of one of the maglev.io kinds) from {@link denies},
   * for wrapping a real AccessReviews; every other request is a 404.
   */
  accessApi(): ApiClient {
    return {
      request: (req) => {
        const spec = isRecord(req.body) && isRecord(req.body.spec) ? req.body.spec : {};
        const attrs = isRecord(spec.resourceAttributes) ? spec.resourceAttributes : {};
        const str = (v: unknown): string => (typeof v === 'string' ? v : '');
        if (req.method !== 'POST' || req.path !== SUBJECT_ACCESS_REVIEWS_PATH || str(attrs.verb) !== 'get') {
          return Promise.reject(new ApiStatusError(`${req.method} ${req.path}`, 404, { reason: 'NotFound' }));
        }
        const kind = str(attrs.resource) === 'helmreleases' ? 'HelmRelease' : str(attrs.resource);
        const ref = { kind, namespace: str(attrs.namespace), name: str(attrs.name) };
        const allowed = this.denies?.(str(spec.user), ref) !== true;
        this.reviews.push(`${str(spec.user)} get ${key(ref)} → ${allowed ? 'allowed' : 'denied'}`);
        return Promise.resolve({ ...req.body as object, status: { allowed } });
      },
    };
  }

  /** See ResourceClient.create: 409 AlreadyExists when the name is taken; uid, generation 1, resourceVersion set. */
  create<T extends KubeObject>(obj: KubeObject, _opts: CallOptions = {}): Promise<T> {
    const ref = { kind: obj.kind ?? '', namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
    if (this.objects.has(key(ref))) return Promise.reject(new ApiStatusError(`create ${key(ref)}`, 409, { reason: 'AlreadyExists' }));
    this.writes.push(`create ${key(ref)}`);
    this.put(obj as KubeObject & Record<string, unknown>);
    return Promise.resolve(structuredClone(this.objects.get(key(ref))) as unknown as T);
  }

  /**
   * See ResourceClient.replace: the object's metadata and spec are replaced (status kept), generation + 1
   * when the spec changed; 409 when resourceVersion is set and stale, 404 when the object is gone.
   */
  replace<T extends KubeObject>(obj: KubeObject & { spec?: unknown }, _opts: CallOptions = {}): Promise<T> {
    const ref = { kind: obj.kind ?? '', namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
    const k = key(ref);
    const current = this.objects.get(k);
    if (current === undefined) return Promise.reject(new ApiStatusError(`replace ${k}`, 404, { reason: 'NotFound' }));
    const want = obj.metadata?.resourceVersion;
    if (want !== undefined && want !== current.metadata?.resourceVersion) return Promise.reject(new ApiStatusError(`replace ${k}`, 409, { reason: 'Conflict' }));
    this.writes.push(`replace ${k}`);
    const changed = JSON.stringify(current.spec) !== JSON.stringify(obj.spec);
    const generation = (current.metadata?.generation ?? 1) + (changed ? 1 : 0);
    const next = { ...structuredClone(obj), status: current.status } as KubeObject & Record<string, unknown>;
    next.metadata = { ...next.metadata, uid: current.metadata?.uid, generation, resourceVersion: String(this.rv++) };
    this.objects.set(k, next);
    return Promise.resolve(structuredClone(next) as unknown as T);
  }

  /** See ResourceClient.delete: false when already gone; with finalizers, only marks the object deleted. */
  delete(ref: TargetRef, _opts: CallOptions = {}): Promise<boolean> {
    const k = key(ref);
    if (!this.objects.has(k)) return Promise.resolve(false);
    this.writes.push(`delete ${k}`);
    this.requestDelete(ref.kind, ref.namespace, ref.name);
    return Promise.resolve(true);
  }

  /** See ObjectAccess.mergePatch. A finalizer-less object being deleted disappears after the patch. */
  mergePatch<T extends KubeObject>(ref: TargetRef, patch: unknown, opts: CallOptions & { subresource?: string } = {}): Promise<T> {
    const k = key(ref);
    const obj = this.objects.get(k);
    const what = `patch ${k}${opts.subresource === undefined ? '' : `/${opts.subresource}`}`;
    if (obj === undefined) return Promise.reject(new ApiStatusError(what, 404, { reason: 'NotFound' }));
    const p = isRecord(patch) ? patch : {};
    const want = isRecord(p.metadata) ? p.metadata.resourceVersion : undefined;
    if (typeof want === 'string' && want !== obj.metadata?.resourceVersion) return Promise.reject(new ApiStatusError(what, 409, { reason: 'Conflict' }));
    this.writes.push(what);
    const next = (opts.subresource === 'status' ? { ...obj, status: applyMergePatch(obj.status, p.status) } : applyMergePatch(obj, { ...p, metadata: { ...(isRecord(p.metadata) ? p.metadata : {}), resourceVersion: null } })) as KubeObject & Record<string, unknown>;
    next.metadata = { ...next.metadata, resourceVersion: String(this.rv++) };
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0) this.objects.delete(k);
    else this.objects.set(k, next);
    return Promise.resolve(structuredClone(next) as unknown as T);
  }
}
