/**
 * An in-memory {@link CacheSource} for controller tests: `set` and `delete` change the store and fire
 * the same events a real informer would.
 */
import type { KubeObject } from '../object.js';
import type { CacheEventHandler, CacheSource } from '../store.js';

/** A cache whose contents the test controls. Starts synced unless told otherwise. */
export class FakeCache<T extends KubeObject> implements CacheSource<T> {
  private readonly objects = new Map<string, T>();
  private readonly handlers = new Set<CacheEventHandler<T>>();
  private synced: boolean;

  constructor(initial: T[] = [], synced = true) {
    for (const obj of initial) this.objects.set(keyFor(obj), obj);
    this.synced = synced;
  }

  /** The stored object, if any. */
  get(namespace: string, name: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  /** Stored objects, optionally of one namespace. */
  list(namespace?: string): readonly T[] {
    const all = [...this.objects.values()];
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? '') === namespace);
  }

  /** Whether the fake reports itself synced. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Changes what `hasSynced` reports. */
  setSynced(synced: boolean): void {
    this.synced = synced;
  }

  /** Registers a handler; returns its unsubscribe function. */
  onEvent(handler: CacheEventHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Adds or replaces an object and fires `add` or `update`. */
  set(obj: T): void {
    const key = keyFor(obj);
    const type = this.objects.has(key) ? 'update' : 'add';
    this.objects.set(key, obj);
    for (const h of this.handlers) h(type, obj);
  }

  /** Removes an object and fires `delete` if it was there. */
  delete(namespace: string, name: string): void {
    const obj = this.objects.get(`${namespace}/${name}`);
    if (!obj) return;
    this.objects.delete(`${namespace}/${name}`);
    for (const h of this.handlers) h('delete', obj);
  }
}

function keyFor(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}
