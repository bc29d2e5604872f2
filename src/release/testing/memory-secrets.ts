/**
 * An in-memory {@link SecretStore} for tests, behaving like the API server for the calls the storage
 * makes (AlreadyExists on create, resourceVersion conflicts on update), with failures the test injects.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import { ApiStatusError } from '../../runtime/api-error.js';
import type { SecretStore, StoredSecret } from '../secrets.js';

/** The store operations a failure can be injected into. */
export type SecretOp = 'list' | 'create' | 'update' | 'delete';

/** Decides whether a call fails: return an error to throw it, undefined to let the call through. */
export type FailureRule = (op: SecretOp, namespace: string, name: string | undefined) => Error | undefined;

/** A fake SecretStore keeping Secrets in a map; every call is logged in `calls`. */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();
  private rules: FailureRule[] = [];
  private version = 1;
  /** Every call as `op namespace/name` (list: `list namespace`), in order. */
  readonly calls: string[] = [];

  /** Adds a failure rule; rules are consulted in order, the first error wins. */
  failWhen(rule: FailureRule): void {
    this.rules.push(rule);
  }

  /** Makes the next call of `op` fail with `error` (once). */
  failNext(op: SecretOp, error: Error = new ApiStatusError(`${op}`, 500, { message: 'injected failure' })): void {
    let used = false;
    this.rules.push((o) => {
      if (used || o !== op) return undefined;
      used = true;
      return error;
    });
  }

  /** Removes every failure rule. */
  clearFailures(): void {
    this.rules = [];
  }

  /** Puts a Secret in place directly (e.g. one written by the helm CLI). */
  seed(namespace: string, secret: StoredSecret): void {
    this.secrets.set(`${namespace}/${secret.name}`, { ...secret, resourceVersion: String(this.version++) });
  }

  /** A stored Secret, or undefined. */
  peek(namespace: string, name: string): StoredSecret | undefined {
    return this.secrets.get(`${namespace}/${name}`);
  }

  /** Names of the stored Secrets of `namespace`, sorted. */
  names(namespace: string): string[] {
    return [...this.secrets.keys()]
      .filter((k) => k.startsWith(`${namespace}/`))
      .map((k) => k.slice(namespace.length + 1))
      .sort();
  }

  /** See {@link SecretStore.list}. */
  list(namespace: string, selector: Record<string, string>): Promise<StoredSecret[]> {
    return this.run('list', namespace, undefined, () =>
      [...this.secrets.entries()]
        .filter(([k]) => k.startsWith(`${namespace}/`))
        .map(([, s]) => s)
        .filter((s) => Object.entries(selector).every(([k, v]) => s.labels[k] === v))
        .map((s) => structuredClone(s)),
    );
  }

  /** See {@link SecretStore.create}. */
  create(namespace: string, secret: StoredSecret): Promise<StoredSecret> {
    return this.run('create', namespace, secret.name, () => {
      const key = `${namespace}/${secret.name}`;
      if (this.secrets.has(key)) {
        throw new MaglevError(ErrorCode.ReleaseExists, `Secret ${key} already exists`, { where: key });
      }
      const stored = { ...structuredClone(secret), resourceVersion: String(this.version++) };
      this.secrets.set(key, stored);
      return structuredClone(stored);
    });
  }

  /** See {@link SecretStore.update}. */
  update(namespace: string, secret: StoredSecret): Promise<StoredSecret> {
    return this.run('update', namespace, secret.name, () => {
      const key = `${namespace}/${secret.name}`;
      const current = this.secrets.get(key);
      if (current === undefined) throw new ApiStatusError(`PUT ${key}`, 404, { reason: 'NotFound' });
      if (secret.resourceVersion !== undefined && secret.resourceVersion !== current.resourceVersion) {
        throw new ApiStatusError(`PUT ${key}`, 409, { reason: 'Conflict', message: 'the object has been modified' });
      }
      const stored = { ...structuredClone(secret), resourceVersion: String(this.version++) };
      this.secrets.set(key, stored);
      return structuredClone(stored);
    });
  }

  /** See {@link SecretStore.delete}. */
  delete(namespace: string, name: string): Promise<boolean> {
    return this.run('delete', namespace, name, () => this.secrets.delete(`${namespace}/${name}`));
  }

  private run<T>(op: SecretOp, namespace: string, name: string | undefined, fn: () => T): Promise<T> {
    this.calls.push(name === undefined ? `${op} ${namespace}` : `${op} ${namespace}/${name}`);
    for (const rule of this.rules) {
      const err = rule(op, namespace, name);
      if (err !== undefined) return Promise.reject(err);
    }
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
