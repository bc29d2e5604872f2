/**
 * A scripted stand-in for client-node's `Watch.watch` and for list calls, for informer tests. Like the
 * real watch, aborting a request makes it report `done(AbortError)` a moment later.
 */
import type { WatchFn } from '../guarded-watch.js';
import type { KubeList, KubeObject } from '../object.js';

/** One watch request the fake received. */
export interface FakeWatchCall {
  path: string;
  query: Record<string, string | number | boolean | undefined>;
  onEvent: (phase: string, obj: unknown) => void;
  done: (err: unknown) => void;
  aborted: boolean;
}

/** Scripted list + watch. */
export class FakeWatchServer<T extends KubeObject = KubeObject> {
  readonly calls: FakeWatchCall[] = [];
  items: T[] = [];
  resourceVersion = '100';
  listCalls = 0;
  /** Errors the next list calls reject with (consumed in order). */
  listFailures: Error[] = [];
  /** Errors the next watch requests fail with (connection refused), one per request. */
  watchFailures: Error[] = [];

  /** The list function to hand to InformerCache. */
  readonly list = (): Promise<KubeList<T>> => {
    this.listCalls++;
    const failure = this.listFailures.shift();
    if (failure) return Promise.reject(failure);
    return Promise.resolve({ metadata: { resourceVersion: this.resourceVersion }, items: structuredClone(this.items) });
  };

  /** The watch function to hand to InformerCache. */
  readonly watch: WatchFn = (path, query, onEvent, done) => {
    const refused = this.watchFailures.shift();
    if (refused) return Promise.reject(refused);
    const controller = new AbortController();
    const call: FakeWatchCall = { path, query, onEvent, done, aborted: false };
    this.calls.push(call);
    controller.signal.addEventListener('abort', () => {
      call.aborted = true;
      setImmediate(() => done(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError' })));
    });
    return Promise.resolve(controller);
  };

  /** The most recent watch request. */
  get current(): FakeWatchCall | undefined {
    return this.calls.at(-1);
  }

  /** Sends an event on the most recent watch. */
  emit(phase: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR', obj: unknown): void {
    this.current?.onEvent(phase, obj);
  }

  /** Ends the most recent watch, normally (no error) or with `err`. */
  close(err: unknown = null): void {
    this.current?.done(err);
  }
}
