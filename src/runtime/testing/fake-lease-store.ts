/**
 * An in-memory {@link LeaseStore} with the API server's compare-and-swap semantics (409 on a stale
 * resourceVersion or on creating an existing Lease) and injectable outages. Several electors may share one.
 */
import { ApiStatusError } from '../api-error.js';
import type { Lease, LeaseSpec, LeaseStore } from '../lease.js';

/** One Lease in memory; set `down = true` to make every call fail as if the API server were unreachable. */
export class MemoryLeaseStore implements LeaseStore {
  /** The stored Lease (a copy is handed out on every read). */
  lease: Lease | undefined;
  /** When true, every call rejects with a 503. */
  down = false;
  private rv = 0;

  constructor(
    readonly namespace = 'maglev-system',
    readonly name = 'maglev-operator',
  ) {}

  /** See {@link LeaseStore.get}. */
  get(): Promise<Lease | undefined> {
    return this.guard(() => (this.lease ? structuredClone(this.lease) : undefined));
  }

  /** See {@link LeaseStore.create}. */
  create(spec: LeaseSpec): Promise<Lease> {
    return this.guard(() => {
      if (this.lease) throw new ApiStatusError('POST lease', 409, { reason: 'AlreadyExists' });
      return this.commit({ metadata: { name: this.name, namespace: this.namespace }, spec });
    });
  }

  /** See {@link LeaseStore.replace}. */
  replace(lease: Lease): Promise<Lease> {
    return this.guard(() => {
      if (!this.lease) throw new ApiStatusError('PUT lease', 404, { reason: 'NotFound' });
      if (lease.metadata.resourceVersion !== this.lease.metadata.resourceVersion) {
        throw new ApiStatusError('PUT lease', 409, { reason: 'Conflict' });
      }
      return this.commit(lease);
    });
  }

  /** Sets the Lease directly (as another writer would), bumping its resourceVersion. */
  write(spec: LeaseSpec): void {
    this.commit({ metadata: { name: this.name, namespace: this.namespace }, spec });
  }

  private commit(lease: Lease): Lease {
    this.rv += 1;
    this.lease = structuredClone({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.rv) } });
    return structuredClone(this.lease);
  }

  private guard<T>(fn: () => T): Promise<T> {
    if (this.down) return Promise.reject(new ApiStatusError('lease', 503, { reason: 'ServiceUnavailable' }));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
