/**
 * Paginated raw-JSON list of a collection, as the informer cache needs it: every page fetched with
 * `limit`/`continue`, items given the list's apiVersion and kind (the API omits them per item), and
 * `metadata.managedFields` dropped (large, and never read by the operator).
 */
import type { ApiClient } from './client.js';
import { isRecord, type KubeList, type KubeObject } from './object.js';

/** Items per page. */
export const LIST_PAGE_SIZE = 500;

/** Lists every object under `path` (optionally filtered by `labelSelector`) across all pages. */
export async function listAll<T extends KubeObject>(api: ApiClient, path: string, labelSelector?: string): Promise<KubeList<T>> {
  const items: T[] = [];
  let token: string | undefined;
  let last: Record<string, unknown> = {};
  do {
    const page = await api.request({
      method: 'GET',
      path,
      query: { limit: LIST_PAGE_SIZE, continue: token, labelSelector },
      timeoutMs: 60_000,
    });
    if (!isRecord(page) || !Array.isArray(page.items)) throw new Error(`GET ${path}: response is not a list`);
    last = page;
    const apiVersion = typeof page.apiVersion === 'string' ? page.apiVersion : undefined;
    const kind = typeof page.kind === 'string' ? page.kind.replace(/List$/, '') : undefined;
    for (const item of page.items as unknown[]) {
      if (!isRecord(item)) continue;
      items.push(stripManagedFields({ apiVersion, kind, ...item }) as T);
    }
    const meta = isRecord(page.metadata) ? page.metadata : {};
    token = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
  } while (token !== undefined);
  const meta = isRecord(last.metadata) ? last.metadata : {};
  const resourceVersion = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
  return { metadata: { resourceVersion }, items };
}

/** A shallow copy of `obj` without `metadata.managedFields`. */
export function stripManagedFields(obj: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(obj.metadata) || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
