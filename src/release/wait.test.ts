import { describe, expect, it } from 'vitest';
import { isMaglevError } from '../errors.js';
import type { TargetRef } from '../runtime/apply.js';
import type { KubeObject } from '../runtime/object.js';
import { flush } from '../runtime/testing/fake-clock.js';
import { fakeObjectWaits } from '../runtime/testing/fake-group-cache.js';
import { Parked } from './actions/context.js';
import { deletionJudge, hookJudge, ObjectWaiter, readinessJudge } from './wait.js';

const deployRef: TargetRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'web' };
const cmRef: TargetRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'cfg' };
const jobRef: TargetRef = { apiVersion: 'batch/v1', kind: 'Job', namespace: 'apps', name: 'migrate' };
const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'apps' } };

function deployment(ready: number): KubeObject & Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps', generation: 1 },
    spec: { replicas: 2 },
    status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: ready, availableReplicas: ready, conditions: [{ type: 'Available', status: 'True' }] },
  };
}

function job(conditions: unknown[], ttl?: number): KubeObject {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'apps' }, ...(ttl === undefined ? {} : { spec: { ttlSecondsAfterFinished: ttl } }), status: { conditions } } as KubeObject;
}

describe('readinessJudge', () => {
  const judge = readinessJudge([deployRef, cmRef]);
  it('is done when every object is Current', () => expect(judge([deployment(2), cm])).toEqual({ state: 'done' }));
  it('waits naming every object not ready and why', () =>
    expect(judge([deployment(1), undefined])).toEqual({
      state: 'waiting',
      message: '2 object(s) not ready:\nDeployment apps/web: InProgress (1/2 updated replicas available)\nConfigMap apps/cfg: NotFound (not found)',
    }));
  it('fails fast when one Failed', () => {
    const failed = job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]);
    expect(readinessJudge([jobRef])([failed])).toEqual({ state: 'failed', message: 'Job apps/migrate failed: Job failed: BackoffLimitExceeded' });
  });
});

describe('deletionJudge', () => {
  it('is done when none is left, else names those left', () => {
    const judge = deletionJudge([deployRef, cmRef]);
    expect(judge([undefined, undefined])).toEqual({ state: 'done' });
    expect(judge([deployment(1), undefined])).toEqual({ state: 'waiting', message: '1 object(s) still present:\nDeployment apps/web' });
  });
});

describe('hookJudge', () => {
  it('waits until the hook is seen and complete; a failed hook fails with HookFailed', () => {
    const judge = hookJudge(jobRef);
    expect(judge([undefined])).toMatchObject({ state: 'waiting' });
    expect(judge([job([])])).toMatchObject({ state: 'waiting' });
    expect(judge([job([{ type: 'Complete', status: 'True' }])])).toEqual({ state: 'done' });
    expect(hookJudge(jobRef)([job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'limit' }])])).toEqual({
      state: 'failed',
      message: 'job migrate failed: BackoffLimitExceeded: limit',
      code: 'HookFailed',
    });
  });

  it('a Job with ttlSecondsAfterFinished that vanishes after it was seen is done; any other hook that vanishes fails', () => {
    const ttl = hookJudge(jobRef);
    ttl([job([], 0)]);
    expect(ttl([undefined])).toEqual({ state: 'done' });
    const plain = hookJudge(jobRef);
    plain([job([])]);
    expect(plain([undefined])).toEqual({ state: 'failed', message: 'Job migrate disappeared before completing', code: 'HookFailed' });
  });
});

describe('ObjectWaiter over watch-backed waits', () => {
  function setup() {
    const { waits, clock, caches } = fakeObjectWaits({
      discovery: {
        '/api/v1': { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }] },
        '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }] },
        '/apis/batch/v1': { resources: [{ name: 'jobs', kind: 'Job', namespaced: true }] },
      },
    });
    // Keyed by path alone (these waits impersonate nobody).
    const byPath = new Map([...caches].map(([k, c]) => [k.slice(k.indexOf('|') + 1), c]));
    return { clock, waits, caches: { get: (path: string) => caches.get(`|${path}`) ?? byPath.get(path) } };
  }
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await flush();
  };

  it('resolves on the event that makes the last object ready, and times out naming what is not', async () => {
    const { caches, waits, clock } = setup();
    const waiter = new ObjectWaiter({ waits });
    const ready = waiter.waitReady([deployRef, cmRef], 60_000);
    await settle();
    caches.get('/api/v1/namespaces/apps/configmaps')!.set(cm);
    caches.get('/apis/apps/v1/namespaces/apps/deployments')!.set(deployment(1));
    await settle();
    caches.get('/apis/apps/v1/namespaces/apps/deployments')!.set(deployment(2));
    await ready;

    // The cache stays for the next wait: a rollout makes the Deployment not ready again.
    caches.get('/apis/apps/v1/namespaces/apps/deployments')!.set(deployment(1));
    const stuck = waiter.waitReady([deployRef], 30_000).catch((e: unknown) => e);
    await settle();
    clock.advance(30_000);
    const err = await stuck;
    expect(isMaglevError(err, 'WaitTimeout') && err.message).toBe(
      'timed out after 30s waiting for readiness of Deployment apps/web: 1 object(s) not ready:\nDeployment apps/web: InProgress (1/2 updated replicas available)',
    );
  });

  it('does not take a cached copy older than the apply for the new spec (generation, else resourceVersion)', async () => {
    const { caches, waits } = setup();
    const waiter = new ObjectWaiter({ waits });
    // The cache still holds the Deployment as it was before the upgrade: generation 1, all ready.
    const before = deployment(2);
    let done = false;
    const ready = waiter.waitReady([deployRef, cmRef], 60_000, undefined, [{ generation: 2, resourceVersion: '120' }, { resourceVersion: '121' }]).then(() => (done = true));
    await settle();
    caches.get('/apis/apps/v1/namespaces/apps/deployments')!.set(before);
    caches.get('/api/v1/namespaces/apps/configmaps')!.set({ ...cm, metadata: { ...cm.metadata, resourceVersion: '99' } });
    await settle();
    expect(done).toBe(false);
    caches.get('/apis/apps/v1/namespaces/apps/deployments')!.set({ ...before, metadata: { ...before.metadata, generation: 2 }, status: { ...(before.status as object), observedGeneration: 2 } } as KubeObject);
    await settle();
    expect(done).toBe(false);
    caches.get('/api/v1/namespaces/apps/configmaps')!.set({ ...cm, metadata: { ...cm.metadata, resourceVersion: '121' } });
    await ready;
  });

  it('a self-deleting hook Job (ttlSecondsAfterFinished: 0) that vanishes between two looks completes the hook', async () => {
    const { caches, waits } = setup();
    const waiter = new ObjectWaiter({ waits });
    const hook = waiter.waitHook(jobRef, 60_000);
    await settle();
    const jobs = caches.get('/apis/batch/v1/namespaces/apps/jobs')!;
    jobs.set(job([], 0));
    await settle();
    jobs.delete('apps', 'migrate');
    await hook;
  });

  it('asked to park: resolves when ready, throws Parked while not, and WaitTimeout naming the objects past the deadline', async () => {
    const { caches, waits, clock } = setup();
    const woken: number[] = [];
    const waiter = new ObjectWaiter({ waits, park: { key: 'uid', wake: () => woken.push(clock.now()), now: () => clock.now() } });
    const deadline = clock.now() + 30_000;
    const parked = await waiter.waitReady([deployRef], 30_000, { deadline }).catch((e: unknown) => e);
    expect(parked).toBeInstanceOf(Parked);
    expect((parked as Parked).deadline).toBe(deadline);
    expect((parked as Error).message).toBe('waiting for readiness of Deployment apps/web: 1 object(s) not ready:\nDeployment apps/web: NotFound (not found)');
    const deployments = caches.get('/apis/apps/v1/namespaces/apps/deployments')!;
    // An event that leaves it not ready is judged in place and wakes nobody; the one that makes it ready wakes.
    deployments.set(deployment(1));
    expect(woken).toHaveLength(0);
    deployments.set(deployment(2));
    expect(woken).toHaveLength(1);
    deployments.set(deployment(1));
    clock.advance(30_000);
    const late = await waiter.waitReady([deployRef], 30_000, { deadline }).catch((e: unknown) => e);
    expect(isMaglevError(late, 'WaitTimeout') && late.message).toBe(
      'timed out after 30s waiting for readiness of Deployment apps/web: 1 object(s) not ready:\nDeployment apps/web: InProgress (1/2 updated replicas available)',
    );
    caches.get('/apis/apps/v1/namespaces/apps/deployments')!.set(deployment(2));
    await waiter.waitReady([deployRef], 30_000, { deadline: clock.now() + 1 });
  });
});
