/**
 * Minimal shapes of Kubernetes objects as they travel over the wire (raw JSON: timestamps are strings).
 * runtime/ never converts objects through client-node's typed models, which drop unknown fields.
 */

/** The metadata fields runtime/ reads; other fields pass through untouched. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  finalizers?: string[];
  managedFields?: unknown[];
}

/** Any Kubernetes object: apiVersion, kind and metadata, plus whatever else it carries. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A list response: `items` plus list metadata (continue token and resourceVersion). */
export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** Identifies one object for get, delete and events: apiVersion, kind, namespace ('' if cluster-scoped), name. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

/** True when `value` is a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The {@link ObjectRef} of an object (missing fields become ''). */
export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = {
    apiVersion: obj.apiVersion ?? '',
    kind: obj.kind ?? '',
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
  };
  if (obj.metadata?.uid !== undefined) ref.uid = obj.metadata.uid;
  if (obj.metadata?.resourceVersion !== undefined) ref.resourceVersion = obj.metadata.resourceVersion;
  return ref;
}

/** Human-readable `kind namespace/name` for messages. */
export function describeRef(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return `${ref.kind} ${ref.namespace === '' ? '' : `${ref.namespace}/`}${ref.name}`;
}
