/**
 * An in-memory cluster for action tests: a {@link ReleaseApplier} keeping objects by identity (apply
 * replaces, get returns a copy, delete removes), a {@link ReadinessWaiter} that records what it waited
 * for, and {@link fakeContext} wiring them with storage, a hook executor, a fake clock and a quiet logger.
 * Every call is logged as `verb Kind namespace/name` (verbs: apply, dry-run, get, delete); failures are
 * injected per call.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import type { ApplyOptions, TargetRef } from '../../runtime/apply.js';
import type { KubeObject } from '../../runtime/object.js';
import { FakeClock } from '../../runtime/testing/fake-clock.js';
import { memoryLogger } from '../../runtime/testing/logger.js';
import { Parked, type ActionContext, type ReadinessWaiter, type ReleaseApplier, type ServedKind } from '../actions/context.js';
import { ReleaseStorage } from '../storage.js';
import { FakeHookExecutor } from './fake-hook-executor.js';
import { MemorySecretStore } from './memory-secrets.js';

const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'StorageClass', 'PersistentVolume']);

/** `Kind namespace/name` (or `Kind name`) of a ref. */
export function key(ref: Pick<TargetRef, 'kind' | 'namespace' | 'name'>): string {
  return `${ref.kind} ${ref.namespace === '' ? '' : `${ref.namespace}/`}${ref.name}`;
}

/** The fake applier; `objects` maps `Kind namespace/name` to the stored object. */
export class FakeApplier implements ReleaseApplier {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: string[] = [];
  /** The options of every apply, in order. */
  readonly applyOptions: ApplyOptions[] = [];
  private readonly failures = new Map<string, Error>();
  /**
   * Kinds of CRDs just created, with the number of discovery reads that still miss them: like the API
   * server, which reports a CRD Established before discovery serves its kind. {@link awaitServed} reads
   * until they are served. `unserved` kinds are never served.
   */
  readonly servedAfterReads = new Map<string, number>();
  readonly unserved = new Set<string>();
  /** Discovery reads made by {@link awaitServed}. */
  discoveryReads = 0;

  /** Makes `verb` (apply, get, delete) on `Kind namespace/name` fail with `error`. */
  fail(verb: 'apply' | 'dry-run' | 'get' | 'delete', target: string, error: Error = new Error(`${verb} ${target} refused`)): void {
    this.failures.set(`${verb} ${target}`, error);
  }

  /** Undoes {@link fail}. */
  heal(verb: 'apply' | 'dry-run' | 'get' | 'delete', target: string): void {
    this.failures.delete(`${verb} ${target}`);
  }

  /** Puts an object in place without logging a call. */
  seed(obj: KubeObject): void {
    this.objects.set(key(refOf(obj)), structuredClone(obj));
  }

  /**
   * See {@link ReleaseApplier.apply}. A dry run (logged as `dry-run`) stores nothing and returns what the
   * apply would store: the applied object over the live one's extra metadata, like the API server.
   */
  apply(obj: KubeObject, opts: ApplyOptions = {}): Promise<KubeObject> {
    this.applyOptions.push(opts);
    if (opts.dryRun === true) {
      return this.call('dry-run', refOf(obj), () => {
        const live = this.objects.get(key(refOf(obj)));
        const out = structuredClone(obj);
        if (live?.metadata?.resourceVersion !== undefined) out.metadata = { ...out.metadata, resourceVersion: live.metadata.resourceVersion };
        return out;
      });
    }
    return this.call('apply', refOf(obj), () => {
      this.objects.set(key(refOf(obj)), structuredClone(obj));
      return structuredClone(obj);
    });
  }

  /** See {@link ReleaseApplier.get}. */
  get(ref: TargetRef): Promise<KubeObject | undefined> {
    return this.call('get', ref, () => {
      const obj = this.objects.get(key(ref));
      return obj === undefined ? undefined : structuredClone(obj);
    });
  }

  /** See {@link ReleaseApplier.lookup}: here one `get` per object (the fake has no cache to lag). */
  lookup(refs: readonly TargetRef[]): Promise<(KubeObject | undefined)[]> {
    return Promise.all(refs.map((ref) => this.get(ref)));
  }

  /** See {@link ReleaseApplier.delete}. */
  delete(ref: TargetRef): Promise<boolean> {
    return this.call('delete', ref, () => this.objects.delete(key(ref)));
  }

  /** See {@link ReleaseApplier.namespaced}: everything but a fixed set of cluster-scoped kinds. */
  namespaced(apiVersion: string, kind: string): Promise<boolean> {
    if (this.unserved.has(kind) || this.servedAfterReads.has(kind)) {
      return Promise.reject(new MaglevError(ErrorCode.UnknownKind, `no resource for kind ${kind} in ${apiVersion}`, { where: `${apiVersion}/${kind}` }));
    }
    return Promise.resolve(!CLUSTER_SCOPED.has(kind));
  }

  /** See {@link ReleaseApplier.awaitServed}: reads discovery until each kind's lag has run out. */
  async awaitServed(kinds: readonly ServedKind[]): Promise<void> {
    for (const { apiVersion, kind } of kinds) {
      for (;;) {
        this.discoveryReads++;
        if (this.unserved.has(kind)) throw new MaglevError(ErrorCode.UnknownKind, `kind ${kind} of ${apiVersion} was still not served by discovery`);
        const misses = this.servedAfterReads.get(kind);
        if (misses === undefined) break;
        if (misses <= 1) this.servedAfterReads.delete(kind);
        else this.servedAfterReads.set(kind, misses - 1);
        await Promise.resolve();
      }
    }
  }

  /** The logged calls of one verb. */
  callsOf(verb: string): string[] {
    return this.calls.filter((c) => c.startsWith(`${verb} `));
  }

  private call<T>(verb: string, ref: Pick<TargetRef, 'kind' | 'namespace' | 'name'>, fn: () => T): Promise<T> {
    const target = key(ref);
    this.calls.push(`${verb} ${target}`);
    const failure = this.failures.get(`${verb} ${target}`);
    return failure === undefined ? Promise.resolve(fn()) : Promise.reject(failure);
  }
}

/** A waiter that succeeds at once unless told to fail; `waited` (`gone`) lists each call's objects. */
export class FakeWaiter implements ReadinessWaiter {
  readonly waited: string[][] = [];
  readonly gone: string[][] = [];
  private failure: Error | undefined;

  /** Makes every following wait fail with `error` (undefined: succeed again). */
  failWith(error: Error | undefined): void {
    this.failure = error;
  }

  /** While true, a wait asked to park throws Parked (the objects are not ready yet), like a parking waiter. */
  notReady = false;
  /** The deadlines waits were asked to park with. */
  readonly parkDeadlines: number[] = [];

  /** See {@link ReadinessWaiter.waitReady}. */
  waitReady(refs: readonly TargetRef[], _timeoutMs?: number, park?: { deadline: number }): Promise<void> {
    this.waited.push(refs.map(key));
    if (park !== undefined) this.parkDeadlines.push(park.deadline);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (park !== undefined && this.notReady) return Promise.reject(new Parked(`waiting for ${refs.map(key).join(', ')}`, park.deadline));
    return Promise.resolve();
  }

  /** While true, a deletion wait asked to park throws Parked (the objects are still there). */
  notGone = false;

  /** See {@link ReadinessWaiter.waitDeleted}. */
  waitDeleted(refs: readonly TargetRef[], _timeoutMs?: number, park?: { deadline: number }): Promise<void> {
    this.gone.push(refs.map(key));
    if (park !== undefined) this.parkDeadlines.push(park.deadline);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (park !== undefined && this.notGone) return Promise.reject(new Parked(`waiting for deletion of ${refs.map(key).join(', ')}`, park.deadline));
    return Promise.resolve();
  }
}

/** A context over fakes, plus the fakes themselves for assertions. */
export interface FakeWorld {
  ctx: ActionContext;
  store: MemorySecretStore;
  applier: FakeApplier;
  hooks: FakeHookExecutor;
  waiter: FakeWaiter;
  clock: FakeClock;
}

/** A fresh fake world for release records in `namespace`. */
export function fakeContext(namespace = 'apps', maxHistory = 10): FakeWorld {
  const store = new MemorySecretStore();
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const applier = new FakeApplier();
  const hooks = new FakeHookExecutor();
  const waiter = new FakeWaiter();
  const storage = new ReleaseStorage(store, { namespace, maxHistory, clock, stamp: { ownerUid: 'uid-1', writer: 'maglev-0' } });
  const ctx: ActionContext = { storage, applier, hooks, waiter, clock, log: memoryLogger().logger };
  return { ctx, store, applier, hooks, waiter, clock };
}

function refOf(obj: KubeObject): Pick<TargetRef, 'kind' | 'namespace' | 'name'> {
  return { kind: obj.kind ?? '', namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
}
