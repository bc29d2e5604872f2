/**
 * The manager: owns the informer caches and the controllers, and their life cycle, as controller-runtime's
 * manager does. `run()`:
 * 1. starts every cache;
 * 2. becomes leader (at once, or through the elector);
 * 3. once every cache holds a full list, starts the controllers, so no reconcile reads a partial cache;
 * 4. resolves the exit code when asked to stop (0), when the caches do not sync in time (1), or when the
 *    lease is lost (1).
 * Losing the lease stops all writes AT ONCE: the write fence refuses every write from that moment, and every
 * running reconcile is aborted through its signal (hook and readiness waits included), before the graceful
 * part of the shutdown even starts. A clean stop lets running reconciles finish up to the deadline, then
 * frees the lease so another replica takes over without waiting for it to expire.
 */
import type { Logger } from 'pino';
import type { Controller } from './controller.js';
import type { WriteFence } from './fence.js';
import type { LeaderElector } from './leader.js';

/** A cache the manager starts, waits for and stops (InformerCache implements it). */
export interface ManagedCache {
  start(): void;
  stop(): Promise<void>;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  hasSynced(): boolean;
  /** Synced and following the server now (not failing to list or watch). */
  isCurrent(): boolean;
}

/** Callbacks the manager hands to the elector it builds. */
export interface LeaderCallbacks {
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

/** Options for {@link Manager}. */
export interface ManagerOptions {
  logger: Logger;
  /** Closed when the lease is lost, so no write leaves after that moment. */
  fence: WriteFence;
  /** Builds the leader elector; without it this replica leads at once. */
  elector?: (callbacks: LeaderCallbacks) => LeaderElector;
  /** Told when this replica starts (true) or stops (false) leading. */
  onLeading?: (leading: boolean) => void;
  /** How long running reconciles may finish on a clean stop (default 30 s). */
  shutdownTimeoutMs?: number;
  /** How long the caches may take to sync (default 120 s). */
  syncTimeoutMs?: number;
}

/** See the module comment. */
export class Manager {
  private readonly caches: ManagedCache[] = [];
  private readonly controllers: Controller[] = [];
  private readonly log: Logger;
  private resolveExit: (code: number) => void = () => {};
  private readonly exited = new Promise<number>((resolve) => (this.resolveExit = resolve));
  private elector: LeaderElector | undefined;
  private lostLease = false;

  constructor(private readonly opts: ManagerOptions) {
    this.log = opts.logger.child({ component: 'manager' });
  }

  /** Registers a cache; returns it for chaining. */
  addCache<C extends ManagedCache>(cache: C): C {
    this.caches.push(cache);
    return cache;
  }

  /** Registers a controller; returns it for chaining. */
  addController(controller: Controller): Controller {
    this.controllers.push(controller);
    return controller;
  }

  /** True once every cache holds a full list. */
  hasSynced(): boolean {
    return this.caches.every((c) => c.hasSynced());
  }

  /**
   * The readiness probe: every cache synced and following the server. False while the API server cannot be
   * reached (the caches cannot list or watch), true again as soon as their watches run.
   */
  isCurrent(): boolean {
    return this.caches.every((c) => c.isCurrent());
  }

  /** Runs until {@link stop} or lost leadership; resolves the exit code after the shutdown. */
  async run(): Promise<number> {
    for (const c of this.caches) c.start();
    if (this.opts.elector === undefined) {
      this.opts.onLeading?.(true);
      this.startControllers();
    } else {
      this.opts.onLeading?.(false);
      this.elector = this.opts.elector({
        onStartedLeading: () => {
          this.opts.onLeading?.(true);
          this.log.info('became leader; starting controllers');
          this.startControllers();
        },
        onStoppedLeading: () => this.loseLease(),
      });
      this.elector.start();
    }
    const code = await this.exited;
    await this.shutdown();
    return code;
  }

  /** Asks the manager to stop gracefully with `code`. */
  stop(code = 0): void {
    this.resolveExit(code);
  }

  private loseLease(): void {
    this.lostLease = true;
    this.opts.onLeading?.(false);
    this.opts.fence.close('this replica lost its leader lease');
    for (const c of this.controllers) c.abortAll('leader lease lost');
    this.log.error('lost leadership; writes fenced and running reconciles aborted; stopping so that only the new leader acts');
    this.resolveExit(1);
  }

  private startControllers(): void {
    const synced = AbortSignal.timeout(this.opts.syncTimeoutMs ?? 120_000);
    void Promise.all(this.caches.map((c) => c.waitForSync(synced))).then((ok) => {
      if (!ok.every(Boolean)) {
        this.log.error('caches did not sync in time; stopping');
        this.resolveExit(1);
        return;
      }
      if (this.lostLease) return;
      for (const c of this.controllers) c.start();
    });
  }

  private async shutdown(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop(this.opts.shutdownTimeoutMs ?? 30_000)));
    // Past the deadline nothing may write any more, whatever is still running.
    this.opts.fence.close('the operator is shutting down');
    await Promise.all(this.caches.map((c) => c.stop()));
    if (this.elector !== undefined && !this.lostLease) await this.elector.release();
  }
}
