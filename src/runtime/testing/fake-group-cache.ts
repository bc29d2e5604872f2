/**
 * Fakes for watch-backed waits: {@link FakeGroupCache}, a FakeCache with the start/stop/sync life cycle
 * (also what the Manager manages), and {@link fakeObjectWaits}, a real ObjectWaits over such caches, a fake
 * clock and an API that serves discovery documents and, for fallback reads, the objects a test puts in it.
 */
import { ApiStatusError } from '../api-error.js';
import type { ApiClient } from '../client.js';
import { RestMapper } from '../discovery.js';
import type { KubeObject } from '../object.js';
import { ObjectWaits, type GroupCache, type ObjectWaitsOptions } from '../waits.js';
import { FakeCache } from './fake-cache.js';
import { FakeClock } from './fake-clock.js';
import { memoryLogger } from './logger.js';

/** See the module comment. `syncs: false` makes waitForSync resolve false (a cache that cannot list). */
export class FakeGroupCache extends FakeCache<KubeObject> implements GroupCache {
  started = 0;
  stopped = 0;

  constructor(
    readonly path = '',
    private readonly syncs = true,
    initial: KubeObject[] = [],
  ) {
    super(initial);
  }

  /** See {@link GroupCache.start}. */
  start(): void {
    this.started++;
  }

  /** Whether the fake follows the server; `setSynced(false)` after the first sync models a stale cache. */
  isCurrent(): boolean {
    return this.hasSynced();
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

/** Options of {@link fakeObjectWaits}: discovery documents by path, objects for fallback GETs, cache sync. */
export interface FakeWaitsOptions extends Partial<ObjectWaitsOptions> {
  discovery: Record<string, unknown>;
  objects?: Map<string, KubeObject>;
  syncs?: boolean;
}

/**
 * A real ObjectWaits over fakes: `caches` by `identity|path` and `created` in order (both live), `gets` logs
 * fallback reads.
 */
export function fakeObjectWaits(opts: FakeWaitsOptions): { waits: ObjectWaits; clock: FakeClock; caches: Map<string, FakeGroupCache>; created: FakeGroupCache[]; gets: string[] } {
  const clock = new FakeClock();
  const gets: string[] = [];
  const caches = new Map<string, FakeGroupCache>();
  const created: FakeGroupCache[] = [];
  const api: ApiClient = {
    request: (req) => {
      if (opts.discovery[req.path] !== undefined) return Promise.resolve(opts.discovery[req.path]);
      gets.push(`${req.method} ${req.path}${req.impersonate === undefined ? '' : ` as ${req.impersonate}`}`);
      const obj = opts.objects?.get(req.path);
      return obj === undefined ? Promise.reject(new ApiStatusError(`GET ${req.path}`, 404, undefined)) : Promise.resolve(obj);
    },
  };
  const { discovery: _d, objects: _o, syncs, ...rest } = opts;
  const waits = new ObjectWaits({
    kubeConfig: undefined as never,
    api,
    mapper: new RestMapper(api, { clock }),
    logger: memoryLogger().logger,
    clock,
    newCache: (path, who) => {
      const c = new FakeGroupCache(`${who ?? ''}|${path}`, syncs ?? true);
      caches.set(c.path, c);
      created.push(c);
      return c;
    },
    ...rest,
  });
  return { waits, clock, caches, created, gets };
}
