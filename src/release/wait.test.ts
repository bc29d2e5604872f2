import { describe, expect, it } from 'vitest';
import { isMaglevError } from '../errors.js';
import type { TargetRef } from '../runtime/apply.js';
import type { KubeObject } from '../runtime/object.js';
import { FakeClock, flush } from '../runtime/testing/fake-clock.js';
import { PollingWaiter } from './wait.js';

const deployRef: TargetRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'web' };
const cmRef: TargetRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'cfg' };

function deployment(ready: number): KubeObject & Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps', generation: 1 },
    spec: { replicas: 2 },
    status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: ready, availableReplicas: ready, conditions: [{ type: 'Available', status: 'True' }] },
  };
}

/** Runs `promise` while moving the fake clock forward in `stepMs` steps until it settles. */
async function drive<T>(clock: FakeClock, promise: Promise<T>, stepMs = 1000): Promise<T> {
  let settled = false;
  const done = promise.finally(() => (settled = true));
  for (let i = 0; i < 1000 && !settled; i++) {
    await flush();
    clock.advance(stepMs);
  }
  return done;
}

describe('PollingWaiter', () => {
  it('polls until every object is Current', async () => {
    const clock = new FakeClock();
    let polls = 0;
    const waiter = new PollingWaiter({
      clock,
      intervalMs: 1000,
      get: (ref) => Promise.resolve(ref.kind === 'ConfigMap' ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' } } : deployment(++polls >= 3 ? 2 : 1)),
    });
    await drive(clock, waiter.waitReady([deployRef, cmRef], 60_000));
    expect(polls).toBe(3);
  });

  it('fails fast when an object Failed', async () => {
    const clock = new FakeClock();
    const failedJob = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } };
    const waiter = new PollingWaiter({ clock, get: () => Promise.resolve(failedJob) });
    const err = await waiter.waitReady([{ apiVersion: 'batch/v1', kind: 'Job', namespace: 'apps', name: 'j' }], 60_000).catch((e: unknown) => e);
    expect(isMaglevError(err, 'WaitTimeout')).toBe(true);
    expect((err as Error).message).toBe('Job apps/j failed: Job failed: BackoffLimitExceeded');
  });

  it('times out naming every object still not ready and why', async () => {
    const clock = new FakeClock();
    const waiter = new PollingWaiter({ clock, intervalMs: 5000, get: (ref) => Promise.resolve(ref.kind === 'Deployment' ? deployment(1) : undefined) });
    const err = await drive(clock, waiter.waitReady([deployRef, cmRef], 30_000).catch((e: unknown) => e));
    expect(isMaglevError(err, 'WaitTimeout')).toBe(true);
    expect((err as Error).message).toBe(
      '2 object(s) not ready after 30s:\nDeployment apps/web: InProgress (1/2 updated replicas available)\nConfigMap apps/cfg: NotFound (not found)',
    );
  });

  it('waitDeleted resolves once every object is gone, and times out naming those left', async () => {
    const clock = new FakeClock();
    let polls = 0;
    const gone = new PollingWaiter({ clock, intervalMs: 1000, get: (ref) => Promise.resolve(ref.kind === 'Deployment' && ++polls < 3 ? deployment(1) : undefined) });
    await drive(clock, gone.waitDeleted([deployRef, cmRef], 60_000));
    expect(polls).toBe(3);
    const stuck = new PollingWaiter({ clock, intervalMs: 1000, get: (ref) => Promise.resolve(ref.kind === 'Deployment' ? deployment(1) : undefined) });
    const err = await drive(clock, stuck.waitDeleted([deployRef, cmRef], 5_000).catch((e: unknown) => e));
    expect(isMaglevError(err, 'WaitTimeout')).toBe(true);
    expect((err as Error).message).toBe('1 object(s) still present 5s after deletion:\nDeployment apps/web');
  });
});
