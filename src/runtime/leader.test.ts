import { describe, expect, it } from 'vitest';
import { microTime } from './clock.js';
import { isExpired, LeaderElector, type LeaderElectorOptions } from './leader.js';
import { FakeClock, flush } from './testing/fake-clock.js';
import { MemoryLeaseStore } from './testing/fake-lease-store.js';
import { memoryLogger } from './testing/logger.js';

interface Candidate {
  elector: LeaderElector;
  started: number;
  stopped: number;
}

function candidate(store: MemoryLeaseStore, clock: FakeClock, identity: string, extra: Partial<LeaderElectorOptions> = {}): Candidate {
  const c: Candidate = { elector: undefined as unknown as LeaderElector, started: 0, stopped: 0 };
  c.elector = new LeaderElector({
    store,
    identity,
    clock,
    logger: memoryLogger().logger,
    onStartedLeading: () => c.started++,
    onStoppedLeading: () => c.stopped++,
    ...extra,
  });
  return c;
}

/** Advances the fake clock in 1 s steps, letting async work settle after each. */
async function run(clock: FakeClock, ms: number): Promise<void> {
  let left = ms;
  do {
    const step = Math.min(1000, left);
    clock.advance(step);
    left -= step;
    await flush();
  } while (left > 0);
}

describe('LeaderElector', () => {
  it('acquires a missing lease and renews it every retry period', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'pod-a');
    a.elector.start();
    await run(clock, 0);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.started).toBe(1);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'pod-a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    const acquired = store.lease?.spec?.acquireTime;

    await run(clock, 4000);
    expect(store.lease?.spec?.renewTime).toBe(microTime(clock.now()));
    expect(store.lease?.spec?.acquireTime).toBe(acquired);
    expect(a.started).toBe(1);
  });

  it('does not take a lease another replica holds until it expires, then counts a transition', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    store.write({ holderIdentity: 'pod-a', leaseDurationSeconds: 15, renewTime: microTime(clock.now()), leaseTransitions: 3 });
    const b = candidate(store, clock, 'pod-b');
    b.elector.start();
    await run(clock, 14_000);
    expect(b.elector.isLeader()).toBe(false);
    await run(clock, 4_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 4 });
  });

  it('lets exactly one of two racing candidates win (resourceVersion compare-and-swap)', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    store.write({ holderIdentity: '', leaseTransitions: 0 });
    const a = candidate(store, clock, 'pod-a');
    const b = candidate(store, clock, 'pod-b');
    a.elector.start();
    b.elector.start();
    await run(clock, 10_000);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(a.started + b.started).toBe(1);
  });

  it('stops leading when renewal keeps failing past the renew deadline', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'pod-a');
    a.elector.start();
    await run(clock, 0);
    expect(a.elector.isLeader()).toBe(true);
    store.down = true;
    await run(clock, 9_000);
    expect(a.elector.isLeader()).toBe(true);
    await run(clock, 2_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped).toBe(1);
    // It does not campaign again: the process is expected to stop its work.
    store.down = false;
    await run(clock, 30_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.started).toBe(1);
  });

  it('stops leading at once when it finds another holder', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'pod-a');
    a.elector.start();
    await run(clock, 1000);
    store.write({ holderIdentity: 'pod-x', leaseDurationSeconds: 15, renewTime: microTime(clock.now()) });
    await run(clock, 2000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped).toBe(1);
  });

  it('release frees the lease so another replica takes over at its next retry', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'pod-a');
    a.elector.start();
    await run(clock, 1000);
    const b = candidate(store, clock, 'pod-b');
    b.elector.start();
    await run(clock, 1000);
    expect(b.elector.isLeader()).toBe(false);

    await a.elector.release();
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped).toBe(0);
    expect(store.lease?.spec?.holderIdentity).toBe('');
    await run(clock, 2000);
    expect(b.elector.isLeader()).toBe(true);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 1 });
  });

  it('rejects inconsistent durations', () => {
    const store = new MemoryLeaseStore();
    expect(() => candidate(store, new FakeClock(), 'a', { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
      /leaseDuration > renewDeadline > retryPeriod/,
    );
  });
});

describe('isExpired', () => {
  const now = Date.UTC(2025, 0, 1, 0, 1, 0);
  it.each([
    [{ renewTime: microTime(now - 10_000), leaseDurationSeconds: 15 }, false],
    [{ renewTime: microTime(now - 15_000), leaseDurationSeconds: 15 }, false],
    [{ renewTime: microTime(now - 15_001), leaseDurationSeconds: 15 }, true],
    [{ renewTime: null, leaseDurationSeconds: 15 }, true],
    [{ renewTime: 'garbage', leaseDurationSeconds: 15 }, true],
  ])('%j → %s', (spec, expected) => {
    expect(isExpired(spec, now)).toBe(expected);
  });
});
