import { describe, expect, it } from 'vitest';
import { Controller } from './controller.js';
import { WriteFence } from './fence.js';
import { LeaderElector } from './leader.js';
import { Manager } from './manager.js';
import type { Reconciler } from './reconcile.js';
import { FakeGroupCache } from './testing/fake-group-cache.js';
import { FakeClock, flush } from './testing/fake-clock.js';
import { MemoryLeaseStore } from './testing/fake-lease-store.js';
import { memoryLogger } from './testing/logger.js';

/** Fires due timers and lets the promises they start settle. */
async function settle(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 3; i++) {
    clock.advance(0);
    await flush();
  }
}

describe('Manager', () => {
  it('on losing the lease closes the write fence and aborts running reconciles at once, then exits 1', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const { logger, lines } = memoryLogger();
    const fence = new WriteFence();
    const sent: string[] = [];
    const api = fence.wrap({ request: (req) => (sent.push(`${req.method} ${req.path}`), Promise.resolve({})) });
    let aborted: unknown;
    // A reconcile that writes, then waits until its signal aborts, then tries to write again.
    const reconciler: Reconciler = async (_req, ctx) => {
      await api.request({ method: 'PATCH', path: '/before' });
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = ctx.signal.reason;
      await api.request({ method: 'PATCH', path: '/after' }).catch((err: Error) => sent.push(`refused: ${err.message}`));
      return {};
    };
    const cache = new FakeGroupCache('', true, [{ metadata: { namespace: 'ns', name: 'a' } }]);
    const controller = new Controller({ name: 'test', reconciler, logger, clock, workers: 1 });
    const leading: boolean[] = [];
    const manager = new Manager({
      logger,
      fence,
      shutdownTimeoutMs: 60_000,
      onLeading: (l) => leading.push(l),
      elector: (callbacks) => new LeaderElector({ store, identity: 'pod-a', logger, clock, ...callbacks }),
    });
    manager.addCache(cache);
    manager.addController(controller);
    controller.watch(cache);
    const exit = manager.run();
    await settle(clock);
    cache.set({ metadata: { namespace: 'ns', name: 'a', generation: 2 } });
    await flush();
    expect(sent).toEqual(['PATCH /before']);
    // Someone else takes the lease by hand; the next renewal sees it.
    store.write({ holderIdentity: 'intruder', leaseDurationSeconds: 15, renewTime: new Date(clock.now()).toISOString(), leaseTransitions: 1 });
    clock.advance(2_000);
    await flush();
    expect(fence.closed).toBe(true);
    expect(String(aborted)).toContain('leader lease lost');
    expect(sent).toEqual(['PATCH /before', 'refused: PATCH /after not sent: this replica lost its leader lease']);
    expect(await exit).toBe(1);
    expect(leading).toEqual([false, true, false]);
    expect(cache.stopped).toBe(1);
    expect(lines.some((l) => String(l.msg).startsWith('lost leadership; writes fenced'))).toBe(true);
  });

  it('starts controllers only after every cache synced, and a clean stop exits 0 and releases the lease', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const { logger } = memoryLogger();
    const seen: string[] = [];
    const controller = new Controller({ name: 'test', reconciler: (req) => (seen.push(req.name), Promise.resolve({})), logger, clock });
    const cache = new FakeGroupCache();
    const manager = new Manager({ logger, fence: new WriteFence(), elector: (callbacks) => new LeaderElector({ store, identity: 'pod-a', logger, clock, ...callbacks }) });
    manager.addCache(cache);
    manager.addController(controller);
    controller.watch(cache);
    const exit = manager.run();
    await settle(clock);
    expect(cache.started).toBe(1);
    cache.set({ metadata: { namespace: 'ns', name: 'x' } });
    await flush();
    expect(seen).toEqual(['x']);
    manager.stop();
    expect(await exit).toBe(0);
    expect(store.lease?.spec?.holderIdentity ?? '').toBe('');
  });
});

describe('WriteFence', () => {
  it('passes everything while open; once closed refuses writes before sending them and still passes reads', async () => {
    const fence = new WriteFence();
    const sent: string[] = [];
    const api = fence.wrap({ request: (req) => (sent.push(req.method), Promise.resolve('ok')) });
    await api.request({ method: 'POST', path: '/x' });
    fence.close('lost the lease');
    fence.close('second reason is ignored');
    await expect(api.request({ method: 'DELETE', path: '/x' })).rejects.toMatchObject({ code: 'Fenced', message: 'DELETE /x not sent: lost the lease' });
    expect(await api.request({ method: 'GET', path: '/x' })).toBe('ok');
    expect(sent).toEqual(['POST', 'GET']);
  });
});
