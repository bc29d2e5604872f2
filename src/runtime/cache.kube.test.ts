// The production path: InformerCache over client-node's real Watch (node-fetch streaming) against a
// local HTTP server that speaks the list and watch protocol.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { informerCache, type InformerCache } from './cache.js';
import { KubeApiClient } from './client.js';
import type { KubeObject } from './object.js';
import { FakeClock, flush } from './testing/fake-clock.js';
import { memoryLogger } from './testing/logger.js';

interface WatchRequest {
  query: URLSearchParams;
  res: http.ServerResponse;
  closed: boolean;
}

async function startWatchServer(): Promise<{ kc: KubeConfig; watches: WatchRequest[]; lists: number; close: () => Promise<void> }> {
  const state = { watches: [] as WatchRequest[], lists: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.searchParams.get('watch') === 'true') {
      const w: WatchRequest = { query: url.searchParams, res, closed: false };
      res.on('close', () => (w.closed = true));
      state.watches.push(w);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      return;
    }
    state.lists++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ apiVersion: 'example.com/v1', kind: 'ThingList', metadata: { resourceVersion: '5' }, items: [{ metadata: { name: 'one', namespace: 'ns', resourceVersion: '5' } }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return {
    kc,
    get watches() {
      return state.watches;
    },
    get lists() {
      return state.lists;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('InformerCache with client-node Watch', () => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
    cleanup = [];
  });

  it('syncs, applies streamed events, and replaces a silent watch with one resuming from the last resourceVersion', async () => {
    const srv = await startWatchServer();
    const clock = new FakeClock();
    const { logger, lines } = memoryLogger();
    const cache: InformerCache<KubeObject> = informerCache(srv.kc, new KubeApiClient(srv.kc), {
      path: '/apis/example.com/v1/things',
      logger,
      clock,
      silenceMs: 60_000,
    });
    cleanup.push(srv.close, () => cache.stop());
    cache.start();
    expect(await cache.waitForSync()).toBe(true);
    expect(cache.get('ns', 'one')).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Thing' });

    await vi.waitFor(() => expect(srv.watches).toHaveLength(1));
    const first = srv.watches[0];
    expect(first?.query.get('resourceVersion')).toBe('5');
    expect(first?.query.get('allowWatchBookmarks')).toBe('true');
    first?.res.write(`${JSON.stringify({ type: 'ADDED', object: { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'two', namespace: 'ns', resourceVersion: '6' } } })}\n`);
    await vi.waitFor(() => expect(cache.get('ns', 'two')).toBeDefined());

    clock.advance(60_000);
    await vi.waitFor(() => expect(srv.watches).toHaveLength(2));
    expect(srv.watches[1]?.query.get('resourceVersion')).toBe('6');
    await vi.waitFor(() => expect(first?.closed).toBe(true));
    // The first request's late AbortError must not disturb the new watch.
    await flush(20);
    expect(srv.lists).toBe(1);
    expect(srv.watches).toHaveLength(2);
    expect(srv.watches[1]?.closed).toBe(false);
    expect(lines.map((l) => l.msg)).toContain('watch silent; restarting it');
    expect(lines.map((l) => l.msg)).not.toContain('informer failed; restarting after backoff');
  });
});
