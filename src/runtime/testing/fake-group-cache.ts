/**
 * A {@link GroupCache} for tests of watch-backed waits: a FakeCache with the start/stop/sync life cycle,
 * whose sync the test can hold back or fail.
 */
import type { KubeObject } from '../object.js';
import type { GroupCache } from '../waits.js';
import { FakeCache } from './fake-cache.js';

/** See the module comment. `syncs: false` makes waitForSync resolve false (a cache that cannot list). */
export class FakeGroupCache extends FakeCache<KubeObject> implements GroupCache {
  started = 0;
  stopped = 0;

  constructor(
    readonly path: string,
    private readonly syncs = true,
  ) {
    super();
  }

  /** See {@link GroupCache.start}. */
  start(): void {
    this.started++;
  }

  /** See {@link GroupCache.stop}. */
  stop(): Promise<void> {
    this.stopped++;
    return Promise.resolve();
  }

  /** See {@link GroupCache.waitForSync}. */
  waitForSync(): Promise<boolean> {
    return Promise.resolve(this.syncs);
  }
}
