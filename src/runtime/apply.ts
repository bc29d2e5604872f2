/**
 * Writes and reads arbitrary objects by apiVersion/kind, resolved through the {@link RestMapper}:
 * server-side apply of raw JSON (`application/apply-patch+yaml`, explicit field manager,
 * `fieldValidation=Strict`), get, delete (propagationPolicy Background) and JSON merge patch. Every call
 * can run as another user (`Impersonate-User`), e.g. a tenant's service account.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { isNotFound } from './api-error.js';
import type { ApiClient } from './client.js';
import type { RestMapper, ResourceMapping } from './discovery.js';
import { groupVersionPath } from './discovery.js';
import { describeRef, type KubeObject, type ObjectRef } from './object.js';

/** Content types for the patches the operator sends. */
export const ContentType = {
  Apply: 'application/apply-patch+yaml',
  MergePatch: 'application/merge-patch+json',
} as const;

/** The coordinates of one object. `namespace` is ignored for cluster-scoped kinds. */
export type TargetRef = Pick<ObjectRef, 'apiVersion' | 'kind' | 'namespace' | 'name'>;

/** Options every call accepts. */
export interface CallOptions {
  /** Run the request as this user, e.g. `system:serviceaccount:ns:name`. */
  impersonate?: string;
  signal?: AbortSignal;
}

/** Options for {@link ResourceClient.apply}. */
export interface ApplyOptions extends CallOptions {
  /** Take over fields owned by other managers. Use only on objects this operator owns. */
  force?: boolean;
  /** Server-side dry run: validate and compute, persist nothing. */
  dryRun?: boolean;
  /** Overrides the client's default field manager. */
  fieldManager?: string;
}

/**
 * The path of a resource collection, object, or object subresource. Throws MaglevError ManifestInvalid
 * when a namespaced kind has no namespace and a name is given.
 */
export function resourcePath(mapping: ResourceMapping, namespace: string, name?: string, subresource?: string): string {
  let path = groupVersionPath(mapping.group, mapping.version);
  if (mapping.namespaced && namespace !== '') path += `/namespaces/${encodeURIComponent(namespace)}`;
  else if (mapping.namespaced && name !== undefined) {
    throw new MaglevError(ErrorCode.ManifestInvalid, `${mapping.kind} ${name} is namespaced but has no namespace`, {
      terminal: true,
      where: `${mapping.kind}/${name}`,
    });
  }
  path += `/${mapping.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

/** The apiVersion, kind, namespace and name of an object to apply; MaglevError ManifestInvalid if missing. */
export function targetOf(obj: KubeObject): TargetRef {
  const { apiVersion, kind } = obj;
  const name = obj.metadata?.name;
  if (!apiVersion || !kind || !name) {
    const missing = [!apiVersion && 'apiVersion', !kind && 'kind', !name && 'metadata.name'].filter(Boolean).join(', ');
    throw new MaglevError(ErrorCode.ManifestInvalid, `object has no ${missing}`, { terminal: true, where: describeRef({ kind: kind ?? '?', namespace: obj.metadata?.namespace ?? '', name: name ?? '?' }) });
  }
  return { apiVersion, kind, namespace: obj.metadata?.namespace ?? '', name };
}

/** Query parameters of a server-side apply request. */
export function applyQuery(fieldManager: string, opts: Pick<ApplyOptions, 'force' | 'dryRun'>): Record<string, string> {
  const query: Record<string, string> = { fieldManager, fieldValidation: 'Strict' };
  if (opts.force) query.force = 'true';
  if (opts.dryRun) query.dryRun = 'All';
  return query;
}

/** Apply, get, delete and merge-patch by apiVersion/kind; see the module comment. */
export class ResourceClient {
  constructor(
    private readonly client: ApiClient,
    private readonly mapper: RestMapper,
    private readonly fieldManager: string,
  ) {}

  /**
   * Server-side applies `obj` (sent as raw JSON) and resolves the object the server returns. Applying a
   * CustomResourceDefinition also refreshes the REST mapper, so its kind resolves once it is served.
   */
  async apply<T extends KubeObject = KubeObject>(obj: KubeObject, opts: ApplyOptions = {}): Promise<T> {
    const target = targetOf(obj);
    const path = await this.path(target);
    const body = await this.client.request({
      method: 'PATCH',
      path,
      query: applyQuery(opts.fieldManager ?? this.fieldManager, opts),
      body: obj,
      contentType: ContentType.Apply,
      ...callOptions(opts),
    });
    if (target.kind === 'CustomResourceDefinition' && target.apiVersion.startsWith('apiextensions.k8s.io/') && !opts.dryRun) {
      this.mapper.refresh();
    }
    return body as T;
  }

  /** The object, or undefined when it does not exist (404). */
  async get<T extends KubeObject = KubeObject>(ref: TargetRef, opts: CallOptions = {}): Promise<T | undefined> {
    const path = await this.path(ref);
    try {
      return (await this.client.request({ method: 'GET', path, ...callOptions(opts) })) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The list of a kind in `namespace` ('' for all namespaces, or a cluster-scoped kind), as the API returns it. */
  async list(ref: Pick<TargetRef, 'apiVersion' | 'kind' | 'namespace'>, opts: CallOptions = {}): Promise<KubeObject & { items: KubeObject[] }> {
    const mapping = await this.mapper.map(ref.apiVersion, ref.kind);
    const path = resourcePath(mapping, mapping.namespaced ? ref.namespace : '');
    return (await this.client.request({ method: 'GET', path, ...callOptions(opts) })) as KubeObject & { items: KubeObject[] };
  }

  /** Creates `obj` (POST); an existing object of that name fails with the API's 409 AlreadyExists. */
  async create<T extends KubeObject = KubeObject>(obj: KubeObject, opts: CallOptions = {}): Promise<T> {
    const target = targetOf(obj);
    const mapping = await this.mapper.map(target.apiVersion, target.kind);
    const path = resourcePath(mapping, target.namespace);
    return (await this.client.request({ method: 'POST', path, body: obj, ...callOptions(opts) })) as T;
  }

  /**
   * Replaces `obj` as a whole (PUT): fields it leaves out are removed, whoever set them. With
   * `metadata.resourceVersion` set, a stale copy fails with 409 Conflict.
   */
  async replace<T extends KubeObject = KubeObject>(obj: KubeObject, opts: CallOptions = {}): Promise<T> {
    const path = await this.path(targetOf(obj));
    return (await this.client.request({ method: 'PUT', path, body: obj, ...callOptions(opts) })) as T;
  }

  /** Deletes with propagationPolicy Background; resolves false if it was already gone. */
  async delete(ref: TargetRef, opts: CallOptions = {}): Promise<boolean> {
    const path = await this.path(ref);
    try {
      await this.client.request({ method: 'DELETE', path, query: { propagationPolicy: 'Background' }, ...callOptions(opts) });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Sends a JSON merge patch to the object or one of its subresources (e.g. `status`). */
  async mergePatch<T extends KubeObject = KubeObject>(
    ref: TargetRef,
    patch: unknown,
    opts: CallOptions & { subresource?: string } = {},
  ): Promise<T> {
    const path = await this.path(ref, opts.subresource);
    const body = await this.client.request({
      method: 'PATCH',
      path,
      body: patch,
      contentType: ContentType.MergePatch,
      ...callOptions(opts),
    });
    return body as T;
  }

  /** The API path of `ref` (and optional subresource), resolved through discovery. */
  async path(ref: TargetRef, subresource?: string): Promise<string> {
    const mapping = await this.mapper.map(ref.apiVersion, ref.kind);
    return resourcePath(mapping, ref.namespace, ref.name, subresource);
  }
}

function callOptions(opts: CallOptions): CallOptions {
  const out: CallOptions = {};
  if (opts.impersonate !== undefined) out.impersonate = opts.impersonate;
  if (opts.signal !== undefined) out.signal = opts.signal;
  return out;
}
