/**
 * What controllers see of an informer cache: a read-only store plus change notifications. The real
 * implementation is `InformerCache` (cache.ts); tests use `FakeCache` (testing/fake-cache.ts).
 */
import type { KubeObject } from './object.js';

/** The kind of change a cache observed. */
export type CacheEventType = 'add' | 'update' | 'delete';

/** Called for every change; must not throw (the cache catches and logs if it does). */
export type CacheEventHandler<T extends KubeObject> = (type: CacheEventType, obj: T) => void;

/** Read side of a cache of one resource. Objects are shared: treat them as read-only. */
export interface CacheReader<T extends KubeObject> {
  /** The cached object, or undefined. Use namespace '' for cluster-scoped objects. */
  get(namespace: string, name: string): T | undefined;
  /** All cached objects, or those of one namespace. */
  list(namespace?: string): readonly T[];
  /** True once the first full list has been loaded. */
  hasSynced(): boolean;
}

/** A cache that also reports changes. `onEvent` returns a function that unregisters the handler. */
export interface CacheSource<T extends KubeObject> extends CacheReader<T> {
  onEvent(handler: CacheEventHandler<T>): () => void;
}
