/**
 * A {@link HookExecutor} for tests: keeps the objects it created, logs every call as `verb Kind/name`,
 * refuses to create an object that exists (like a POST), and fails the calls a test asks it to.
 */
import type { TargetRef } from '../../runtime/apply.js';
import type { KubeObject } from '../../runtime/object.js';
import type { HookExecutor } from '../hooks.js';

/** Calls a failure can be injected into. */
export type HookCall = 'delete' | 'create' | 'wait' | 'logs';

/** The fake executor; `calls` lists every call in order. */
export class FakeHookExecutor implements HookExecutor {
  readonly calls: string[] = [];
  /** Objects present, keyed `Kind/name`. */
  readonly objects = new Map<string, KubeObject>();
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
      if (this.objects.has(key)) throw new Error(`${key} already exists`);
      this.objects.set(key, obj);
    });
  }

  /** See {@link HookExecutor.waitComplete}. */
  waitComplete(ref: TargetRef): Promise<void> {
    return this.call('wait', `${ref.kind}/${ref.name}`, () => undefined);
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
