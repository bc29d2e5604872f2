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
});
