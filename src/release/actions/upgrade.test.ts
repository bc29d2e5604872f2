import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../../render/types.js';
import { fakeContext, type FakeWorld } from '../testing/fake-cluster.js';
import { fakeRender, rendered, renderedHook } from '../testing/fixtures.js';
import { resume } from './complete.js';
import { install } from './install.js';
import { upgrade, type UpgradeInput } from './upgrade.js';

const release = { name: 'web', namespace: 'apps' };
const chart = (version: string) => ({ metadata: { name: 'web', version, apiVersion: 'v2' }, lock: null, templates: [], values: {}, schema: null, files: [] });
const cm = (name: string, extra: Record<string, unknown> = {}): RenderedObject => rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { v: '1' } });
const svc = rendered({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
const deploy = rendered({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } });

async function installed(objects: RenderedObject[] = [cm('old'), cm('kept', { annotations: { 'helm.sh/resource-policy': 'keep' } }), svc]): Promise<FakeWorld> {
  const w = fakeContext();
  w.clock.advance(5000);
  const outcome = await install(w.ctx, { release, chart: chart('1.0.0'), config: { a: 1 }, render: fakeRender(objects), options: { timeoutMs: 1000 } });
  if (outcome.status !== 'succeeded') throw new Error('setup install failed');
  w.applier.calls.length = 0;
  w.waiter.waited.length = 0;
  w.clock.advance(60_000);
  return w;
}

function input(over: Partial<UpgradeInput> = {}): UpgradeInput {
  return {
    release,
    chart: chart('2.0.0'),
    config: { a: 2 },
    render: fakeRender([svc, deploy], [renderedHook('migrate', 'Job', ['pre-upgrade'])]),
    options: { timeoutMs: 1000 },
    ...over,
  };
}

describe('upgrade', () => {
  it('writes a new revision, applies, prunes dropped objects except keep, supersedes the old one', async () => {
    const w = await installed();
    const outcome = await upgrade(w.ctx, input());
    expect(outcome).toMatchObject({ status: 'succeeded', message: 'upgraded apps/web to revision 2' });
    const history = await w.ctx.storage.history('web');
    expect(history.map((s) => [s.record.version, s.record.info.status, s.record.info.description])).toEqual([
      [1, 'superseded', 'Install complete'], // helm keeps the description when superseding
      [2, 'deployed', 'Upgrade complete'],
    ]);
    const v2 = history[1]!.record;
    expect(v2.info.first_deployed).toBe('2025-01-01T00:00:05Z');
    expect(v2.info.last_deployed).toBe('2025-01-01T00:01:05Z');
    expect(v2.config).toEqual({ a: 2 });
    expect(w.applier.callsOf('apply')).toEqual(['apply Service apps/web', 'apply Deployment apps/web']);
    expect(w.applier.callsOf('delete')).toEqual(['delete ConfigMap apps/old']);
    expect([...w.applier.objects.keys()].sort()).toEqual(['ConfigMap apps/kept', 'Deployment apps/web', 'Service apps/web']);
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/migrate']);
  });

  it('a pre-upgrade hook still running parks the upgrade with nothing applied; resume applies, prunes and supersedes as the upgrade would', async () => {
    const w = await installed();
    w.hooks.running.add('Job/migrate');
    const parked = await upgrade(w.ctx, input());
    expect(parked).toMatchObject({ status: 'waiting', message: 'waiting for hook Job/migrate to complete' });
    expect(w.applier.callsOf('apply')).toEqual([]);
    expect((await w.ctx.storage.history('web')).map((s) => s.record.info.status)).toEqual(['deployed', 'pending-upgrade']);
    w.hooks.running.clear();
    const done = await resume(w.ctx, { release, action: 'upgrade', revision: 2, options: { timeoutMs: 1000, deadline: w.clock.now() + 1000 } });
    expect(done).toMatchObject({ status: 'succeeded' });
    expect(w.applier.callsOf('apply')).toEqual(['apply Service apps/web', 'apply Deployment apps/web']);
    expect(w.applier.callsOf('delete')).toEqual(['delete ConfigMap apps/old']);
    expect((await w.ctx.storage.history('web')).map((s) => [s.record.version, s.record.info.status])).toEqual([[1, 'superseded'], [2, 'deployed']]);
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/migrate']);
  });

  it('keeps an object whose live copy was annotated keep after install', async () => {
    const w = await installed();
    const live = w.applier.objects.get('ConfigMap apps/old')!;
    w.applier.seed({ ...live, metadata: { ...live.metadata, annotations: { ...live.metadata?.annotations, 'helm.sh/resource-policy': 'keep' } } });
    await upgrade(w.ctx, input());
    expect(w.applier.callsOf('delete')).toEqual([]);
  });

  it('passes force through to server-side apply', async () => {
    const w = await installed();
    await upgrade(w.ctx, input({ options: { timeoutMs: 1000, force: true } }));
    expect(w.applier.applyOptions.at(-1)).toMatchObject({ force: true, fieldManager: 'maglev-operator' });
  });

  it('refuses when the latest revision is pending, writing nothing', async () => {
    const w = await installed();
    const v1 = (await w.ctx.storage.latest('web'))!.record;
    await w.ctx.storage.update({ ...v1, info: { ...v1.info, status: 'pending-upgrade' } });
    const outcome = await upgrade(w.ctx, input());
    expect(outcome.status === 'failed' && [outcome.error.code, outcome.error.message]).toEqual([
      'ReleasePending',
      'upgrade of apps/web refused: revision 1 is pending-upgrade: another operation is in progress',
    ]);
    expect((await w.ctx.storage.history('web')).length).toBe(1);
  });

  it('refuses a new object that belongs to someone else', async () => {
    const w = await installed();
    w.applier.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'apps' } });
    const outcome = await upgrade(w.ctx, input());
    expect(outcome.status === 'failed' && outcome.error.code).toBe('OwnershipConflict');
    expect((await w.ctx.storage.history('web')).length).toBe(1);
  });

  it('a failed wait marks the revision failed, leaves the old one deployed, and cleans up created objects on request', async () => {
    const w = await installed();
    w.waiter.failWith(new Error('Deployment apps/web: InProgress (0/2 replicas ready)'));
    const outcome = await upgrade(w.ctx, input({ options: { timeoutMs: 1000, cleanupOnFail: true } }));
    expect(outcome.record?.info).toMatchObject({ status: 'failed', description: 'Upgrade "web" failed: upgrade: Deployment apps/web: InProgress (0/2 replicas ready)' });
    expect((await w.ctx.storage.history('web')).map((s) => s.record.info.status)).toEqual(['deployed', 'failed']);
    expect(w.applier.callsOf('delete')).toEqual(['delete ConfigMap apps/old', 'delete Deployment apps/web']);
    expect(w.applier.objects.has('Service apps/web')).toBe(true);
  });

  it('a failed pre-upgrade hook applies nothing', async () => {
    const w = await installed();
    w.hooks.fail('wait', 'Job/migrate');
    const outcome = await upgrade(w.ctx, input({ options: { timeoutMs: 1000, cleanupOnFail: true } }));
    expect(outcome.record?.info.description).toMatch(/^Upgrade "web" failed: pre-upgrade hooks failed: pre-upgrade hook .* \(Job migrate\) failed/);
    expect(w.applier.callsOf('apply')).toEqual([]);
    expect(w.applier.callsOf('delete')).toEqual([]);
  });

  it('upgrades a release whose only revision failed, diffing against it', async () => {
    const w = await installed();
    const v1 = (await w.ctx.storage.latest('web'))!.record;
    await w.ctx.storage.update({ ...v1, info: { ...v1.info, status: 'failed' } });
    const outcome = await upgrade(w.ctx, input());
    expect(outcome.status).toBe('succeeded');
    expect((await w.ctx.storage.history('web')).map((s) => s.record.info.status)).toEqual(['failed', 'deployed']);
    expect(w.applier.callsOf('delete')).toEqual(['delete ConfigMap apps/old']);
  });

  it('applies CRDs only when the policy asks', async () => {
    const crd = rendered({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'w.example.com' } });
    const w = await installed();
    await upgrade(w.ctx, input({ render: fakeRender([svc], [], [crd]) }));
    expect(w.applier.callsOf('apply')).not.toContain('apply CustomResourceDefinition w.example.com');
    await upgrade(w.ctx, input({ render: fakeRender([svc], [], [crd]), options: { timeoutMs: 1000, crds: 'CreateReplace' } }));
    expect(w.applier.callsOf('apply')).toContain('apply CustomResourceDefinition w.example.com');
  });

  it('skips stored objects whose kind is no longer served instead of blocking the upgrade', async () => {
    const widget = rendered({ apiVersion: 'example.com/v1alpha1', kind: 'OldWidget', metadata: { name: 'w' } });
    const w = await installed([svc, widget]);
    w.applier.unserved.add('OldWidget');
    const outcome = await upgrade(w.ctx, input());
    expect(outcome.status).toBe('succeeded');
    expect(w.applier.callsOf('delete')).toEqual([]);
  });
});
