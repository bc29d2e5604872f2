/**
 * The real {@link SecretStore}: core/v1 Secrets through the raw JSON {@link ApiClient} (list with a label
 * selector and continue tokens, POST, PUT guarded by resourceVersion, DELETE), optionally impersonating a
 * tenant's service account. Kubernetes base64-encodes `data` values on the wire; this layer undoes that,
 * so callers see Helm's own `release` text.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { isNotFound, isConflict, ApiStatusError } from '../runtime/api-error.js';
import type { ApiClient } from '../runtime/client.js';
import { isRecord } from '../runtime/object.js';
import type { SecretStore, StoredSecret } from './secrets.js';

/** Options for {@link KubeSecretStore}. */
export interface KubeSecretStoreOptions {
  /** Send every request as this user, e.g. `system:serviceaccount:ns:name`. */
  impersonate?: string;
  /** Page size of list calls (default 100; record Secrets are large). */
  pageSize?: number;
}

/** Secret CRUD over the API server; see the module comment. */
export class KubeSecretStore implements SecretStore {
  constructor(
    private readonly client: ApiClient,
    private readonly options: KubeSecretStoreOptions = {},
  ) {}

  /** See {@link SecretStore.list}; follows continue tokens until the list is complete. */
  async list(namespace: string, selector: Record<string, string>): Promise<StoredSecret[]> {
    const labelSelector = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const out: StoredSecret[] = [];
    let cont: string | undefined;
    do {
      const body = await this.client.request({
        method: 'GET',
        path: collection(namespace),
        query: { labelSelector, limit: this.options.pageSize ?? 100, continue: cont },
        ...this.who(),
      });
      if (!isRecord(body) || !Array.isArray(body.items)) {
        throw new MaglevError(ErrorCode.ApiError, `GET ${collection(namespace)}: response is not a list`);
      }
      for (const item of body.items) out.push(fromSecret(item));
      const meta = isRecord(body.metadata) ? body.metadata : {};
      cont = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
    } while (cont !== undefined);
    return out;
  }

  /** See {@link SecretStore.create}; 409 AlreadyExists becomes MaglevError ReleaseExists. */
  async create(namespace: string, secret: StoredSecret): Promise<StoredSecret> {
    try {
      const body = await this.client.request({ method: 'POST', path: collection(namespace), body: toSecret(namespace, secret), ...this.who() });
      return fromSecret(body);
    } catch (err) {
      if (isConflict(err)) {
        throw new MaglevError(ErrorCode.ReleaseExists, `Secret ${namespace}/${secret.name} already exists`, { cause: err, where: `${namespace}/${secret.name}` });
      }
      throw err;
    }
  }

  /** See {@link SecretStore.update}: a PUT carrying the resourceVersion, so a stale write gets 409. */
  async update(namespace: string, secret: StoredSecret): Promise<StoredSecret> {
    const path = `${collection(namespace)}/${encodeURIComponent(secret.name)}`;
    const body = await this.client.request({ method: 'PUT', path, body: toSecret(namespace, secret), ...this.who() });
    return fromSecret(body);
  }

  /** See {@link SecretStore.delete}. */
  async delete(namespace: string, name: string): Promise<boolean> {
    try {
      await this.client.request({ method: 'DELETE', path: `${collection(namespace)}/${encodeURIComponent(name)}`, ...this.who() });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private who(): { impersonate?: string } {
    return this.options.impersonate === undefined ? {} : { impersonate: this.options.impersonate };
  }
}

function collection(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
}

function toSecret(namespace: string, s: StoredSecret): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: s.name, namespace, labels: s.labels };
  if (Object.keys(s.annotations).length > 0) metadata.annotations = s.annotations;
  if (s.resourceVersion !== undefined) metadata.resourceVersion = s.resourceVersion;
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: s.type, data: { release: Buffer.from(s.release, 'utf8').toString('base64') } };
}

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function fromSecret(v: unknown): StoredSecret {
  if (!isRecord(v) || !isRecord(v.metadata) || typeof v.metadata.name !== 'string') {
    throw new ApiStatusError('Secret', 500, { message: 'the API server returned a Secret without metadata.name' });
  }
  const data = strings(v.data);
  const out: StoredSecret = {
    name: v.metadata.name,
    labels: strings(v.metadata.labels),
    annotations: strings(v.metadata.annotations),
    type: typeof v.type === 'string' ? v.type : '',
    release: data.release === undefined ? '' : Buffer.from(data.release, 'base64').toString('utf8'),
  };
  if (typeof v.metadata.resourceVersion === 'string') out.resourceVersion = v.metadata.resourceVersion;
  return out;
}
