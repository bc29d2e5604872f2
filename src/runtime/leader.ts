/**
 * Leader election on a Lease. A candidate takes the Lease only when it is free (no holder) or expired
 * (renewTime + leaseDurationSeconds is in the past by this replica's clock: replicas need roughly
 * synchronised clocks, as with NTP), always by compare-and-swap on resourceVersion, so of two candidates
 * racing for it exactly one wins. The leader renews every `retryPeriodMs`. If it has not renewed for
 * `renewDeadlineMs`, or sees another holder, it stops leading, calls `onStoppedLeading` once, and never
 * tries again: the process must stop its work (and normally exit). `renewDeadlineMs` < `leaseDurationMs`
 * leaves a margin in which the old leader has stopped before anyone else may take over. This is not
 * fencing: writes must still tolerate a brief overlap. `release()` on clean shutdown frees the Lease so
 * another replica takes over at its next retry instead of waiting for expiry.
 */
import type { Logger } from 'pino';
import { ErrorCode, errorMessage, MaglevError } from '../errors.js';
import { isConflict } from './api-error.js';
import { microTime, realClock, type CancelTimer, type Clock } from './clock.js';
import type { LeaseSpec, LeaseStore } from './lease.js';

/** Options for {@link LeaderElector}; durations default to 15 s / 10 s / 2 s. */
export interface LeaderElectorOptions {
  store: LeaseStore;
  /** This replica's identity, usually the pod name. Must be unique among replicas. */
  identity: string;
  logger: Logger;
  clock?: Clock;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called once when this replica becomes leader. */
  onStartedLeading?: () => void;
  /** Called once if leadership is lost involuntarily (not after `release()` or `stop()`). */
  onStoppedLeading?: () => void;
}

type Attempt = 'held' | 'taken' | 'failed';

/** Campaigns for and holds a Lease; see the module comment. */
export class LeaderElector {
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private leading = false;
  private started = false;
  private stopped = false;
  private cancelTick: CancelTimer = () => {};
  private cancelDeadline: CancelTimer = () => {};
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LeaderElectorOptions) {
    this.clock = opts.clock ?? realClock;
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
    if (!(this.leaseMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryMs && this.retryMs > 0)) {
      throw new MaglevError(ErrorCode.InvalidOptions, 'leader election needs leaseDuration > renewDeadline > retryPeriod > 0', {
        where: `leaseDuration=${this.leaseMs}ms renewDeadline=${this.renewDeadlineMs}ms retryPeriod=${this.retryMs}ms`,
      });
    }
  }

  /** Starts campaigning now. Calling it again does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** True while this replica holds the Lease and has renewed it within the renew deadline. */
  isLeader(): boolean {
    return this.leading;
  }

  /** Stops campaigning and renewing without touching the Lease (it expires on its own). */
  stop(): void {
    this.stopped = true;
    this.leading = false;
    this.cancelTick();
    this.cancelDeadline();
  }

  /** Stops, and if leading, frees the Lease so another replica can take it at once. Never rejects. */
  async release(): Promise<void> {
    const wasLeading = this.leading;
    this.stop();
    await this.inFlight;
    if (!wasLeading) return;
    try {
      const lease = await this.opts.store.get();
      if (!lease || lease.spec?.holderIdentity !== this.opts.identity) return;
      const now = microTime(this.clock.now());
      await this.opts.store.replace({
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
      });
      this.opts.logger.info({ lease: lease.metadata.name }, 'released leader lease');
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, 'could not release leader lease; it will expire');
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancelTick = this.clock.setTimer(ms, () => {
      this.inFlight = this.tick();
    });
  }

  private async tick(): Promise<void> {
    const attempt = await this.tryAcquireOrRenew();
    if (this.stopped) return;
    if (attempt === 'taken') {
      this.armDeadline();
      if (!this.leading) {
        this.leading = true;
        this.opts.logger.info({ identity: this.opts.identity }, 'became leader');
        this.callback(this.opts.onStartedLeading);
      }
    } else if (attempt === 'held' && this.leading) {
      this.lose('another replica holds the lease');
      return;
    }
    this.schedule(this.retryMs);
  }

  /** Restarts the renew-deadline timer from now. */
  private armDeadline(): void {
    this.cancelDeadline();
    this.cancelDeadline = this.clock.setTimer(this.renewDeadlineMs, () => this.lose('lease not renewed within the renew deadline'));
  }

  private lose(why: string): void {
    if (!this.leading) return;
    this.stop();
    this.opts.logger.error({ identity: this.opts.identity, why }, 'lost leadership');
    this.callback(this.opts.onStoppedLeading);
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { store, identity } = this.opts;
    const now = this.clock.now();
    try {
      const lease = await store.get();
      if (!lease) {
        await store.create(this.nextSpec({ leaseTransitions: 0 }, false, now));
        return 'taken';
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      if (holder !== '' && holder !== identity && !isExpired(spec, now)) return 'held';
      await store.replace({ ...lease, spec: this.nextSpec(spec, holder !== identity, now) });
      return 'taken';
    } catch (err) {
      const level = isConflict(err) ? 'debug' : 'warn';
      this.opts.logger[level]({ err: errorMessage(err), leading: this.leading }, 'leader lease update failed');
      return 'failed';
    }
  }

  private nextSpec(spec: LeaseSpec, takeover: boolean, now: number): LeaseSpec {
    const t = microTime(now);
    return {
      ...spec,
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
      acquireTime: takeover || !spec.acquireTime ? t : spec.acquireTime,
      renewTime: t,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (takeover ? 1 : 0),
    };
  }

  private callback(fn: (() => void) | undefined): void {
    try {
      fn?.();
    } catch (err) {
      this.opts.logger.error({ err: errorMessage(err) }, 'leader election callback threw');
    }
  }
}

/** True when the Lease was not renewed within its duration as of `now` (no renewTime counts as expired). */
export function isExpired(spec: LeaseSpec, now: number): boolean {
  const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
  if (Number.isNaN(renewed)) return true;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < now;
}
