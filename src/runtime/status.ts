/**
 * The one way to write status: read the latest object, compute the new status with a pure function, and
 * send only the difference as a JSON merge patch to the `status` subresource, guarded by the
 * resourceVersion that was read. No request is sent when nothing changed. A 409 conflict (someone wrote
 * in between) re-reads and recomputes, up to `maxRetries` times.
 */
import { isDeepStrictEqual } from 'node:util';
import { isConflict, isNotFound } from './api-error.js';
import { targetOf, type CallOptions, type TargetRef } from './apply.js';
import { isRecord, type KubeObject } from './object.js';

/** The two calls patchStatus needs; `ResourceClient` (apply.ts) implements them. */
export interface StatusClient {
  get<T extends KubeObject>(ref: TargetRef, opts?: CallOptions): Promise<T | undefined>;
  mergePatch<T extends KubeObject>(ref: TargetRef, patch: unknown, opts?: CallOptions & { subresource?: string }): Promise<T>;
}

/** The status type of an object type. */
export type StatusOf<T> = T extends { status?: infer S } ? S : never;

/** How patchStatus ended: nothing to do, patched (with the server's copy), or the object is gone. */
export type PatchStatusResult<T> = { outcome: 'unchanged'; object: T } | { outcome: 'patched'; object: T } | { outcome: 'notFound' };

/** Options for {@link patchStatus}. */
export interface PatchStatusOptions extends CallOptions {
  /** Re-reads after a 409 conflict, at most this many times (default 5). */
  maxRetries?: number;
  /**
   * A copy of the object read from the API server (or returned by a write) in this reconcile: the first
   * attempt starts from it instead of reading. Its resourceVersion guards the patch, so a copy that is no
   * longer current costs one 409 and a read, never a lost write.
   */
  known?: KubeObject & { status?: unknown };
}

/**
 * Sets the status of `obj` (identified by apiVersion, kind, namespace, name) to `mutate(copy of latest
 * status)`. `mutate` must be pure: it may run once per attempt. Rethrows non-conflict errors, and the
 * conflict once retries are used up.
 */
export async function patchStatus<T extends KubeObject & { status?: unknown }>(
  client: StatusClient,
  obj: T,
  mutate: (status: StatusOf<T> | undefined) => StatusOf<T>,
  options: PatchStatusOptions = {},
): Promise<PatchStatusResult<T>> {
  const ref = targetOf(obj);
  const { maxRetries = 5, known, ...call } = options;
  for (let attempt = 0; ; attempt++) {
    const current = attempt === 0 && known !== undefined ? (structuredClone(known) as T) : await client.get<T>(ref, call);
    if (!current) return { outcome: 'notFound' };
    const before = toJson(current.status) as StatusOf<T> | undefined;
    const after = toJson(mutate(toJson(before) as StatusOf<T> | undefined));
    if (isDeepStrictEqual(before, after)) return { outcome: 'unchanged', object: current };
    const patch = {
      metadata: { resourceVersion: current.metadata?.resourceVersion },
      status: mergePatchOf(before, after),
    };
    try {
      const object = await client.mergePatch<T>(ref, patch, { ...call, subresource: 'status' });
      return { outcome: 'patched', object };
    } catch (err) {
      // Gone between the read and the write (e.g. its last finalizer was just removed): nothing to report on.
      if (isNotFound(err)) return { outcome: 'notFound' };
      if (!isConflict(err) || attempt >= maxRetries) throw err;
    }
  }
}

/**
 * The JSON merge patch (RFC 7396) that turns `before` into `after`: changed keys with their new value,
 * removed keys as null, nested objects diffed recursively, anything else (arrays included) replaced.
 */
export function mergePatchOf(before: unknown, after: unknown): unknown {
  if (!isRecord(before) || !isRecord(after)) return after === undefined ? null : after;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(before)) {
    if (!(key in after)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    if (isDeepStrictEqual(before[key], value)) continue;
    patch[key] = isRecord(before[key]) && isRecord(value) ? mergePatchOf(before[key], value) : value;
  }
  return patch;
}

/** A deep copy with JSON semantics (undefined-valued keys dropped), so comparisons match what is sent. */
function toJson(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}
