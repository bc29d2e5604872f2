import { describe, expect, it } from 'vitest';
import { isMaglevError } from '../errors.js';
import type { TargetRef } from './apply.js';
import type { KubeObject } from './object.js';
import { flush } from './testing/fake-clock.js';
import { fakeObjectWaits, type FakeWaitsOptions } from './testing/fake-group-cache.js';
import type { WaitSpec } from './waits.js';

const discovery: Record<string, unknown> = {
  '/api/v1': { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }] },
  '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }] },
};

function setup(extra: Omit<FakeWaitsOptions, 'discovery'> = {}) {
  const { waits, clock, created, gets } = fakeObjectWaits({ discovery, ...extra });
  return { waits, clock, gets, caches: created };
}

const cm = (name: string, value?: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'apps', name }, ...(value === undefined ? {} : { data: { v: value } }) });
const ref = (name: string, kind = 'ConfigMap', apiVersion = 'v1'): TargetRef => ({ apiVersion, kind, namespace: 'apps', name });

/** Done when every ConfigMap has data.v === 'ok'; 'bad' fails. */
function spec(refs: TargetRef[], extra: Partial<WaitSpec> = {}): WaitSpec {
  return {
    refs,
    timeoutMs: 10_000,
    what: 'the config maps',
    judge: (objs) => {
      const values = objs.map((o) => (o as { data?: { v?: string } } | undefined)?.data?.v);
      if (values.includes('bad')) return { state: 'failed', message: 'one went bad' };
      return values.every((v) => v === 'ok') ? { state: 'done' } : { state: 'waiting', message: `values ${values.join(',')}` };
    },
    ...extra,
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flush();
}

describe('ObjectWaits', () => {
  it('ends on the watch event that makes the judge done, sharing one cache per kind and namespace, without any GET', async () => {
    const { waits, caches, gets } = setup();
    let done = false;
    const waiting = waits.until(spec([ref('a'), ref('b')])).then(() => (done = true));
    await settle();
    expect(caches.map((c) => c.path)).toEqual(['|/api/v1/namespaces/apps/configmaps']);
    const [cache] = caches;
    cache!.set(cm('a', 'ok'));
    await settle();
    expect(done).toBe(false);
    cache!.set(cm('b', 'ok'));
    await waiting;
    expect(gets).toEqual([]);
  });

  it('fails fast on the judge, times out naming the last state, and is cancelled by its signal with the reason', async () => {
    const { waits, caches, clock } = setup();
    const failing = waits.until(spec([ref('a')])).catch((e: unknown) => e);
    await settle();
    caches[0]!.set(cm('a', 'bad'));
    expect(await failing).toMatchObject({ code: 'WaitTimeout', message: 'one went bad' });

    const timing = waits.until(spec([ref('x')], { timeoutMs: 5_000 })).catch((e: unknown) => e);
    await settle();
    clock.advance(5_000);
    const timeout = await timing;
    expect(isMaglevError(timeout, 'WaitTimeout') && timeout.message).toBe('timed out after 5s waiting for the config maps: values ');

    const cancel = new AbortController();
    const cancelled = waits.until(spec([ref('y')], { signal: cancel.signal })).catch((e: unknown) => e);
    await settle();
    cancel.abort(new Error('superseded by generation 4'));
    expect(await cancelled).toMatchObject({ message: 'waiting for the config maps was cancelled (superseded by generation 4): values ' });
  });

  it('read looks objects up in the shared cache of their kind and namespace, without a GET, and leaves it for later waits', async () => {
    const { waits, caches, gets, clock } = setup({ lingerMs: 60_000 });
    const first = await waits.read([ref('a'), ref('b')]);
    expect(first).toEqual([undefined, undefined]);
    expect(caches.map((c) => c.path)).toEqual(['|/api/v1/namespaces/apps/configmaps']);
    caches[0]!.set(cm('a', 'x'));
    expect(await waits.read([ref('a'), ref('b')])).toEqual([cm('a', 'x'), undefined]);
    expect(caches).toHaveLength(1);
    expect(gets).toEqual([]);
    clock.advance(60_000);
    await settle();
    expect(caches[0]!.stopped).toBe(1);
  });

  it('keeps a cache for the linger time after its last wait, reuses it, then stops it', async () => {
    const { waits, caches, clock } = setup({ lingerMs: 60_000 });
    const first = waits.until(spec([ref('a')]));
    await settle();
    caches[0]!.set(cm('a', 'ok'));
    await first;
    clock.advance(30_000);
    await waits.until(spec([ref('a')]));
    expect(caches).toHaveLength(1);
    clock.advance(59_000);
    expect(caches[0]!.stopped).toBe(0);
    clock.advance(1_000);
    expect(caches[0]!.stopped).toBe(1);
    expect(waits.openCaches()).toBe(0);
  });

  it('keeps identities apart, and falls back to reading (as that identity) when a cache cannot sync', async () => {
    const objects = new Map<string, KubeObject>();
    const { waits, caches, gets, clock } = setup({ syncs: false, objects, fallbackPollMs: 1_000 });
    const waiting = waits.until(spec([ref('a')], { impersonate: 'system:serviceaccount:apps:deployer' }));
    await settle();
    expect(caches.map((c) => c.path)).toEqual(['system:serviceaccount:apps:deployer|/api/v1/namespaces/apps/configmaps']);
    expect(gets).toEqual(['GET /api/v1/namespaces/apps/configmaps/a as system:serviceaccount:apps:deployer']);
    objects.set('/api/v1/namespaces/apps/configmaps/a', cm('a', 'ok'));
    clock.advance(1_000);
    await waiting;
    expect(gets).toHaveLength(2);
  });

  it('past maxCaches, new groups are read instead of watched', async () => {
    const objects = new Map<string, KubeObject>([['/apis/apps/v1/namespaces/apps/deployments/d', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, data: { v: 'ok' } } as KubeObject]]);
    const { waits, caches, gets } = setup({ maxCaches: 1, objects });
    const holding = waits.until(spec([ref('a')]));
    await settle();
    await waits.until(spec([ref('d', 'Deployment', 'apps/v1')]));
    expect(caches).toHaveLength(1);
    expect(gets).toEqual(['GET /apis/apps/v1/namespaces/apps/deployments/d']);
    caches[0]!.set(cm('a', 'ok'));
    await holding;
  });

  it('park judges once without blocking, wakes once on an event of one of its objects (not others), and keeps the cache until then', async () => {
    const { waits, caches, clock } = setup({ lingerMs: 1_000 });
    const wakes: string[] = [];
    const park = { key: 'uid-1', deadline: clock.now() + 60_000, wake: () => wakes.push('woken') };
    const { judge, refs, what } = spec([ref('a')]);
    expect(await waits.park({ judge, refs, what }, park)).toEqual({ state: 'waiting', message: 'values ' });
    const [cache] = caches;
    cache!.set(cm('other', 'x'));
    expect(wakes).toEqual([]);
    clock.advance(5_000);
    expect(cache!.stopped).toBe(0);
    cache!.set(cm('a', 'ok'));
    cache!.set(cm('a', 'ok'));
    expect(wakes).toEqual(['woken']);
    // The resumed reconcile judges again: done, and the cache is released.
    expect(await waits.park({ judge, refs, what }, park)).toEqual({ state: 'done' });
    clock.advance(1_000);
    expect(cache!.stopped).toBe(1);
  });

  it('a parked wait wakes at its deadline, and a new park with the same key replaces the old one', async () => {
    const { waits, clock } = setup();
    const wakes: string[] = [];
    const { judge, refs, what } = spec([ref('a')]);
    await waits.park({ judge, refs, what }, { key: 'k', deadline: clock.now() + 10_000, wake: () => wakes.push('first') });
    await waits.park({ judge, refs, what }, { key: 'k', deadline: clock.now() + 20_000, wake: () => wakes.push('second') });
    clock.advance(10_000);
    expect(wakes).toEqual([]);
    clock.advance(10_000);
    expect(wakes).toEqual(['second']);
  });
});
