/**
 * The coordination.k8s.io/v1 Lease record leader election reads and writes, and the three calls it needs.
 * `replace` is a compare-and-swap: it carries the resourceVersion that was read, and the API server
 * answers 409 Conflict if anyone wrote the Lease since.
 */
import { isNotFound } from './api-error.js';
import type { ApiClient } from './client.js';

/** The Lease fields leader election uses. Times are RFC 3339 MicroTime strings. */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

/** A Lease object as stored. */
export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Reads and writes one Lease. `create` and `replace` reject with a 409 error when they lose a race. */
export interface LeaseStore {
  /** The Lease, or undefined if it does not exist. */
  get(): Promise<Lease | undefined>;
  /** Creates the Lease with `spec`; 409 if it already exists. */
  create(spec: LeaseSpec): Promise<Lease>;
  /** Replaces the Lease if its resourceVersion still matches `lease.metadata.resourceVersion`; else 409. */
  replace(lease: Lease): Promise<Lease>;
}

/** A {@link LeaseStore} on the API server. */
export class KubeLeaseStore implements LeaseStore {
  private readonly collection: string;

  constructor(
    private readonly client: ApiClient,
    /** Namespace of the Lease. */
    readonly namespace: string,
    /** Name of the Lease. */
    readonly name: string,
  ) {
    this.collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  }

  /** See {@link LeaseStore.get}. */
  async get(): Promise<Lease | undefined> {
    try {
      return (await this.client.request({ method: 'GET', path: this.itemPath() })) as Lease;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** See {@link LeaseStore.create}. */
  async create(spec: LeaseSpec): Promise<Lease> {
    const lease: Lease = { metadata: { name: this.name, namespace: this.namespace }, spec };
    return (await this.client.request({ method: 'POST', path: this.collection, body: withKind(lease) })) as Lease;
  }

  /** See {@link LeaseStore.replace}. */
  async replace(lease: Lease): Promise<Lease> {
    return (await this.client.request({ method: 'PUT', path: this.itemPath(), body: withKind(lease) })) as Lease;
  }

  private itemPath(): string {
    return `${this.collection}/${encodeURIComponent(this.name)}`;
  }
}

function withKind(lease: Lease): Lease {
  return { ...lease, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };
}
