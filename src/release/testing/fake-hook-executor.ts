/**
 * A {@link HookExecutor} for tests: keeps the objects it created, logs every call as `verb Kind/name`,
 * refuses to create an object that exists (like a POST), and fails the calls a test asks it to.
 */
import type { TargetRef } from '../../runtime/apply.js';
import type { KubeObject } from '../../runtime/object.js';
import { ApiStatusError } from '../../runtime/api-error.js';
import { Parked } from '../actions/context.js';
import type { HookExecutor } from '../hooks.js';

/** Calls a failure can be injected into. */
export type HookCall = 'delete' | 'create' | 'wait' | 'logs';

/** The fake executor; `calls` lists every call in order. */
export class FakeHookExecutor implements HookExecutor {
  readonly calls: string[] = [];
  /** Objects present, keyed `Kind/name`. */
  readonly objects = new Map<string, KubeObject>();
  /** Hooks (`Kind/name`) still running: their waits park or fail (see {@link waitComplete}). */
  readonly running = new Set<string>();
  private readonly failures = new Map<string, Error>();

  /** Makes `call` on `Kind/name` fail with `error` every time. */
  fail(call: HookCall, key: string, error: Error = new Error(`${call} ${key} failed`)): void {
    this.failures.set(`${call} ${key}`, error);
  }

  /** See {@link HookExecutor.deleteAndWait}. */
  deleteAndWait(ref: TargetRef): Promise<void> {
    return this.call('delete', `${ref.kind}/${ref.name}`, () => {
      this.objects.delete(`${ref.kind}/${ref.name}`);
    });
  }

  /** See {@link HookExecutor.create}. */
  create(obj: KubeObject): Promise<void> {
    const key = `${obj.kind ?? ''}/${obj.metadata?.name ?? ''}`;
    return this.call('create', key, () => {
      if (this.objects.has(key)) throw new ApiStatusError(`POST ${key}`, 409, { reason: 'AlreadyExists' });
      this.objects.set(key, obj);
    });
  }

  /**
   * See {@link HookExecutor.waitComplete}. A hook named in `running` is still running: with `park` the wait
   * throws Parked (deadline as given), without it the wait fails as timed out.
   */
  waitComplete(ref: TargetRef, _timeoutMs?: number, park?: { deadline: number }): Promise<void> {
    const key = `${ref.kind}/${ref.name}`;
    return this.call('wait', key, () => {
      if (!this.running.has(key)) return;
      if (park !== undefined) throw new Parked(`waiting for hook ${key} to complete`, park.deadline);
      throw new Error(`${key} still running`);
    });
  }

  /** See {@link HookExecutor.exists}. */
  exists(ref: TargetRef): Promise<boolean> {
    this.calls.push(`exists ${ref.kind}/${ref.name}`);
    return Promise.resolve(this.objects.has(`${ref.kind}/${ref.name}`));
  }

  /** See {@link HookExecutor.outputLogs}. */
  outputLogs(ref: TargetRef): Promise<void> {
    return this.call('logs', `${ref.kind}/${ref.name}`, () => undefined);
  }

  private call(verb: HookCall, key: string, fn: () => void): Promise<void> {
    this.calls.push(`${verb} ${key}`);
    const failure = this.failures.get(`${verb} ${key}`);
    if (failure !== undefined) return Promise.reject(failure);
    try {
      fn();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
