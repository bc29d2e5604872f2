/**
 * The controller loop: N workers take keys from a {@link WorkQueue}, call the reconciler, and act on how
 * it ended as described in reconcile.ts. Watch sources only enqueue keys. One key is never reconciled by
 * two workers at once (the queue guarantees it), so N bounds concurrency across different objects.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { errorMessage, isMaglevError } from '../errors.js';
import { trackActivity, type Activity } from './activity.js';
import { realClock, type Clock } from './clock.js';
import type { KubeObject } from './object.js';
import {
  classifyOutcome,
  keyOf,
  parseKey,
  ReconcileOutcome,
  requestFor,
  supersedes,
  type Intent,
  type Reconciler,
  type Request,
} from './reconcile.js';
import type { Predicate } from './predicates.js';
import type { CacheEventType, CacheSource } from './store.js';
import { WorkQueue, type WorkQueueOptions } from './workqueue.js';

/** Optional metric callbacks for one controller; the caller binds them to its registry and labels. */
export interface ControllerMetrics {
  /** One reconcile finished with `outcome` after `seconds`. */
  reconciled?(outcome: ReconcileOutcome, seconds: number): void;
  /** Number of reconciles running now. */
  active?(n: number): void;
  /** A reconcile has run longer than the watchdog bound (called once per such reconcile). */
  stuck?(): void;
}

/** Options for {@link Controller}. `workers` defaults to 2. */
export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  logger: Logger;
  workers?: number;
  /** Options for the controller's own queue (backoff, metrics); the clock defaults to `clock`. */
  queue?: WorkQueueOptions;
  metrics?: ControllerMetrics;
  clock?: Clock;
  /** Makes reconcile ids for log lines; default random UUIDs. */
  newReconcileId?: () => string;
  /**
   * A reconcile running longer than this is logged (warn) with the step it is waiting on, again after each
   * further period, and counted once through `metrics.stuck`. Default 60 s.
   */
  watchdogMs?: number;
}

/** Maps a changed object to the requests it should trigger (default: the object itself). */
export type EventMapper<T extends KubeObject> = (obj: T, type: CacheEventType) => Request[];

/** A reconcile running now: its abort, the intent it said it acts on, and the newest intent reported since it started. */
interface Running {
  abort: AbortController;
  actsOn?: Intent;
  newest?: { intent: Intent; reason: string };
}

/** Runs a reconciler over a queue of keys with bounded concurrency and graceful shutdown. */
export class Controller {
  /** The controller's name, used in logs and metrics. */
  readonly name: string;
  /** The controller's queue; exposed for metrics and tests. */
  readonly queue: WorkQueue;
  private readonly opts: ControllerOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  /** Each running reconcile, by key, for {@link supersede}. */
  private readonly running = new Map<string, Running>();
  private workers: Promise<void>[] = [];
  private active = 0;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.clock = opts.clock ?? realClock;
    this.queue = new WorkQueue({ clock: this.clock, ...opts.queue });
    this.log = opts.logger.child({ controller: opts.name });
  }

  /** Queues a reconcile of `req` (deduplicated with any pending one). */
  enqueue(req: Request): void {
    this.queue.add(keyOf(req));
  }

  /** Queues a reconcile of `req` after `ms`. */
  enqueueAfter(req: Request, ms: number): void {
    this.queue.addAfter(keyOf(req), ms);
  }

  /**
   * Enqueues the requests `map` derives from every change in `source` that `predicate` lets through
   * (defaults: the object itself; every change). Returns an unsubscribe function.
   */
  watch<T extends KubeObject>(source: CacheSource<T>, map: EventMapper<T> = (obj) => [requestFor(obj)], predicate?: Predicate<T>): () => void {
    return source.onEvent((type, obj) => {
      try {
        if (predicate !== undefined && !predicate(type, obj)) return;
        for (const req of map(obj, type)) this.enqueue(req);
      } catch (err) {
        this.log.error({ err: errorMessage(err) }, 'event mapper threw; event dropped');
      }
    });
  }

  /**
   * Reports that the object of `req` now asks for `intent`. A reconcile of it running now is aborted with
   * `reason` when it said (`ctx.actsOn`) it acts on an intent this one supersedes, or as soon as it says so;
   * a reconcile already acting on this intent or a newer one goes on. The key is reconciled again once the
   * aborted one ends. Returns true when it aborted one now.
   */
  supersede(req: Request, intent: Intent, reason: string): boolean {
    const running = this.running.get(keyOf(req));
    if (running === undefined || running.abort.signal.aborted) return false;
    if (running.newest === undefined || supersedes(intent, running.newest.intent)) running.newest = { intent, reason };
    const aborted = this.abortIfSuperseded(running);
    if (aborted) this.log.debug({ namespace: req.namespace, name: req.name, reason }, 'running reconcile superseded');
    return aborted;
  }

  private abortIfSuperseded(running: Running): boolean {
    const { actsOn, newest } = running;
    if (actsOn === undefined || newest === undefined || running.abort.signal.aborted || !supersedes(newest.intent, actsOn)) return false;
    running.abort.abort(new Error(newest.reason));
    return true;
  }

  /** Aborts every running reconcile at once and takes no new work (lost leadership: stop acting now). */
  abortAll(reason: string): void {
    this.queue.shutDown();
    this.abort.abort(new Error(reason));
  }

  /** Starts the workers. Calling it twice does nothing. */
  start(): void {
    if (this.workers.length > 0) return;
    const n = Math.max(1, this.opts.workers ?? 2);
    for (let i = 0; i < n; i++) this.workers.push(this.runWorker());
    this.log.info({ workers: n }, 'controller started');
  }

  /**
   * Takes no new work, waits up to `deadlineMs` for running reconciles, then aborts their signal.
   * Resolves true if every reconcile finished in time.
   */
  async stop(deadlineMs = 30_000): Promise<boolean> {
    this.queue.shutDown();
    let cancel = (): void => {};
    const deadline = new Promise<boolean>((resolve) => {
      cancel = this.clock.setTimer(deadlineMs, () => resolve(false));
    });
    const finished = await Promise.race([Promise.all(this.workers).then(() => true), deadline]);
    cancel();
    if (!finished) {
      this.log.warn({ inFlight: this.active, deadlineMs }, 'shutdown deadline passed; aborting running reconciles');
      this.abort.abort(new Error(`controller ${this.name} stopped`));
    } else {
      this.log.info('controller stopped');
    }
    return finished;
  }

  private async runWorker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.processKey(key);
    }
  }

  /** Runs one reconcile and applies the contract in reconcile.ts. Never rejects. */
  private async processKey(key: string): Promise<void> {
    const req = parseKey(key);
    const reconcileId = (this.opts.newReconcileId ?? randomUUID)();
    const log = this.log.child({ namespace: req.namespace, name: req.name, reconcileId });
    const startedAt = this.clock.now();
    this.setActive(+1);
    log.debug('reconcile started');
    let outcome: ReconcileOutcome = ReconcileOutcome.Error;
    let stopWatchdog = (): void => {};
    const own: Running = { abort: new AbortController() };
    this.running.set(key, own);
    const signal = AbortSignal.any([this.abort.signal, own.abort.signal]);
    const actsOn = (intent: Intent): void => {
      own.actsOn = intent;
      if (this.abortIfSuperseded(own)) log.debug({ reason: errorMessage(own.abort.signal.reason) }, 'superseded before it acted');
    };
    try {
      const result = await trackActivity(
        () => this.clock.now(),
        (activity) => {
          stopWatchdog = this.watchdog(log, startedAt, activity);
          return this.opts.reconciler(req, { log, signal, actsOn });
        },
      );
      outcome = classifyOutcome({ threw: false, result });
      this.queue.forget(key);
      if (outcome === ReconcileOutcome.Requeue) this.queue.addAfter(key, result.requeueAfterMs ?? 0);
      log.debug({ outcome, requeueAfterMs: result.requeueAfterMs }, 'reconcile finished');
    } catch (err) {
      outcome = classifyOutcome({ threw: true, error: err });
      const code = isMaglevError(err) ? err.code : undefined;
      if (outcome === ReconcileOutcome.Terminal) {
        this.queue.forget(key);
        log.error({ code, err: errorMessage(err) }, 'reconcile failed terminally; not retried until the object changes');
      } else {
        this.queue.addRateLimited(key);
        log.warn({ code, err: errorMessage(err), retries: this.queue.numRequeues(key) }, 'reconcile failed; will retry');
      }
    } finally {
      this.running.delete(key);
      stopWatchdog();
      this.queue.done(key);
      this.setActive(-1);
      const seconds = (this.clock.now() - startedAt) / 1000;
      this.safely(() => this.opts.metrics?.reconciled?.(outcome, seconds));
    }
  }

  /** Arms the watchdog of one reconcile (see `watchdogMs`); returns its cancel function. */
  private watchdog(log: Logger, startedAt: number, activity: () => Activity): () => void {
    const periodMs = this.opts.watchdogMs ?? 60_000;
    let counted = false;
    let cancel = (): void => {};
    const arm = (): void => {
      cancel = this.clock.setTimer(periodMs, () => {
        const now = this.clock.now();
        const step = activity();
        log.warn(
          { runningSeconds: Math.round((now - startedAt) / 1000), waitingOn: step.what, waitingSeconds: Math.round((now - step.since) / 1000) },
          'reconcile still running',
        );
        if (!counted) {
          counted = true;
          this.safely(() => this.opts.metrics?.stuck?.());
        }
        arm();
      });
    };
    arm();
    return () => cancel();
  }

  private setActive(delta: number): void {
    this.active += delta;
    this.safely(() => this.opts.metrics?.active?.(this.active));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'metrics callback threw');
    }
  }
}
