/**
 * A deduplicating, rate-limited queue of string keys (`namespace/name`), the hand-off point between
 * watch handlers and reconcile workers. Guarantees:
 * - a key added many times while it waits is queued once (FIFO by first add);
 * - a key is handed out to at most one worker at a time: if it is added while being processed it is
 *   queued again only when that worker calls `done(key)`;
 * - `addRateLimited` delays a key by a per-key exponential backoff that `forget` resets;
 * - after shutdown, adds are ignored, waiting and future `get()` calls resolve `undefined`, and keys
 *   still queued are dropped (reconciles are level-based: a restart re-lists everything).
 */
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { realClock, type CancelTimer, type Clock } from './clock.js';

/** Optional metric callbacks; the caller binds them to its own registry and labels. */
export interface QueueMetrics {
  /** Number of keys waiting to be handed out, after every change. */
  depth?(n: number): void;
  /** A key entered the queue (adds collapsed by deduplication are not counted). */
  added?(): void;
  /** `addRateLimited` was called (a retry was scheduled). */
  retried?(): void;
  /** Seconds between `get()` handing out a key and `done(key)`. */
  workDuration?(seconds: number): void;
  /** Seconds a key waited in the queue before `get()` handed it out. */
  latency?(seconds: number): void;
}

/** Options for {@link WorkQueue}; per-key backoff defaults to 1 s doubling up to 5 min. */
export interface WorkQueueOptions {
  backoff?: Partial<BackoffOptions>;
  clock?: Clock;
  metrics?: QueueMetrics;
}

/** Default per-key retry backoff: 1 s, ×2, capped at 5 minutes. */
export const DEFAULT_QUEUE_BACKOFF: BackoffOptions = { baseMs: 1_000, factor: 2, maxMs: 5 * 60_000 };

/** See the module comment for the guarantees. */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly metrics: QueueMetrics;
  private readonly backoff: BackoffOptions;
  /** Keys waiting to be handed out, in insertion order, with the time they were queued. */
  private readonly queued = new Map<string, number>();
  /** Keys handed out and not yet done, with the time they were handed out. */
  private readonly processing = new Map<string, number>();
  /** Keys added while being processed: queued again on `done`. */
  private readonly dirty = new Set<string>();
  /** Delayed adds: key → ready time and cancel function (only the earliest is kept). */
  private readonly delayed = new Map<string, { readyAt: number; cancel: CancelTimer }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.metrics = options.metrics ?? {};
    this.backoff = { ...DEFAULT_QUEUE_BACKOFF, ...options.backoff };
  }

  /** Queues `key` now unless it is already queued; a key being processed is queued again after `done`. */
  add(key: string): void {
    if (this.shuttingDown || this.queued.has(key)) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.metrics.added?.();
    const waiter = this.waiters.shift();
    if (waiter) {
      this.handOut(key, this.clock.now());
      waiter(key);
      return;
    }
    this.queued.set(key, this.clock.now());
    this.reportDepth();
  }

  /** Queues `key` after `ms`; when the key already has a pending delayed add, the earlier one wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    pending?.cancel();
    const cancel = this.clock.setTimer(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { readyAt, cancel });
  }

  /** Queues `key` after its backoff delay and counts one more failure for it. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.metrics.retried?.();
    this.addAfter(key, backoffDelay(this.backoff, failures));
  }

  /** Resets the backoff of `key` (call after a successful reconcile). Does not dequeue it. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times `key` was rate-limited since it was last forgotten. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Number of keys waiting to be handed out (not counting delayed or in-flight keys). */
  len(): number {
    return this.queued.size;
  }

  /** True once `shutDown` or `shutDownWithDrain` was called. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Next key to process, waiting if none; `undefined` once the queue is shut down. Call `done(key)` after. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const next = this.queued.entries().next();
    if (!next.done) {
      const [key, queuedAt] = next.value;
      this.queued.delete(key);
      this.reportDepth();
      this.handOut(key, queuedAt);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` finished; if it was added meanwhile it is queued again now. */
  done(key: string): void {
    const startedAt = this.processing.get(key);
    if (startedAt === undefined) return;
    this.processing.delete(key);
    this.metrics.workDuration?.((this.clock.now() - startedAt) / 1000);
    if (this.dirty.delete(key)) this.add(key);
    if (this.processing.size === 0) this.resolveDrain();
  }

  /** Stops the queue: adds are ignored, queued and delayed keys dropped, `get()` resolves `undefined`. */
  shutDown(): void {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      for (const { cancel } of this.delayed.values()) cancel();
      this.delayed.clear();
      this.queued.clear();
      this.dirty.clear();
      this.reportDepth();
      for (const waiter of this.waiters.splice(0)) waiter(undefined);
    }
    if (this.processing.size === 0) this.resolveDrain();
  }

  /** Like `shutDown`, and resolves once every key already handed out is `done`. */
  shutDownWithDrain(): Promise<void> {
    const drained = new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    this.shutDown();
    return drained;
  }

  private handOut(key: string, queuedAt: number): void {
    const now = this.clock.now();
    this.processing.set(key, now);
    this.metrics.latency?.((now - queuedAt) / 1000);
  }

  private reportDepth(): void {
    this.metrics.depth?.(this.queued.size);
  }

  private resolveDrain(): void {
    if (!this.shuttingDown) return;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
