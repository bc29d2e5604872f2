/**
 * Event filters for a controller's own kind, as controller-runtime's GenerationChangedPredicate and
 * AnnotationChangedPredicate combined: an update passes only when what the user asked for changed, so a
 * controller's own status writes (and other status-only or resourceVersion-only updates) do not wake it.
 * Adds and deletes always pass. A predicate only drops events: the cache itself still sees every change.
 */
import type { CacheEventType } from './store.js';
import type { KubeObject } from './object.js';

/** Decides whether a cache event should enqueue a reconcile. */
export type Predicate<T extends KubeObject> = (type: CacheEventType, obj: T) => boolean;

/**
 * What a user changes on an object: its generation (spec), the annotations under `annotationPrefix`, its
 * labels and the deletion timestamp. Status is not in it, nor are finalizers (the controller adds its own,
 * and that must not wake it again).
 */
export function intentSignature(obj: KubeObject, annotationPrefix: string): string {
  const m = obj.metadata ?? {};
  const annotations = Object.entries(m.annotations ?? {})
    .filter(([k]) => k.startsWith(annotationPrefix))
    .sort(([a], [b]) => a.localeCompare(b));
  const labels = Object.entries(m.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([m.generation ?? 0, m.deletionTimestamp ?? '', annotations, labels]);
}

/**
 * Passes adds, deletes, and updates that change the {@link intentSignature}. It remembers the last
 * signature per object (by uid, else namespace/name), so it is one stateful filter per watch.
 */
export function intentChanged<T extends KubeObject>(annotationPrefix: string): Predicate<T> {
  const seen = new Map<string, string>();
  return (type, obj) => {
    const id = obj.metadata?.uid ?? `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    if (type === 'delete') {
      seen.delete(id);
      return true;
    }
    const signature = intentSignature(obj, annotationPrefix);
    const before = seen.get(id);
    seen.set(id, signature);
    return type === 'add' || before !== signature;
  };
}
