import { describe, expect, it } from 'vitest';
import { fakeContext, type FakeWorld } from '../testing/fake-cluster.js';
import { fakeRender, rendered, renderedHook } from '../testing/fixtures.js';
import { install } from './install.js';
import { rollback } from './rollback.js';
import { upgrade } from './upgrade.js';

const release = { name: 'web', namespace: 'apps' };
const chart = (version: string) => ({ metadata: { name: 'web', version, apiVersion: 'v2' }, lock: null, templates: [], values: {}, schema: null, files: [] });
const cmV1 = rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'v1-only' } });
const cmV2 = rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'v2-only' } });
const svc = rendered({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } });

/** v1 deployed (superseded after), v2 failed upgrade. */
async function failedUpgrade(): Promise<FakeWorld> {
  const w = fakeContext();
  await install(w.ctx, { release, chart: chart('1.0.0'), config: { v: 1 }, render: fakeRender([cmV1, svc], [renderedHook('pre', 'Job', ['pre-rollback'])]), options: { timeoutMs: 1000 } });
  w.clock.advance(60_000);
  w.waiter.failWith(new Error('not ready'));
  await upgrade(w.ctx, { release, chart: chart('2.0.0'), config: { v: 2 }, render: fakeRender([cmV2, svc]), options: { timeoutMs: 1000 } });
  w.waiter.failWith(undefined);
  w.applier.calls.length = 0;
  w.hooks.calls.length = 0;
  w.clock.advance(60_000);
  return w;
}

describe('rollback', () => {
  it('writes the target as a new revision, restores its objects and removes newer ones', async () => {
    const w = await failedUpgrade();
    const outcome = await rollback(w.ctx, { release, toRevision: 1, options: { timeoutMs: 1000 } });
    expect(outcome).toMatchObject({ status: 'succeeded', message: 'rolled apps/web back to revision 1 as revision 3' });
    const history = await w.ctx.storage.history('web');
    expect(history.map((s) => [s.record.version, s.record.info.status, s.record.info.description])).toEqual([
      [1, 'superseded', 'Install complete'], // helm keeps the description when superseding
      [2, 'failed', 'Upgrade "web" failed: upgrade: not ready'],
      [3, 'deployed', 'Rollback to 1'],
    ]);
    const v3 = history[2]!.record;
    expect(v3.config).toEqual({ v: 1 });
    expect(v3.chart?.metadata?.version).toBe('1.0.0');
    expect(v3.info.first_deployed).toBe('2025-01-01T00:00:00Z');
    expect(w.applier.callsOf('apply')).toEqual(['apply ConfigMap apps/v1-only', 'apply Service apps/web']);
    expect(w.applier.applyOptions.at(-1)).toMatchObject({ force: true });
    expect(w.applier.callsOf('delete')).toEqual(['delete ConfigMap apps/v2-only']);
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/pre']);
  });

  it('refuses an unknown revision', async () => {
    const w = await failedUpgrade();
    const outcome = await rollback(w.ctx, { release, toRevision: 9, options: { timeoutMs: 1000 } });
    expect(outcome.status === 'failed' && outcome.error.code).toBe('ReleaseNotFound');
  });

  it('a failed rollback marks the new revision failed and leaves the earlier ones as they were', async () => {
    const w = await failedUpgrade();
    w.applier.fail('apply', 'Service apps/web', new Error('admission webhook denied'));
    const outcome = await rollback(w.ctx, { release, toRevision: 1, options: { timeoutMs: 1000 } });
    expect(outcome.record?.info.description).toBe('Rollback "web" failed: rollback: apply Service apps/web (web/templates/web.yaml): admission webhook denied');
    expect((await w.ctx.storage.history('web')).map((s) => s.record.info.status)).toEqual(['deployed', 'failed', 'failed']);
  });
});
