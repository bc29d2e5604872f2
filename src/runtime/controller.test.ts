import { describe, expect, it } from 'vitest';
import { ErrorCode, MaglevError } from '../errors.js';
import { during } from './activity.js';
import { Controller, type ControllerOptions } from './controller.js';
import type { KubeObject } from './object.js';
import type { ReconcileContext, Reconciler, Request, Result } from './reconcile.js';
import { FakeCache } from './testing/fake-cache.js';
import { FakeClock, flush } from './testing/fake-clock.js';
import { memoryLogger } from './testing/logger.js';

/** A reconciler whose calls the test resolves or rejects one by one. */
function controlledReconciler(): {
  reconciler: Reconciler;
  calls: { req: Request; signal: AbortSignal; actsOn: ReconcileContext['actsOn']; resolve: (r: Result) => void; reject: (e: unknown) => void }[];
} {
  const calls: ReturnType<typeof controlledReconciler>['calls'] = [];
  const reconciler: Reconciler = (req, ctx) =>
    new Promise<Result>((resolve, reject) => calls.push({ req, signal: ctx.signal, actsOn: ctx.actsOn, resolve, reject }));
  return { reconciler, calls };
}

function setup(reconciler: Reconciler, extra: Partial<ControllerOptions> = {}) {
  const clock = new FakeClock();
  const { logger, lines } = memoryLogger();
  const outcomes: string[] = [];
  const controller = new Controller({
    name: 'test',
    reconciler,
    logger,
    clock,
    newReconcileId: () => 'rid-1',
    metrics: { reconciled: (o) => outcomes.push(o) },
    ...extra,
  });
  return { controller, clock, lines, outcomes };
}

const obj = (ns: string, name: string): KubeObject => ({ metadata: { namespace: ns, name } });

describe('Controller', () => {
  it('reconciles keys enqueued by cache events, with a child logger per reconcile', async () => {
    const seen: Request[] = [];
    const { controller, lines, outcomes } = setup((req, ctx) => {
      seen.push(req);
      ctx.log.info('hello');
      return Promise.resolve({});
    });
    const cache = new FakeCache<KubeObject>();
    controller.watch(cache);
    cache.set(obj('ns', 'a'));
    cache.set(obj('ns', 'a'));
    controller.start();
    await flush();
    expect(seen).toEqual([{ namespace: 'ns', name: 'a' }]);
    expect(outcomes).toEqual(['success']);
    expect(lines.find((l) => l.msg === 'hello')).toMatchObject({
      controller: 'test',
      namespace: 'ns',
      name: 'a',
      reconcileId: 'rid-1',
    });
  });

  it('never runs one key twice at once, and runs at most N keys in parallel', async () => {
    const { reconciler, calls } = controlledReconciler();
    const { controller } = setup(reconciler, { workers: 2 });
    controller.start();
    controller.enqueue({ namespace: 'ns', name: 'a' });
    await flush();
    controller.enqueue({ namespace: 'ns', name: 'a' });
    controller.enqueue({ namespace: 'ns', name: 'b' });
    controller.enqueue({ namespace: 'ns', name: 'c' });
    await flush();
    expect(calls.map((c) => c.req.name)).toEqual(['a', 'b']);
    calls[0]?.resolve({});
    await flush();
    expect(calls.map((c) => c.req.name)).toEqual(['a', 'b', 'c']);
    calls[1]?.resolve({});
    await flush();
    expect(calls.map((c) => c.req.name)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('retries a thrown error with growing backoff, and resets it on success', async () => {
    const { reconciler, calls } = controlledReconciler();
    const { controller, clock, outcomes } = setup(reconciler, { queue: { backoff: { baseMs: 1000, factor: 2, maxMs: 60_000 } } });
    controller.start();
    controller.enqueue({ namespace: 'ns', name: 'a' });
    await flush();
    calls[0]?.reject(new Error('boom'));
    await flush();
    clock.advance(999);
    await flush();
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(calls).toHaveLength(2);
    calls[1]?.reject(new Error('boom again'));
    await flush();
    clock.advance(1999);
    await flush();
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await flush();
    expect(calls).toHaveLength(3);
    calls[2]?.resolve({});
    await flush();
    expect(controller.queue.numRequeues('ns/a')).toBe(0);
    expect(outcomes).toEqual(['error', 'error', 'success']);
  });

  it('does not retry a terminal error until the object changes', async () => {
    const { reconciler, calls } = controlledReconciler();
    const { controller, clock, outcomes } = setup(reconciler);
    const cache = new FakeCache<KubeObject>();
    controller.watch(cache);
    controller.start();
    cache.set(obj('ns', 'a'));
    await flush();
    calls[0]?.reject(new MaglevError(ErrorCode.InvalidSpec, 'bad spec', { terminal: true }));
    await flush();
    clock.advance(60 * 60_000);
    await flush();
    expect(calls).toHaveLength(1);
    expect(outcomes).toEqual(['terminal']);
    cache.set(obj('ns', 'a'));
    await flush();
    expect(calls).toHaveLength(2);
  });

  it('requeues after requeueAfterMs on success', async () => {
    const { reconciler, calls } = controlledReconciler();
    const { controller, clock, outcomes } = setup(reconciler);
    controller.start();
    controller.enqueue({ namespace: '', name: 'cluster-scoped' });
    await flush();
    expect(calls[0]?.req).toEqual({ namespace: '', name: 'cluster-scoped' });
    calls[0]?.resolve({ requeueAfterMs: 30_000 });
    await flush();
    clock.advance(29_999);
    await flush();
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(calls).toHaveLength(2);
    expect(outcomes).toEqual(['requeue']);
  });

  it('stop waits for running reconciles and takes no new work', async () => {
    const { reconciler, calls } = controlledReconciler();
    const { controller } = setup(reconciler);
    controller.start();
    controller.enqueue({ namespace: 'ns', name: 'a' });
    await flush();
    let stopped: boolean | undefined;
    void controller.stop(10_000).then((ok) => (stopped = ok));
    controller.enqueue({ namespace: 'ns', name: 'b' });
    await flush();
    expect(stopped).toBeUndefined();
    calls[0]?.resolve({});
    await flush();
    expect(stopped).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.signal.aborted).toBe(false);
  });

  it('stop aborts running reconciles once the deadline passes', async () => {
    const { reconciler, calls } = controlledReconciler();
    const { controller, clock } = setup(reconciler);
    controller.start();
    controller.enqueue({ namespace: 'ns', name: 'a' });
    await flush();
    let stopped: boolean | undefined;
    void controller.stop(5_000).then((ok) => (stopped = ok));
    clock.advance(5_000);
    await flush();
    expect(stopped).toBe(false);
    expect(calls[0]?.signal.aborted).toBe(true);
  });

  it('supersede aborts a running reconcile only when it acts on an older intent, also when it says so after the report', async () => {
    const { reconciler, calls } = controlledReconciler();
    const { controller } = setup(reconciler, { workers: 4 });
    controller.start();
    for (const name of ['same', 'older', 'early', 'token']) controller.enqueue({ namespace: 'ns', name });
    await flush();
    const call = (name: string) => calls.find((c) => c.req.name === name)!;
    const report = (name: string, generation: number, token?: string) =>
      controller.supersede({ namespace: 'ns', name }, token === undefined ? { generation } : { generation, token }, `superseded by ${generation}${token ?? ''}`);
    // Read generation 2 fresh from the API server; the cache reports generation 2 (and a late 1) afterwards.
    call('same').actsOn({ generation: 2 });
    expect(report('same', 2)).toBe(false);
    expect(report('same', 1)).toBe(false);
    expect(call('same').signal.aborted).toBe(false);
    // Acting on generation 1 when 2 is reported: aborted at once, with the reason.
    call('older').actsOn({ generation: 1 });
    expect(report('older', 2)).toBe(true);
    expect(call('older').signal.reason).toEqual(new Error('superseded by 2'));
    // Reported before the reconcile said what it acts on: aborted when it says an older one.
    expect(report('early', 3)).toBe(false);
    expect(call('early').signal.aborted).toBe(false);
    call('early').actsOn({ generation: 2 });
    expect(call('early').signal.aborted).toBe(true);
    // Same generation: a new token supersedes; the token it already acts on does not.
    call('token').actsOn({ generation: 4, token: 'a' });
    expect(report('token', 4, 'a')).toBe(false);
    expect(report('token', 4)).toBe(false);
    expect(report('token', 4, 'b')).toBe(true);
    // A key not running: nothing to abort.
    expect(report('idle', 9)).toBe(false);
  });

  it('survives an event mapper that throws', async () => {
    const seen: string[] = [];
    const { controller, lines } = setup((req) => {
      seen.push(req.name);
      return Promise.resolve({});
    });
    const cache = new FakeCache<KubeObject>();
    controller.watch(cache, (o) => {
      if (o.metadata?.name === 'bad') throw new Error('mapper bug');
      return [{ namespace: 'ns', name: `${o.metadata?.name ?? ''}-owner` }];
    });
    controller.start();
    cache.set(obj('ns', 'bad'));
    cache.set(obj('ns', 'good'));
    await flush();
    expect(seen).toEqual(['good-owner']);
    expect(lines.some((l) => l.msg === 'event mapper threw; event dropped')).toBe(true);
  });

  it('logs each reconcile start and outcome, and a reconcile past the watchdog bound with the step it waits on, counted once', async () => {
    let release = (): void => {};
    const stuck: number[] = [];
    const { controller, clock, lines } = setup(
      () =>
        during('GET /api/v1/namespaces/ns/pods/p', new Promise<void>((resolve) => (release = resolve))).then(() => ({})),
      { watchdogMs: 60_000, metrics: { stuck: () => stuck.push(1) } },
    );
    const cache = new FakeCache<KubeObject>();
    controller.watch(cache);
    cache.set(obj('ns', 'slow'));
    controller.start();
    await flush();
    expect(lines.filter((l) => l.name === 'slow').map((l) => l.msg)).toEqual(['reconcile started']);
    clock.advance(60_000);
    clock.advance(60_000);
    const warnings = lines.filter((l) => l.msg === 'reconcile still running');
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ name: 'slow', runningSeconds: 120, waitingOn: 'GET /api/v1/namespaces/ns/pods/p', waitingSeconds: 120 });
    expect(stuck).toEqual([1]);
    release();
    await flush();
    expect(lines.at(-1)).toMatchObject({ msg: 'reconcile finished', outcome: 'success' });
    clock.advance(120_000);
    expect(lines.filter((l) => l.msg === 'reconcile still running')).toHaveLength(2);
  });
});
