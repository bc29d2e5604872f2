/**
 * What a running reconcile is doing right now, so the controller's watchdog can say what a slow reconcile
 * waits on. The controller runs each reconcile inside {@link trackActivity}; code anywhere below it (the
 * API client, chart fetches, readiness waits, hook runs) calls {@link during} around an await, without the
 * tracker being passed down. Outside a tracked reconcile both are no-ops.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The activity of one reconcile: the innermost step still running, and since when. */
export interface Activity {
  /** What is awaited now, e.g. `GET /api/v1/namespaces/x/pods/y`; 'reconciling' before any step. */
  what: string;
  /** Clock time the step began. */
  since: number;
}

const store = new AsyncLocalStorage<{ stack: Activity[]; now: () => number }>();

/** Runs `fn` with a fresh activity record; `read` then returns its innermost step while `fn` runs. */
export function trackActivity<T>(now: () => number, fn: (read: () => Activity) => Promise<T>): Promise<T> {
  const state = { stack: [{ what: 'reconciling', since: now() }], now };
  const read = (): Activity => state.stack[state.stack.length - 1] ?? { what: 'reconciling', since: now() };
  return store.run(state, () => fn(read));
}

/** Awaits `promise` as the step `what` of the current reconcile (nested steps show the innermost). */
export async function during<T>(what: string, promise: Promise<T> | (() => Promise<T>)): Promise<T> {
  const state = store.getStore();
  const run = typeof promise === 'function' ? promise : () => promise;
  if (state === undefined) return run();
  const step = { what, since: state.now() };
  state.stack.push(step);
  try {
    return await run();
  } finally {
    const i = state.stack.lastIndexOf(step);
    if (i > 0) state.stack.splice(i, 1);
  }
}
