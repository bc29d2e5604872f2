import { describe, expect, it } from 'vitest';
import { InformerCache, type InformerCacheOptions } from './cache.js';
import type { KubeObject } from './object.js';
import type { CacheEventType } from './store.js';
import { FakeClock, flush } from './testing/fake-clock.js';
import { FakeWatchServer } from './testing/fake-watch.js';
import { memoryLogger } from './testing/logger.js';

const obj = (name: string, rv: string, extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { namespace: 'ns', name, resourceVersion: rv, ...extra } });

function setup(extra: Partial<InformerCacheOptions<KubeObject>> = {}) {
  const server = new FakeWatchServer();
  const clock = new FakeClock();
  const { logger, lines } = memoryLogger();
  const cache = new InformerCache<KubeObject>({
    path: '/apis/maglev.io/v1alpha1/helmreleases',
    list: server.list,
    watch: server.watch,
    logger,
    clock,
    ...extra,
  });
  const events: [CacheEventType, string][] = [];
  cache.onEvent((type, o) => events.push([type, o.metadata?.name ?? '']));
  return { server, clock, cache, events, lines };
}

describe('InformerCache', () => {
  it('lists, reports synced, serves reads and notifies handlers', async () => {
    const { server, cache, events } = setup({ labelSelector: 'team=a' });
    server.items = [obj('a', '1'), obj('b', '2')];
    expect(cache.hasSynced()).toBe(false);
    const synced = cache.waitForSync();
    cache.start();
    expect(await synced).toBe(true);
    expect(cache.get('ns', 'a')?.metadata?.resourceVersion).toBe('1');
    expect(cache.get('other', 'a')).toBeUndefined();
    expect(cache.list().map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    expect(events).toEqual([['add', 'a'], ['add', 'b']]);
    expect(server.current?.query).toMatchObject({ resourceVersion: '100', labelSelector: 'team=a', allowWatchBookmarks: true });
  });

  it('applies watch events and drops managedFields', async () => {
    const { server, cache, events } = setup();
    cache.start();
    await flush();
    server.emit('ADDED', obj('a', '101', { managedFields: [{ manager: 'x' }] }));
    server.emit('MODIFIED', obj('a', '102'));
    server.emit('DELETED', obj('a', '103'));
    server.emit('ADDED', obj('b', '104', { managedFields: [{ manager: 'x' }] }));
    expect(events).toEqual([['add', 'a'], ['update', 'a'], ['delete', 'a'], ['add', 'b']]);
    expect(cache.get('ns', 'b')?.metadata).not.toHaveProperty('managedFields');
  });

  it('relists after 410 Gone (done by ListWatch itself) and reports vanished objects as deleted', async () => {
    const { server, cache, events } = setup();
    server.items = [obj('a', '1'), obj('b', '2')];
    cache.start();
    await flush();
    server.items = [obj('b', '3')];
    server.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    server.close();
    await flush();
    expect(server.listCalls).toBe(2);
    expect(events.slice(2)).toEqual([['delete', 'a'], ['update', 'b']]);
    expect(server.calls).toHaveLength(2);
  });

  it('resumes from the last resourceVersion when the server ends a watch normally', async () => {
    const { server, cache } = setup();
    cache.start();
    await flush();
    server.emit('BOOKMARK', { metadata: { resourceVersion: '150' } });
    server.close();
    await flush();
    expect(server.listCalls).toBe(1);
    expect(server.current?.query.resourceVersion).toBe('150');
  });

  it('restarts after errors with backoff doubling to 30 s, reset by the next event', async () => {
    const { server, cache, clock, lines } = setup();
    server.listFailures = Array.from({ length: 7 }, () => new Error('connect ECONNREFUSED'));
    cache.start();
    await flush();
    const listedAt: number[] = [];
    for (let i = 0; i < 70; i++) {
      const before = server.listCalls;
      clock.advance(1000);
      await flush();
      if (server.listCalls > before) listedAt.push(clock.now() - Date.UTC(2025, 0, 1));
    }
    // Failures at 0, 1 s, 3 s, 7 s, 15 s, 31 s, 61 s: waits of 1, 2, 4, 8, 16, 30, 30 s.
    expect(listedAt).toEqual([1000, 3000, 7000, 15000, 31000, 61000]);
    expect(cache.hasSynced()).toBe(false);
    clock.advance(30_000);
    await flush();
    expect(cache.hasSynced()).toBe(true);
    expect(lines.filter((l) => l.msg === 'informer failed; restarting after backoff')).toHaveLength(7);

    server.emit('ADDED', obj('a', '101'));
    server.close(Object.assign(new Error('Forbidden'), { statusCode: 403 }));
    await flush();
    const calls = server.calls.length;
    clock.advance(1000);
    await flush();
    expect(server.calls.length).toBe(calls + 1);
  });

  it('is stale (not current) from a failure until a watch runs again, and says so', async () => {
    const changes: boolean[] = [];
    const { server, cache, clock } = setup({ onCurrent: (current) => changes.push(current) });
    cache.start();
    await flush();
    expect([cache.hasSynced(), cache.isCurrent()]).toEqual([true, true]);
    // The API server goes away: the watch breaks and the next watch request is refused; the cache still
    // serves what it holds.
    server.watchFailures = [new Error('connect ECONNREFUSED')];
    server.close(new Error('read ECONNRESET'));
    await flush();
    expect([cache.hasSynced(), cache.isCurrent()]).toEqual([true, false]);
    clock.advance(1000);
    await flush();
    expect(server.watchFailures).toHaveLength(0);
    expect(cache.isCurrent()).toBe(false);
    // The next restart gets a watch answered again.
    clock.advance(2000);
    await flush();
    expect(cache.isCurrent()).toBe(true);
    expect(changes).toEqual([true, false, true]);
  });

  it('restarts a watch that has been silent for the configured time; bookmarks keep it alive', async () => {
    const { server, cache, clock } = setup({ silenceMs: 60_000 });
    cache.start();
    await flush();
    for (let i = 0; i < 5; i++) {
      clock.advance(30_000);
      server.emit('BOOKMARK', { metadata: { resourceVersion: String(200 + i) } });
      await flush();
    }
    expect(server.calls).toHaveLength(1);
    clock.advance(60_000);
    await flush();
    expect(server.calls).toHaveLength(2);
    expect(server.calls[0]?.aborted).toBe(true);
    expect(server.current?.query.resourceVersion).toBe('204');
    expect(server.listCalls).toBe(1);
    // The late AbortError from the first request does not disturb the new watch.
    await flush();
    expect(server.calls).toHaveLength(2);
    expect(server.current?.aborted).toBe(false);
  });

  it('turns a watch that throws before starting into a retried error', async () => {
    const server = new FakeWatchServer();
    const clock = new FakeClock();
    let failures = 1;
    const cache = new InformerCache<KubeObject>({
      path: '/apis/maglev.io/v1alpha1/helmreleases',
      list: server.list,
      watch: (...args) => (failures-- > 0 ? Promise.reject(new Error('exec plugin failed')) : server.watch(...args)),
      logger: memoryLogger().logger,
      clock,
    });
    cache.start();
    await flush();
    expect(server.calls).toHaveLength(0);
    clock.advance(1000);
    await flush();
    expect(server.calls).toHaveLength(1);
    await cache.stop();
  });

  it('keeps calling other handlers when one throws', async () => {
    const { server, cache, events, lines } = setup();
    cache.onEvent(() => {
      throw new Error('handler bug');
    });
    const after: string[] = [];
    cache.onEvent((_t, o) => after.push(o.metadata?.name ?? ''));
    cache.start();
    await flush();
    server.emit('ADDED', obj('a', '101'));
    expect(events).toEqual([['add', 'a']]);
    expect(after).toEqual(['a']);
    expect(lines.some((l) => l.msg === 'cache event handler threw; continuing')).toBe(true);
  });

  it('stop ends the watch and never restarts', async () => {
    const { server, cache, clock } = setup();
    cache.start();
    await flush();
    await cache.stop();
    await flush();
    clock.advance(10 * 60_000);
    await flush();
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]?.aborted).toBe(true);
    expect(await cache.waitForSync()).toBe(true);
  });
});
