/**
 * Exponential backoff: the delay after `n` consecutive failures is `base * factor^n`, capped at `max`.
 * Used per key by the work queue, and per watch by the informer cache.
 */

/** Shape of an exponential backoff. All values in milliseconds except the factor. */
export interface BackoffOptions {
  baseMs: number;
  factor: number;
  maxMs: number;
}

/** Delay before retry number `failures + 1` (0 failures → `baseMs`), never above `maxMs`. */
export function backoffDelay(opts: BackoffOptions, failures: number): number {
  const exp = Math.max(0, failures);
  const delay = opts.baseMs * Math.pow(opts.factor, exp);
  return Number.isFinite(delay) ? Math.min(delay, opts.maxMs) : opts.maxMs;
}

/** A single backoff sequence: `next()` returns base, base*factor, … up to max; `reset()` starts over. */
export class Backoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions) {}

  /** The delay to wait now; each call counts one more failure. */
  next(): number {
    const delay = backoffDelay(this.opts, this.failures);
    this.failures += 1;
    return delay;
  }

  /** Forget past failures (call after a success). */
  reset(): void {
    this.failures = 0;
  }
}
