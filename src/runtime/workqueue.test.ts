import { describe, expect, it } from 'vitest';
import { FakeClock, flush } from './testing/fake-clock.js';
import { WorkQueue } from './workqueue.js';

function newQueue(): { q: WorkQueue; clock: FakeClock } {
  const clock = new FakeClock();
  return { q: new WorkQueue({ clock }), clock };
}

describe('WorkQueue', () => {
  it('queues a key added many times once, in first-add order', async () => {
    const { q } = newQueue();
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    q.add('ns/a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.len()).toBe(0);
  });

  it('never hands out a key being processed; re-queues it after done', async () => {
    const { q } = newQueue();
    q.add('ns/a');
    const first = await q.get();
    expect(first).toBe('ns/a');
    q.add('ns/a');
    q.add('ns/a');
    expect(q.len()).toBe(0);

    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await flush();
    expect(second).toBeUndefined();

    q.done('ns/a');
    await flush();
    expect(second).toBe('ns/a');
    q.done('ns/a');
    expect(q.len()).toBe(0);
  });

  it('hands a key straight to a waiting worker', async () => {
    const { q } = newQueue();
    const pending = q.get();
    q.add('ns/a');
    expect(await pending).toBe('ns/a');
  });

  it('grows the per-key backoff exponentially up to the cap', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, backoff: { baseMs: 1000, factor: 2, maxMs: 5000 } });
    const readyAfter: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = clock.now();
      q.addRateLimited('ns/a');
      while (q.len() === 0) clock.advance(100);
      readyAfter.push(clock.now() - start);
      void q.get();
      q.done('ns/a');
    }
    expect(readyAfter).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(q.numRequeues('ns/a')).toBe(5);
  });

  it('forget resets the backoff after a success', () => {
    const { q, clock } = newQueue();
    q.addRateLimited('ns/a');
    q.addRateLimited('ns/a');
    expect(q.numRequeues('ns/a')).toBe(2);
    q.forget('ns/a');
    expect(q.numRequeues('ns/a')).toBe(0);
    clock.advance(2000);
    expect(q.len()).toBe(1);
    void q.get();
    q.done('ns/a');
    q.addRateLimited('ns/a');
    clock.advance(999);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
  });

  it('addAfter delays a key, and the earliest of several delays wins', () => {
    const { q, clock } = newQueue();
    q.addAfter('ns/a', 10_000);
    q.addAfter('ns/a', 3_000);
    q.addAfter('ns/a', 20_000);
    clock.advance(2_999);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    clock.advance(60_000);
    expect(q.len()).toBe(1);
  });

  it('shutDown drops queued and delayed keys and releases waiting workers', async () => {
    const { q, clock } = newQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();

    const { q: q2, clock: clock2 } = newQueue();
    q2.add('ns/a');
    q2.addAfter('ns/b', 1000);
    q2.shutDown();
    expect(await q2.get()).toBeUndefined();
    q2.add('ns/c');
    clock2.advance(5000);
    expect(q2.len()).toBe(0);
    expect(clock2.pending()).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('shutDownWithDrain resolves only when in-flight keys are done', async () => {
    const { q } = newQueue();
    q.add('ns/a');
    const key = await q.get();
    let drained = false;
    void q.shutDownWithDrain().then(() => (drained = true));
    await flush();
    expect(drained).toBe(false);
    q.done(key ?? '');
    await flush();
    expect(drained).toBe(true);
  });

  it('reports metrics through the injected callbacks', async () => {
    const clock = new FakeClock();
    const depths: number[] = [];
    const durations: number[] = [];
    let adds = 0;
    let retries = 0;
    const q = new WorkQueue({
      clock,
      metrics: {
        depth: (n) => depths.push(n),
        added: () => adds++,
        retried: () => retries++,
        workDuration: (s) => durations.push(s),
      },
    });
    q.add('ns/a');
    q.add('ns/a');
    const key = await q.get();
    clock.advance(1500);
    q.done(key ?? '');
    q.addRateLimited('ns/a');
    expect(adds).toBe(1);
    expect(retries).toBe(1);
    expect(depths).toEqual([1, 0]);
    expect(durations).toEqual([1.5]);
  });
});
