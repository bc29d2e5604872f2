/**
 * A `Watch` for client-node's ListWatch that fixes what the informer cannot survive on its own:
 * - `done` is called at most once per request, and can be forced (`abortCurrent`), so a silent or hung
 *   watch can be ended without waiting for the socket to notice;
 * - a watch that throws before it starts (e.g. a credential plugin fails) is reported through `done`
 *   instead of becoming an unhandled rejection inside ListWatch;
 * - events whose object is not an object are dropped (ListWatch would throw on them, unhandled);
 * - bookmarks are requested (`allowWatchBookmarks`), so a quiet watch still advances its resourceVersion
 *   and shows it is alive;
 * - every event and every (re)connect is reported to the owner, which runs the watchdog.
 */
import { KubeConfig, Watch } from './kube-lib.js';
import { isRecord } from './object.js';

/** The shape of client-node's `Watch.watch`: starts one watch request, reports events, then `done` once. */
export type WatchFn = (
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  onEvent: (phase: string, obj: unknown) => void,
  done: (err: unknown) => void,
) => Promise<AbortController>;

/** What the owner of a GuardedWatch hears about. */
export interface WatchHooks {
  /** A watch request is being started (ListWatch has applied any list before this). */
  onStart(): void;
  /** The server answered the watch request: events flow from now on. */
  onConnected?(): void;
  /** An event arrived (any phase, bookmarks included). */
  onEvent(phase: string): void;
  /** Rewrites object payloads of ADDED/MODIFIED/DELETED events before the cache stores them. */
  transform(obj: Record<string, unknown>): Record<string, unknown>;
}

const OBJECT_PHASES = new Set(['ADDED', 'MODIFIED', 'DELETED']);

/** A client-node `Watch` wrapping a {@link WatchFn}; see the module comment. */
export class GuardedWatch extends Watch {
  private current: ((reason: unknown) => void) | undefined;

  constructor(
    private readonly inner: WatchFn,
    private readonly hooks: WatchHooks,
    config: KubeConfig = new KubeConfig(),
  ) {
    super(config);
  }

  /** Ends the running watch request now with `reason` as its error (no-op when none is running). */
  abortCurrent(reason: unknown): boolean {
    const abort = this.current;
    abort?.(reason);
    return abort !== undefined;
  }

  /** Called by ListWatch; same contract as `Watch.watch`. */
  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    let finished = false;
    let controller: AbortController | undefined;
    const finish = (err: unknown): void => {
      if (finished) return;
      finished = true;
      if (this.current === abort) this.current = undefined;
      controller?.abort();
      done(err);
    };
    const abort = (reason: unknown): void => finish(reason);
    this.current = abort;
    this.hooks.onStart();
    const onEvent = (phase: string, obj: unknown): void => {
      if (finished || !isRecord(obj)) return;
      this.hooks.onEvent(phase);
      callback(phase, OBJECT_PHASES.has(phase) ? this.hooks.transform(obj) : obj);
    };
    try {
      controller = await this.inner(path, { ...queryParams, allowWatchBookmarks: true }, onEvent, finish);
      if (finished) controller.abort();
      else this.hooks.onConnected?.();
      return controller;
    } catch (err) {
      finish(err);
      return new AbortController();
    }
  }
}
