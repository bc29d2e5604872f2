/**
 * An informer cache of one resource, built on client-node 1.4's ListWatch (what `makeInformer` returns),
 * with the failure handling ListWatch leaves to its user. What ListWatch does itself (read from
 * node_modules/@kubernetes/client-node/dist/cache.js, 1.4.0):
 * - 410 Gone, as an HTTP status or as an in-stream ERROR event, clears its resourceVersion; when the
 *   stream ends it re-lists, emitting `delete` for vanished objects and add/update for the rest;
 * - a stream the server closes normally is resumed from the last resourceVersion, without a list;
 * - any other error (list failure, connection refused, 403, …) fires `error` and STOPS the informer.
 * What this wrapper adds:
 * - restart on `error` with backoff (1 s doubling to 30 s, reset by the next event received);
 * - a watchdog: when no event or bookmark arrived for `silenceMs` (default 5 min), the watch is ended
 *   and resumed; bookmarks are requested so a healthy quiet watch does not look silent;
 * - the guards of guarded-watch.ts, a paginated raw-JSON list (no typed deserialisation), items given
 *   their apiVersion/kind, `metadata.managedFields` dropped to save memory;
 * - handlers that only see (type, object), each called in try/catch so one cannot break the others;
 * - `isCurrent()`: false from a failure of the list or watch (the API server gone, a 403) until the server
 *   answers a watch request again, so readiness and metrics can say the cache is stale while it still
 *   serves its last contents.
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { type KubeConfig, ListWatch, Watch } from './kube-lib.js';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { ApiClient } from './client.js';
import { realClock, type CancelTimer, type Clock } from './clock.js';
import { GuardedWatch, type WatchFn } from './guarded-watch.js';
import { listAll, stripManagedFields } from './list.js';
import type { KubeList, KubeObject } from './object.js';
import type { CacheEventHandler, CacheEventType, CacheSource } from './store.js';

/** Options for {@link InformerCache}. */
export interface InformerCacheOptions<T extends KubeObject> {
  /** Collection path, e.g. `/apis/maglev.io/v1alpha1/helmreleases` or `/api/v1/namespaces/x/secrets`. */
  path: string;
  /** Loads the full list (already filtered by `labelSelector`). */
  list: () => Promise<KubeList<T>>;
  /** Starts one watch request (client-node's `Watch.watch` in production). */
  watch: WatchFn;
  labelSelector?: string;
  logger: Logger;
  clock?: Clock;
  /** Restart the watch when nothing arrived for this long (default 5 min). */
  silenceMs?: number;
  /** Restart backoff after errors (default 1 s, ×2, max 30 s). */
  backoff?: BackoffOptions;
  /** Told each time {@link InformerCache.isCurrent} changes. */
  onCurrent?: (current: boolean) => void;
}

/** The reason a watch is ended by the watchdog. */
export class WatchSilentError extends Error {
  constructor(silenceMs: number) {
    super(`no watch event for ${Math.round(silenceMs / 1000)}s`);
    this.name = 'WatchSilentError';
  }
}

/** A self-healing informer cache; see the module comment. Call `start()` once, `stop()` on shutdown. */
export class InformerCache<T extends KubeObject> implements CacheSource<T> {
  private readonly clock: Clock;
  private readonly silenceMs: number;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly watcher: GuardedWatch;
  private readonly informer: ListWatch<KubernetesObject>;
  private readonly handlers = new Set<CacheEventHandler<T>>();
  private syncWaiters: ((synced: boolean) => void)[] = [];
  private synced = false;
  private failing = false;
  private running = false;
  private lastActivity = 0;
  private cancelRestart: CancelTimer | undefined;
  private cancelWatchdog: CancelTimer = () => {};

  constructor(private readonly opts: InformerCacheOptions<T>) {
    this.clock = opts.clock ?? realClock;
    this.silenceMs = opts.silenceMs ?? 5 * 60_000;
    this.backoff = new Backoff(opts.backoff ?? { baseMs: 1_000, factor: 2, maxMs: 30_000 });
    this.log = opts.logger.child({ informer: opts.path, labelSelector: opts.labelSelector });
    this.watcher = new GuardedWatch(opts.watch, {
      onStart: () => this.onWatchStart(),
      onConnected: () => this.onWatchConnected(),
      onEvent: (phase) => this.onWatchEvent(phase),
      transform: stripManagedFields,
    });
    // ListWatch is typed with client-node's models; the objects are raw JSON of type T (see list.ts).
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> =>
      (await opts.list()) as unknown as KubernetesListObject<KubernetesObject>;
    this.informer = new ListWatch(opts.path, this.watcher, listFn, false, opts.labelSelector);
    for (const type of ['add', 'update', 'delete'] as const) {
      this.informer.on(type, (obj) => this.dispatch(type, obj as unknown as T));
    }
    this.informer.on('error', (err: unknown) => this.onError(err));
  }

  /** Starts listing and watching. Calling it again while running does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastActivity = this.clock.now();
    this.launch();
    this.armWatchdog(this.silenceMs);
  }

  /** Stops watching for good; cached objects stay readable. Pending `waitForSync` calls resolve false. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelRestart?.();
    this.cancelRestart = undefined;
    this.cancelWatchdog();
    for (const resolve of this.syncWaiters.splice(0)) resolve(false);
    this.watcher.abortCurrent(new Error('informer stopped'));
    await this.informer.stop();
  }

  /** See {@link CacheReader.get}. */
  get(namespace: string, name: string): T | undefined {
    return this.informer.get(name, namespace === '' ? undefined : namespace) as unknown as T | undefined;
  }

  /** See {@link CacheReader.list}. */
  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace === '' ? undefined : namespace) as unknown as readonly T[];
  }

  /** See {@link CacheReader.hasSynced}. */
  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * True while the cache follows the server: synced, and no list or watch failure since the last watch
   * started. A stale cache still serves its last contents.
   */
  isCurrent(): boolean {
    return this.synced && !this.failing;
  }

  /** Resolves true once synced, or false if the cache is stopped or `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(false), { once: true });
    });
  }

  /** See {@link CacheSource.onEvent}. */
  onEvent(handler: CacheEventHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  private launch(): void {
    this.cancelRestart = undefined;
    this.informer.start().catch((err: unknown) => this.onError(err));
  }

  private dispatch(type: CacheEventType, obj: T): void {
    for (const handler of this.handlers) {
      try {
        handler(type, obj);
      } catch (err) {
        this.log.error({ err: errorMessage(err), type }, 'cache event handler threw; continuing');
      }
    }
  }

  private onWatchConnected(): void {
    if (!this.failing) return;
    this.failing = false;
    this.log.info('informer watching again; cache current');
    this.opts.onCurrent?.(this.synced);
  }

  private onWatchStart(): void {
    this.lastActivity = this.clock.now();
    if (this.synced) return;
    this.synced = true;
    this.log.info({ objects: this.informer.list().length }, 'informer synced');
    this.opts.onCurrent?.(true);
    for (const resolve of this.syncWaiters.splice(0)) resolve(true);
  }

  private onWatchEvent(phase: string): void {
    this.lastActivity = this.clock.now();
    if (phase !== 'ERROR') this.backoff.reset();
  }

  private onError(err: unknown): void {
    if (!this.running || this.cancelRestart) return;
    if (err instanceof WatchSilentError) {
      this.log.warn({ reason: err.message }, 'watch silent; restarting it');
      this.cancelRestart = this.clock.setTimer(0, () => this.launch());
      return;
    }
    const delayMs = this.backoff.next();
    if (!this.failing) {
      this.failing = true;
      this.opts.onCurrent?.(false);
    }
    this.log.warn({ err: errorMessage(err), delayMs }, 'informer failed; restarting after backoff');
    this.cancelRestart = this.clock.setTimer(delayMs, () => this.launch());
  }

  private armWatchdog(ms: number): void {
    this.cancelWatchdog = this.clock.setTimer(ms, () => {
      if (!this.running) return;
      const quiet = this.clock.now() - this.lastActivity;
      if (quiet < this.silenceMs) {
        this.armWatchdog(this.silenceMs - quiet);
        return;
      }
      // While a restart is pending the silence is expected; with no watch running a list is in
      // progress (bounded by its own timeout).
      if (!this.cancelRestart) this.watcher.abortCurrent(new WatchSilentError(quiet));
      this.armWatchdog(this.silenceMs);
    });
  }
}

/** Options for {@link informerCache}: the resource path and everything but the list and watch functions. */
export type KubeInformerOptions<T extends KubeObject> = Omit<InformerCacheOptions<T>, 'list' | 'watch'>;

/** An InformerCache on a real cluster: lists through `api` (paginated raw JSON), watches with client-node. */
export function informerCache<T extends KubeObject>(kc: KubeConfig, api: ApiClient, opts: KubeInformerOptions<T>): InformerCache<T> {
  const watch = new Watch(kc);
  return new InformerCache<T>({
    ...opts,
    list: () => listAll<T>(api, opts.path, opts.labelSelector),
    watch: (path, query, onEvent, done) => watch.watch(path, query, onEvent, done),
  });
}
