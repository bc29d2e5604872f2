/**
 * The release's waits, as judges over the runtime's one wait mechanism (src/runtime/waits.ts, watch
 * events, no polling): readiness of objects by {@link objectStatus} (done when every object is Current,
 * failing fast when one is Failed, a timeout naming every object still not ready and why), deletion, and
 * hook completion by Helm's rule. A hook Job that deletes itself once finished (`ttlSecondsAfterFinished`,
 * as ingress-nginx's are) counts as done when it disappears after it was seen, as in Flux; any other hook
 * that disappears before completing fails.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import type { TargetRef } from '../runtime/apply.js';
import type { KubeObject } from '../runtime/object.js';
import type { Verdict, WaitSpec } from '../runtime/waits.js';
import { Parked, type AppliedVersion, type ReadinessWaiter } from './actions/context.js';
import { objectStatus, ReadyStatus } from './readiness.js';
import { conditionOf, describeCondition, str } from './readiness-fields.js';

/** Where a hook stands by Helm's rule: done, still running, or failed with a message. */
export type HookCompletion = { state: 'done' } | { state: 'running' } | { state: 'failed'; message: string };

/** Helm's hook completion rule for one live object (see the module comment). */
export function hookCompletion(obj: KubeObject): HookCompletion {
  if (obj.kind === 'Job') {
    const failed = conditionOf(obj, 'Failed');
    if (failed?.status === 'True') return { state: 'failed', message: `job ${obj.metadata?.name ?? ''} failed: ${describeCondition(failed) || 'Failed'}` };
    return conditionOf(obj, 'Complete')?.status === 'True' ? { state: 'done' } : { state: 'running' };
  }
  if (obj.kind === 'Pod') {
    const phase = str(obj, 'status', 'phase');
    if (phase === 'Failed') return { state: 'failed', message: `pod ${obj.metadata?.name ?? ''} failed` };
    return phase === 'Succeeded' ? { state: 'done' } : { state: 'running' };
  }
  return { state: 'done' };
}

/** Where waits are run: the runtime's ObjectWaits (or a fake in tests). */
export interface Waits {
  until(spec: WaitSpec): Promise<void>;
  park(spec: Omit<WaitSpec, 'timeoutMs' | 'signal'>, park: { key: string; deadline: number; wake: () => void }): Promise<Verdict>;
}

/** How the waits of one release run: as whom, cancelled by what, and how a parked wait wakes its reconcile. */
export interface WaitScope {
  waits: Waits;
  impersonate?: string;
  signal?: AbortSignal;
  /** When set, readiness waits asked to park do not block: `wake` re-queues the release's reconcile. */
  park?: { key: string; wake: () => void; now: () => number };
}

/** `Kind namespace/name` (or `Kind name` when cluster-scoped). */
export function refName(ref: TargetRef): string {
  return `${ref.kind} ${ref.namespace === '' ? '' : `${ref.namespace}/`}${ref.name}`;
}

/**
 * True when `obj` is older than what an apply returned (`applied`): a lower generation, or a lower
 * resourceVersion when both are the decimal numbers the API server (etcd) hands out. Such a copy comes from
 * a cache that has not seen the apply yet and says nothing about the new spec.
 */
export function olderThanApplied(obj: KubeObject, applied: AppliedVersion | undefined): boolean {
  if (applied === undefined) return false;
  const generation = obj.metadata?.generation;
  if (applied.generation !== undefined && typeof generation === 'number') return generation < applied.generation;
  const rv = obj.metadata?.resourceVersion;
  if (applied.resourceVersion === undefined || rv === undefined) return false;
  if (!/^\d{1,30}$/.test(rv) || !/^\d{1,30}$/.test(applied.resourceVersion)) return false;
  return BigInt(rv) < BigInt(applied.resourceVersion);
}

/**
 * Judge: every object Current; the first Failed one fails the wait. With `applied` (per ref), a copy older
 * than the apply is not judged: it waits as "not observed yet".
 */
export function readinessJudge(refs: readonly TargetRef[], applied?: readonly (AppliedVersion | undefined)[]): WaitSpec['judge'] {
  return (objects) => {
    const statuses = objects.map((o, i) => ({
      ref: refs[i]!,
      status: o !== undefined && olderThanApplied(o, applied?.[i]) ? { status: ReadyStatus.InProgress, message: 'the apply is not observed yet' } : objectStatus(o),
    }));
    const failed = statuses.find((s) => s.status.status === ReadyStatus.Failed);
    if (failed !== undefined) return { state: 'failed', message: `${refName(failed.ref)} failed: ${failed.status.message}` };
    const waiting = statuses.filter((s) => s.status.status !== ReadyStatus.Current);
    if (waiting.length === 0) return { state: 'done' };
    return { state: 'waiting', message: `${waiting.length} object(s) not ready:\n${waiting.map((s) => `${refName(s.ref)}: ${s.status.status} (${s.status.message})`).join('\n')}` };
  };
}

/** Judge: none of the objects exists. */
export function deletionJudge(refs: readonly TargetRef[]): WaitSpec['judge'] {
  return (objects) => {
    const present = refs.filter((_, i) => objects[i] !== undefined);
    return present.length === 0 ? { state: 'done' } : { state: 'waiting', message: `${present.length} object(s) still present:\n${present.map(refName).join('\n')}` };
  };
}

/** Judge of one hook (stateful: remembers whether the object was seen, for self-deleting Jobs). */
export function hookJudge(ref: TargetRef): WaitSpec['judge'] {
  let seen: KubeObject | undefined;
  return ([obj]): Verdict => {
    if (obj !== undefined) {
      seen = obj;
      const c = hookCompletion(obj);
      if (c.state === 'failed') return { ...c, code: ErrorCode.HookFailed };
      return c.state === 'running' ? { state: 'waiting', message: `${refName(ref)} running` } : { state: 'done' };
    }
    if (seen === undefined) return { state: 'waiting', message: `${refName(ref)} not seen yet` };
    const ttl = (seen as { spec?: { ttlSecondsAfterFinished?: unknown } }).spec?.ttlSecondsAfterFinished;
    if (seen.kind === 'Job' && typeof ttl === 'number') return { state: 'done' };
    return { state: 'failed', message: `${ref.kind} ${ref.name} disappeared before completing`, code: ErrorCode.HookFailed };
  };
}

/** A {@link ReadinessWaiter} over {@link Waits}; see the module comment. */
export class ObjectWaiter implements ReadinessWaiter {
  constructor(private readonly scope: WaitScope) {}

  /**
   * See {@link ReadinessWaiter.waitReady}. Asked to park (and able to), it judges once: ready → resolves;
   * failed → WaitTimeout; past the deadline → WaitTimeout naming what is not ready; else throws Parked.
   */
  async waitReady(refs: readonly TargetRef[], timeoutMs: number, park?: { deadline: number }, applied?: readonly (AppliedVersion | undefined)[]): Promise<void> {
    if (refs.length === 0) return;
    await this.waitOrPark(refs, readinessJudge(refs, applied), `readiness of ${describeAll(refs)}`, ErrorCode.WaitTimeout, timeoutMs, park);
  }

  /** Waits until `judge` says done; asked to park (and able to), judges once and throws Parked while waiting. */
  private async waitOrPark(refs: readonly TargetRef[], judge: WaitSpec['judge'], what: string, failCode: ErrorCode, timeoutMs: number, park?: { deadline: number }): Promise<void> {
    const parking = this.scope.park;
    if (park === undefined || parking === undefined) {
      await this.scope.waits.until(this.spec(refs, judge, timeoutMs, what));
      return;
    }
    const spec = { refs, judge, what, ...(this.scope.impersonate === undefined ? {} : { impersonate: this.scope.impersonate }) };
    const verdict = await this.scope.waits.park(spec, { key: parking.key, deadline: park.deadline, wake: parking.wake });
    if (verdict.state === 'done') return;
    if (verdict.state === 'failed') throw new MaglevError(verdict.code ?? failCode, verdict.message, { where: what });
    if (parking.now() >= park.deadline) {
      throw new MaglevError(ErrorCode.WaitTimeout, `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}: ${verdict.message}`, { where: what });
    }
    throw new Parked(`waiting for ${what}: ${verdict.message}`, park.deadline);
  }

  /** See {@link ReadinessWaiter.waitDeleted}. */
  async waitDeleted(refs: readonly TargetRef[], timeoutMs: number, park?: { deadline: number }): Promise<void> {
    if (refs.length === 0) return;
    await this.waitOrPark(refs, deletionJudge(refs), `deletion of ${describeAll(refs)}`, ErrorCode.WaitTimeout, timeoutMs, park);
  }

  /** Waits for a hook to complete by Helm's rule (see the module comment); asked to park, as {@link waitReady}. */
  async waitHook(ref: TargetRef, timeoutMs: number, park?: { deadline: number }): Promise<void> {
    await this.waitOrPark([ref], hookJudge(ref), `hook ${refName(ref)} to complete`, ErrorCode.HookFailed, timeoutMs, park);
  }

  private spec(refs: readonly TargetRef[], judge: WaitSpec['judge'], timeoutMs: number, what: string): WaitSpec {
    const spec: WaitSpec = { refs, judge, timeoutMs, what };
    if (this.scope.impersonate !== undefined) spec.impersonate = this.scope.impersonate;
    if (this.scope.signal !== undefined) spec.signal = this.scope.signal;
    return spec;
  }
}

function describeAll(refs: readonly TargetRef[]): string {
  return refs.length <= 3 ? refs.map(refName).join(', ') : `${refs.slice(0, 3).map(refName).join(', ')} and ${refs.length - 3} more`;
}
