import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from './backoff.js';
import { microTime, sleep } from './clock.js';
import { FakeClock, flush } from './testing/fake-clock.js';

describe('sleep', () => {
  it('resolves when the clock reaches the delay', async () => {
    const clock = new FakeClock();
    let done = false;
    void sleep(clock, 1000).then(() => (done = true));
    clock.advance(999);
    await flush();
    expect(done).toBe(false);
    clock.advance(1);
    await flush();
    expect(done).toBe(true);
  });

  it('resolves at once on abort and cancels its timer', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    let done = false;
    void sleep(clock, 60_000, ac.signal).then(() => (done = true));
    ac.abort();
    await flush();
    expect(done).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('formats MicroTime', () => {
    expect(microTime(Date.UTC(2025, 0, 2, 3, 4, 5, 6))).toBe('2025-01-02T03:04:05.006000Z');
  });
});

describe('backoff', () => {
  const opts = { baseMs: 1000, factor: 2, maxMs: 30_000 };
  it.each([
    [0, 1000],
    [1, 2000],
    [4, 16_000],
    [5, 30_000],
    [10_000, 30_000],
  ])('after %i failures waits %i ms', (failures, expected) => {
    expect(backoffDelay(opts, failures)).toBe(expected);
  });

  it('Backoff counts failures until reset', () => {
    const b = new Backoff(opts);
    expect([b.next(), b.next(), b.next()]).toEqual([1000, 2000, 4000]);
    b.reset();
    expect(b.next()).toBe(1000);
  });
});
