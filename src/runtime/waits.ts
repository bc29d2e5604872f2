/**
 * The one wait mechanism: wait until a set of objects satisfies a judge, noticed from watch events.
 * Waits share a bounded set of informer caches, one per (identity, apiVersion, kind, namespace): started
 * when a wait needs one, kept for `lingerMs` after the last wait on it ends (consecutive waits of one
 * release reuse it), then stopped. Nothing is cached for kinds or namespaces no one waits on, and there is
 * no watch per object or per release. A wait re-judges its objects on every event of its caches, so it ends
 * as soon as the last object turns ready; it never polls. Only when a cache cannot be had (more groups than
 * `maxCaches`, or the identity may not list/watch that kind: the cache does not sync within `syncTimeoutMs`)
 * does that wait fall back to reading its objects every `fallbackPollMs`. The wait runs as the identity it
 * is given (impersonation), so a tenant's waits see what the tenant may see.
 */
import { KubeConfig } from './kube-lib.js';
import type { Logger } from 'pino';
import { ErrorCode, errorMessage, MaglevError } from '../errors.js';
import { during } from './activity.js';
import { isNotFound } from './api-error.js';
import { resourcePath, type TargetRef } from './apply.js';
import { informerCache, type InformerCache } from './cache.js';
import type { ApiClient } from './client.js';
import { realClock, type CancelTimer, type Clock } from './clock.js';
import type { RestMapper } from './discovery.js';
import type { KubeObject } from './object.js';

/** What a judge says of the objects of a wait (in the order of its refs; undefined: not found). */
export type Verdict = { state: 'done' } | { state: 'waiting'; message: string } | { state: 'failed'; message: string; code?: ErrorCode };

/** One wait: its objects, the judge, the time allowed and how to describe it in errors. */
export interface WaitSpec {
  refs: readonly TargetRef[];
  judge: (objects: readonly (KubeObject | undefined)[]) => Verdict;
  timeoutMs: number;
  /** e.g. `readiness of Deployment a/web`; used in the watchdog's activity and in errors. */
  what: string;
  /** Sent as Impersonate-User on the watches and reads of this wait. */
  impersonate?: string;
  signal?: AbortSignal;
}

/** Options for {@link ObjectWaits}. */
export interface ObjectWaitsOptions {
  kubeConfig: KubeConfig;
  api: ApiClient;
  mapper: RestMapper;
  logger: Logger;
  clock?: Clock;
  /** Most caches open at once (default 256). */
  maxCaches?: number;
  /** How long a cache stays after its last wait (default 60 s). */
  lingerMs?: number;
  /** How long a new cache may take to list (default 15 s) before its waits fall back to reads. */
  syncTimeoutMs?: number;
  /** Read interval of the fallback (default 2 s). */
  fallbackPollMs?: number;
  /** Builds the cache of one group (tests pass fakes; default: an InformerCache on the kubeconfig). */
  newCache?: (path: string, impersonate: string | undefined) => GroupCache;
}

/** The part of an informer cache a wait uses. */
export type GroupCache = Pick<InformerCache<KubeObject>, 'start' | 'stop' | 'get' | 'onEvent' | 'waitForSync'>;

interface Group {
  cache: GroupCache;
  users: number;
  synced: Promise<boolean>;
  cancelLinger: CancelTimer | undefined;
}

/** Shared watch-backed waits; see the module comment. */
export class ObjectWaits {
  private readonly clock: Clock;
  private readonly groups = new Map<string, Group>();
  /** The end function of each parked wait, by park key. */
  private readonly parked = new Map<string, () => void>();

  constructor(private readonly opts: ObjectWaitsOptions) {
    this.clock = opts.clock ?? realClock;
  }

  /** Number of caches open now (for tests and metrics). */
  openCaches(): number {
    return this.groups.size;
  }

  /** Resolves when the judge says done; rejects with its failure, WaitTimeout, or when `signal` aborts. */
  async until(spec: WaitSpec): Promise<void> {
    const deadline = this.clock.now() + spec.timeoutMs;
    const keys: string[] = [];
    try {
      const readers = await this.readersFor(spec.refs, spec.impersonate, keys);
      return await during(spec.what, this.watchUntil(spec, readers, deadline));
    } finally {
      for (const key of keys) this.release(key);
    }
  }

  /**
   * Judges once, without holding the caller. When the verdict is `waiting`, `park.wake` is called once: when
   * a watch event of one of the objects makes the judge say anything but `waiting` (judged on the cached
   * objects), at the next fallback read (where objects are not cached), or at `park.deadline`; the caches
   * stay open until then. A new park with the same `key` replaces the previous one.
   */
  async park(spec: Omit<WaitSpec, 'timeoutMs' | 'signal'>, park: { key: string; deadline: number; wake: () => void }): Promise<Verdict> {
    this.parked.get(park.key)?.();
    const keys: string[] = [];
    let readers: Reader[];
    let verdict: Verdict;
    try {
      readers = await this.readersFor(spec.refs, spec.impersonate, keys);
      verdict = spec.judge(await Promise.all(readers.map((r, i) => Promise.resolve(r.read(spec.refs[i]!)))));
    } catch (err) {
      for (const key of keys) this.release(key);
      throw err;
    }
    if (verdict.state !== 'waiting') {
      for (const key of keys) this.release(key);
      return verdict;
    }
    const cleanups: (() => void)[] = [];
    let over = false;
    const end = (): void => {
      if (over) return;
      over = true;
      for (const c of cleanups) c();
      for (const key of keys) this.release(key);
      if (this.parked.get(park.key) === end) this.parked.delete(park.key);
    };
    const fire = (): void => {
      if (over) return;
      end();
      park.wake();
    };
    const names = new Set(spec.refs.map((r) => `${r.namespace}/${r.name}`));
    // With every object in a cache, an event is judged here and wakes the reconcile only once the verdict is
    // no longer `waiting`: a Deployment rolling out sends several updates, and each would cost a pass.
    const local = readers.every((r) => r.polled !== true);
    const settled = (): boolean => {
      if (!local) return true;
      try {
        const objects = readers.map((r, i) => r.read(spec.refs[i]!));
        if (objects.some((o) => o instanceof Promise)) return true;
        return spec.judge(objects as (KubeObject | undefined)[]).state !== 'waiting';
      } catch {
        return true;
      }
    };
    for (const r of new Set(readers)) {
      cleanups.push(
        r.subscribe((obj) => {
          if (obj !== undefined && !names.has(`${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`)) return;
          if (settled()) fire();
        }),
      );
    }
    if (readers.some((r) => r.polled)) cleanups.push(this.clock.setTimer(this.opts.fallbackPollMs ?? 2_000, fire));
    cleanups.push(this.clock.setTimer(Math.max(0, park.deadline - this.clock.now()), fire));
    this.parked.set(park.key, end);
    return verdict;
  }

  /**
   * Reads objects through the shared caches of their kind and namespace (started if needed, and left to
   * linger for the waits that usually follow), or by GET where a cache cannot be used. A cache may not yet
   * show a write made a moment ago by someone else: use it where that is acceptable (ownership checks).
   */
  async read(refs: readonly TargetRef[], impersonate?: string): Promise<(KubeObject | undefined)[]> {
    const keys: string[] = [];
    try {
      const readers = await this.readersFor(refs, impersonate, keys);
      return await Promise.all(readers.map((r, i) => Promise.resolve(r.read(refs[i]!))));
    } finally {
      for (const key of keys) this.release(key);
    }
  }

  /** Stops every cache (operator shutdown). */
  async close(): Promise<void> {
    for (const end of [...this.parked.values()]) end();
    const groups = [...this.groups.values()];
    this.groups.clear();
    for (const g of groups) g.cancelLinger?.();
    await Promise.all(groups.map((g) => g.cache.stop()));
  }

  /** One reader per ref: its group's cache (refs of one kind and namespace share it), or a polled one. */
  private async readersFor(refs: readonly TargetRef[], impersonate: string | undefined, keys: string[]): Promise<Reader[]> {
    const groups = await Promise.all(refs.map((ref) => this.acquire(ref, impersonate, keys)));
    const shared = new Map<Group, Reader>();
    return Promise.all(
      groups.map(async (g) => {
        if (g === undefined || !(await g.synced)) return this.reader(impersonate);
        let r = shared.get(g);
        if (r === undefined) shared.set(g, (r = cacheReader(g.cache)));
        return r;
      }),
    );
  }

  /** Judges on every event of the readers' caches; fallback readers are read on a timer. */
  private watchUntil(spec: WaitSpec, readers: Reader[], deadline: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let judging = false;
      let again = false;
      const cleanups: (() => void)[] = [];
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        for (const c of cleanups) c();
        if (err === undefined) resolve();
        else reject(err);
      };
      let last: Verdict = { state: 'waiting', message: 'not yet read' };
      const judge = async (): Promise<void> => {
        if (judging) {
          again = true;
          return;
        }
        judging = true;
        try {
          do {
            again = false;
            const objects = await Promise.all(readers.map((r, i) => Promise.resolve(r.read(spec.refs[i]!))));
            last = spec.judge(objects);
          } while (again && !settled);
          if (last.state === 'done') finish();
          else if (last.state === 'failed') finish(new MaglevError(last.code ?? ErrorCode.WaitTimeout, last.message, { where: spec.what }));
        } catch (err) {
          finish(err instanceof Error ? err : new Error(String(err)));
        } finally {
          judging = false;
        }
      };
      const trigger = (): void => void judge();
      for (const r of new Set(readers)) cleanups.push(r.subscribe(trigger));
      const polled = readers.some((r) => r.polled);
      if (polled) {
        const tick = (): void => {
          if (settled) return;
          trigger();
          cleanups.push(this.clock.setTimer(this.opts.fallbackPollMs ?? 2_000, tick));
        };
        cleanups.push(this.clock.setTimer(this.opts.fallbackPollMs ?? 2_000, tick));
      }
      cleanups.push(
        this.clock.setTimer(Math.max(0, deadline - this.clock.now()), () => {
          const message = last.state === 'waiting' ? last.message : '';
          finish(new MaglevError(ErrorCode.WaitTimeout, `timed out after ${Math.round(spec.timeoutMs / 1000)}s waiting for ${spec.what}${message === '' ? '' : `: ${message}`}`, { where: spec.what }));
        }),
      );
      const { signal } = spec;
      if (signal !== undefined) {
        const onAbort = (): void => {
          const message = last.state === 'waiting' ? `: ${last.message}` : '';
          finish(new MaglevError(ErrorCode.WaitTimeout, `waiting for ${spec.what} was cancelled (${errorMessage(signal.reason)})${message}`, { where: spec.what }));
        };
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
      trigger();
    });
  }

  /** The shared cache of `ref`'s group, started if needed; undefined when over the cap. */
  private async acquire(ref: TargetRef, impersonate: string | undefined, keys: string[]): Promise<Group | undefined> {
    const mapping = await this.opts.mapper.map(ref.apiVersion, ref.kind);
    const path = resourcePath(mapping, mapping.namespaced ? ref.namespace : '');
    const key = `${impersonate ?? ''}|${path}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      if (this.groups.size >= (this.opts.maxCaches ?? 256)) return undefined;
      const cache = (this.opts.newCache ?? ((p, who) => this.informer(p, who)))(path, impersonate);
      cache.start();
      const synced = cache.waitForSync(AbortSignal.timeout(this.opts.syncTimeoutMs ?? 15_000));
      group = { cache, users: 0, synced, cancelLinger: undefined };
      this.groups.set(key, group);
      void synced.then((ok) => {
        if (!ok) this.opts.logger.warn({ path, impersonate }, 'wait cache did not sync; its waits read objects instead');
      });
    }
    group.cancelLinger?.();
    group.cancelLinger = undefined;
    group.users++;
    keys.push(key);
    return group;
  }

  private release(key: string): void {
    const group = this.groups.get(key);
    if (group === undefined) return;
    group.users--;
    if (group.users > 0 || group.cancelLinger !== undefined) return;
    group.cancelLinger = this.clock.setTimer(this.opts.lingerMs ?? 60_000, () => {
      if (group.users > 0 || this.groups.get(key) !== group) return;
      this.groups.delete(key);
      void group.cache.stop();
    });
  }

  private informer(path: string, impersonate: string | undefined): GroupCache {
    const kc = impersonate === undefined ? this.opts.kubeConfig : impersonating(this.opts.kubeConfig, impersonate);
    const api: ApiClient = impersonate === undefined ? this.opts.api : { request: (req) => this.opts.api.request({ ...req, impersonate }) };
    return informerCache<KubeObject>(kc, api, { path, logger: this.opts.logger.child({ component: 'waits' }), clock: this.clock });
  }

  /** A fallback reader: GETs the object (as `impersonate`) on each judgement. */
  private reader(impersonate: string | undefined): Reader {
    return {
      polled: true,
      subscribe: () => () => {},
      read: async (r) => {
        const mapping = await this.opts.mapper.map(r.apiVersion, r.kind);
        try {
          return (await this.opts.api.request({ method: 'GET', path: resourcePath(mapping, mapping.namespaced ? r.namespace : '', r.name), ...(impersonate === undefined ? {} : { impersonate }) })) as KubeObject;
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
    };
  }
}

/** Where a wait reads one object: a synced cache (event-driven) or GETs (polled). */
interface Reader {
  polled?: boolean;
  read(ref: TargetRef): Promise<KubeObject | undefined> | KubeObject | undefined;
  /** Calls `onChange` on every change of the reader's objects (with the object when known). */
  subscribe(onChange: (obj?: KubeObject) => void): () => void;
}

/** Caches are readers too: reads are local, every event re-judges. */
function cacheReader(cache: GroupCache): Reader {
  return { read: (ref) => cache.get(ref.namespace, ref.name), subscribe: (onChange) => cache.onEvent((_type, obj) => onChange(obj)) };
}

/** A copy of `kc` whose current user impersonates `who` (for client-node's Watch). */
function impersonating(kc: KubeConfig, who: string): KubeConfig {
  const current = kc.getCurrentUser();
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.clusters,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
    users: kc.users.map((u) => (u.name === current?.name ? { ...u, impersonateUser: who } : u)),
  });
  return copy;
}
