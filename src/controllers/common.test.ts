import { describe, expect, it } from 'vitest';
import { FakeCache } from '../runtime/testing/fake-cache.js';
import { memoryLogger } from '../runtime/testing/logger.js';
import type { StatusClient } from '../runtime/status.js';
import { objectReconciler, type CommonStatus, type ManagedObject } from './common.js';

type Obj = ManagedObject<CommonStatus>;

describe('objectReconciler', () => {
  it('a reconcile cancelled mid-way (superseded, lease lost) reports nothing: no status write, no Event, no error', async () => {
    const obj: Obj = { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { namespace: 'apps', name: 'web', generation: 2 } };
    const writes: unknown[] = [];
    const client: StatusClient = {
      get: () => Promise.resolve(structuredClone(obj) as never),
      mergePatch: (_ref, patch) => (writes.push(patch), Promise.resolve(structuredClone(obj) as never)),
    };
    const events: unknown[] = [];
    const cancel = new AbortController();
    const reconcile = objectReconciler<Obj, CommonStatus>({
      kind: 'HelmRelease',
      cache: new FakeCache<Obj>([obj]),
      client,
      events: { record: (_ref, e) => (events.push(e), Promise.resolve()) },
      readiness: { set: () => {}, remove: () => {} },
      validate: () => [],
      drive: () => {
        cancel.abort(new Error('superseded by generation 3'));
        return Promise.reject(new Error('PATCH /api/v1/namespaces/apps/services/web: cancelled (superseded by generation 3)'));
      },
    });
    expect(await reconcile({ namespace: 'apps', name: 'web' }, { log: memoryLogger().logger, signal: cancel.signal, actsOn: () => {} })).toEqual({});
    expect(writes).toEqual([]);
    expect(events).toEqual([]);
  });

  it('reads from the cache once it shows the last status written, with one GET while it lags; progress is written only for a slow pass', async () => {
    let server: Obj = { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { namespace: 'apps', name: 'web', generation: 1, resourceVersion: '1' } };
    const calls: string[] = [];
    const client: StatusClient = {
      get: () => (calls.push('GET'), Promise.resolve(structuredClone(server) as never)),
      mergePatch: (_ref, patch) => {
        const { status } = patch as { status: CommonStatus };
        calls.push(`PATCH ${JSON.stringify(status.conditions?.map((c) => `${c.type}=${c.status}`))}`);
        server = { ...server, status: { ...server.status, ...status }, metadata: { ...server.metadata, resourceVersion: String(Number(server.metadata?.resourceVersion) + 1) } };
        return Promise.resolve(structuredClone(server) as never);
      },
    };
    const cache = new FakeCache<Obj>([structuredClone(server)]);
    let slowMs = 0;
    const reconcile = objectReconciler<Obj, CommonStatus>({
      kind: 'HelmRelease',
      cache,
      client,
      events: { record: () => Promise.resolve() },
      readiness: { set: () => {}, remove: () => {} },
      validate: () => [],
      progressDelayMs: 20,
      drive: async (_obj, _log, _signal, ctx) => {
        await ctx.progress({ phase: 'progressing', reason: 'Progressing', message: 'installing' });
        await new Promise((r) => setTimeout(r, slowMs));
        return { state: { phase: 'ready', reason: 'InstallSucceeded', message: `done after ${slowMs} ms` } };
      },
    });
    const run = () => reconcile({ namespace: 'apps', name: 'web' }, { log: memoryLogger().logger, signal: new AbortController().signal, actsOn: () => {} });
    // Fast pass: no progress write, one outcome write, no GET (the cache was current).
    await run();
    expect(calls).toEqual(['PATCH ["Ready=True"]']);
    // The cache has not seen that write yet: the next pass reads once, then writes from what it read.
    calls.length = 0;
    slowMs = 60;
    await run();
    expect(calls).toEqual(['GET', 'PATCH ["Ready=Unknown","Reconciling=True"]', 'PATCH ["Ready=True"]']);
    // The cache caught up: no GET.
    cache.set(structuredClone(server));
    calls.length = 0;
    slowMs = 0;
    await run();
    expect(calls).toEqual(['PATCH ["Ready=True"]']);
  });
});
