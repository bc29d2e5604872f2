import { describe, expect, it } from 'vitest';
import type { HelmRelease } from '../crds/index.js';
import { FakeCache } from '../runtime/testing/fake-cache.js';
import { dependentsMapper, ownerDistro, ownerDistroMapper, supersedeWatcher } from './watches.js';

function hr(name: string, opts: { deps?: string[]; generation?: number; observed?: number; ready?: 'True' | 'False'; force?: string } = {}): HelmRelease {
  const generation = opts.generation ?? 1;
  return {
    apiVersion: 'maglev.io/v1alpha1',
    kind: 'HelmRelease',
    metadata: { namespace: 'ns', name, generation, ...(opts.force === undefined ? {} : { annotations: { 'maglev.io/force-at': opts.force } }) },
    spec: { chart: { name: 'c', repository: 'http://x' }, ...(opts.deps === undefined ? {} : { dependsOn: opts.deps.map((d) => ({ name: d })) }) },
    status: {
      observedGeneration: opts.observed ?? generation,
      ...(opts.ready === undefined ? {} : { conditions: [{ type: 'Ready', status: opts.ready, reason: 'R', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] }),
    },
  };
}

describe('dependentsMapper', () => {
  it('wakes the dependents of a HelmRelease only when its readiness changes', () => {
    const cache = new FakeCache<HelmRelease>([hr('app', { deps: ['db'] }), hr('web', { deps: ['db', 'cache'] }), hr('other')]);
    const map = dependentsMapper(cache);
    const wakes = (obj: HelmRelease, type: 'add' | 'update' | 'delete' = 'update') => map(obj, type).map((r) => r.name).sort();
    expect(wakes(hr('db', { ready: 'False' }), 'add')).toEqual(['app', 'web']);
    // A status write that leaves Ready as it was (a new message, a drift check) wakes nobody.
    expect(wakes(hr('db', { ready: 'False' }))).toEqual([]);
    expect(wakes(hr('db', { ready: 'True' }))).toEqual(['app', 'web']);
    // A new generation not yet reconciled makes it not-ready for dependents.
    expect(wakes(hr('db', { ready: 'True', generation: 2, observed: 1 }))).toEqual(['app', 'web']);
    expect(wakes(hr('cache', { ready: 'True' }), 'add')).toEqual(['web']);
    expect(wakes(hr('db', { ready: 'True', generation: 2 }), 'delete')).toEqual(['app', 'web']);
    expect(wakes(hr('other', { ready: 'True' }))).toEqual([]);
  });
});

describe('ownerDistro', () => {
  it('maps a HelmRelease to the MaglevDistro owning it, and nothing else', () => {
    const owned = hr('db');
    owned.metadata.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'not-this', uid: 'u0' },
      { apiVersion: 'maglev.io/v1alpha1', kind: 'MaglevDistro', name: 'shop', uid: 'u1', controller: true },
    ];
    expect(ownerDistro(owned)).toEqual([{ namespace: 'ns', name: 'shop' }]);
    expect(ownerDistro(hr('free'))).toEqual([]);
  });
});

describe('ownerDistroMapper', () => {
  it('wakes the owning distro when what it plans from changes, not on a child\'s progress messages', () => {
    const child = (opts: Parameters<typeof hr>[1] & { message?: string } = {}): HelmRelease => {
      const h = hr('shop-db', opts);
      h.metadata.ownerReferences = [{ apiVersion: 'maglev.io/v1alpha1', kind: 'MaglevDistro', name: 'shop', uid: 'u1', controller: true }];
      if (opts.message !== undefined) h.status = { ...h.status, conditions: [{ type: 'Reconciling', status: 'True', reason: 'Progressing', message: opts.message, lastTransitionTime: '2026-01-01T00:00:00Z' }] };
      return h;
    };
    const map = ownerDistroMapper();
    const wakes = (obj: HelmRelease, type: 'add' | 'update' | 'delete' = 'update') => map(obj, type).map((r) => r.name);
    expect(wakes(child({ generation: 1, observed: 0 }), 'add')).toEqual(['shop']);
    expect(wakes(child({ generation: 1, observed: 0, message: 'installing' }))).toEqual([]);
    expect(wakes(child({ generation: 1, observed: 0, message: 'waiting for Deployment' }))).toEqual([]);
    expect(wakes(child({ ready: 'True' }))).toEqual(['shop']);
    expect(wakes(child({ ready: 'True', generation: 2, observed: 1 }))).toEqual(['shop']);
    expect(wakes(child({ ready: 'True', generation: 2, observed: 1 }), 'delete')).toEqual(['shop']);
  });
});

describe('supersedeWatcher', () => {
  it('cancels on a higher generation or a new force token, not on status or metadata-only updates', () => {
    const cancelled: string[] = [];
    const watch = supersedeWatcher((req, intent, reason) => cancelled.push(`${req.name}: ${reason} ${JSON.stringify(intent)}`));
    watch('add', hr('web'));
    watch('update', hr('web', { ready: 'False' }));
    watch('update', hr('web', { generation: 2 }));
    watch('update', hr('web', { generation: 2, force: 'f1' }));
    watch('update', hr('web', { generation: 2, force: 'f1', ready: 'True' }));
    watch('delete', hr('web', { generation: 2 }));
    watch('update', hr('web', { generation: 3 }));
    expect(cancelled).toEqual(['web: superseded by generation 2 {"generation":2}', 'web: superseded by maglev.io/force-at=f1 {"generation":2,"token":"f1"}']);
  });
});
