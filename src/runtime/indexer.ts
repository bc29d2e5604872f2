/**
 * A secondary index over a cache, like controller-runtime's field indexers: `keysOf(obj)` names the index
 * keys an object is filed under (e.g. the HelmReleases it depends on), and `lookup(key)` returns the
 * `namespace/name` of every cached object filed under that key. The index follows the cache's events, so
 * subscribe it BEFORE any handler that looks things up in it (handlers run in subscription order).
 */
import type { Request } from './reconcile.js';
import type { KubeObject } from './object.js';
import type { CacheSource } from './store.js';

/** See the module comment. */
export class CacheIndex<T extends KubeObject> {
  /** index key → object keys filed under it. */
  private readonly byKey = new Map<string, Set<string>>();
  /** object key → the index keys it is filed under now. */
  private readonly filed = new Map<string, string[]>();

  constructor(source: CacheSource<T>, private readonly keysOf: (obj: T) => string[]) {
    for (const obj of source.list()) this.file(obj);
    source.onEvent((type, obj) => (type === 'delete' ? this.unfile(idOf(obj)) : this.file(obj)));
  }

  /** The objects filed under `key`. */
  lookup(key: string): Request[] {
    const keys = this.byKey.get(key);
    if (keys === undefined) return [];
    return [...keys].map((k) => {
      const slash = k.indexOf('/');
      return { namespace: k.slice(0, slash), name: k.slice(slash + 1) };
    });
  }

  private file(obj: T): void {
    const id = idOf(obj);
    this.unfile(id);
    const keys = [...new Set(this.keysOf(obj))];
    if (keys.length === 0) return;
    this.filed.set(id, keys);
    for (const k of keys) {
      let set = this.byKey.get(k);
      if (set === undefined) this.byKey.set(k, (set = new Set()));
      set.add(id);
    }
  }

  private unfile(id: string): void {
    for (const k of this.filed.get(id) ?? []) {
      const set = this.byKey.get(k);
      set?.delete(id);
      if (set?.size === 0) this.byKey.delete(k);
    }
    this.filed.delete(id);
  }
}

/** `namespace/name` ('' namespace for cluster-scoped objects): always one slash, so lookup can split it. */
function idOf(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}
