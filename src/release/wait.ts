/**
 * A {@link ReadinessWaiter} that polls each object with a get and judges it with {@link objectStatus}:
 * done when every object is Current; fails fast when one is Failed (a Deployment past its progress
 * deadline, a failed Job); otherwise gives up after the timeout with WaitTimeout naming every object
 * still not ready and why. Time comes from an injected clock, so tests drive it by hand.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { during } from '../runtime/activity.js';
import { abortReason } from '../runtime/client.js';
import type { CallOptions, TargetRef } from '../runtime/apply.js';
import { sleep, type Clock } from '../runtime/clock.js';
import type { KubeObject } from '../runtime/object.js';
import type { ReadinessWaiter } from './actions/context.js';
import { objectStatus, ReadyStatus, type ObjectStatus } from './readiness.js';

/** Options for {@link PollingWaiter}. */
export interface PollingWaiterOptions {
  get(ref: TargetRef, opts?: CallOptions): Promise<KubeObject | undefined>;
  clock: Clock;
  /** Time between polls (default 2 s). */
  intervalMs?: number;
  call?: CallOptions;
  signal?: AbortSignal;
}

/** Polls objects until ready; see the module comment. */
export class PollingWaiter implements ReadinessWaiter {
  constructor(private readonly options: PollingWaiterOptions) {}

  /** See {@link ReadinessWaiter.waitReady}. */
  async waitReady(refs: readonly TargetRef[], timeoutMs: number): Promise<void> {
    const { clock } = this.options;
    const deadline = clock.now() + timeoutMs;
    let pending = [...refs];
    for (;;) {
      const statuses = await Promise.all(pending.map(async (ref) => ({ ref, status: objectStatus(await this.options.get(ref, this.options.call)) })));
      const failed = statuses.find((s) => s.status.status === ReadyStatus.Failed);
      if (failed !== undefined) {
        throw new MaglevError(ErrorCode.WaitTimeout, `${name(failed.ref)} failed: ${failed.status.message}`, { where: name(failed.ref) });
      }
      const notReady = statuses.filter((s) => s.status.status !== ReadyStatus.Current);
      pending = notReady.map((s) => s.ref);
      if (pending.length === 0) return;
      const left = deadline - clock.now();
      if (left <= 0 || this.options.signal?.aborted) throw timeout(notReady, timeoutMs, this.options.signal);
      await during(`readiness of ${pending.map(name).join(', ')}`, sleep(clock, Math.min(this.options.intervalMs ?? 2000, left), this.options.signal));
    }
  }

  /** See {@link ReadinessWaiter.waitDeleted}. */
  async waitDeleted(refs: readonly TargetRef[], timeoutMs: number): Promise<void> {
    const { clock } = this.options;
    const deadline = clock.now() + timeoutMs;
    let pending = [...refs];
    for (;;) {
      const present = await Promise.all(pending.map(async (ref) => ((await this.options.get(ref, this.options.call)) === undefined ? undefined : ref)));
      pending = present.filter((r): r is TargetRef => r !== undefined);
      if (pending.length === 0) return;
      const left = deadline - clock.now();
      if (left <= 0 || this.options.signal?.aborted) {
        const list = pending.map(name);
        throw new MaglevError(ErrorCode.WaitTimeout, `${pending.length} object(s) still present ${Math.round(timeoutMs / 1000)}s after deletion:\n${list.join('\n')}`, { where: list[0] });
      }
      await during(`deletion of ${pending.map(name).join(', ')}`, sleep(clock, Math.min(this.options.intervalMs ?? 2000, left), this.options.signal));
    }
  }
}

function name(ref: TargetRef): string {
  return `${ref.kind} ${ref.namespace === '' ? '' : `${ref.namespace}/`}${ref.name}`;
}

function timeout(notReady: { ref: TargetRef; status: ObjectStatus }[], timeoutMs: number, signal: AbortSignal | undefined): MaglevError {
  const list = notReady.map((s) => `${name(s.ref)}: ${s.status.status} (${s.status.message})`);
  const why = signal?.aborted === true ? `not ready when waiting was cancelled (${abortReason(signal)})` : `not ready after ${Math.round(timeoutMs / 1000)}s`;
  return new MaglevError(ErrorCode.WaitTimeout, `${notReady.length} object(s) ${why}:\n${list.join('\n')}`, { where: list[0] });
}
