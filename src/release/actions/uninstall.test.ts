import { describe, expect, it } from 'vitest';
import { decodeRelease } from '../codec.js';
import { fakeContext, type FakeWorld } from '../testing/fake-cluster.js';
import { fakeRender, rendered, renderedHook } from '../testing/fixtures.js';
import { install } from './install.js';
import { uninstall } from './uninstall.js';
import { unlock } from './unlock.js';

const release = { name: 'web', namespace: 'apps' };
const chart = { metadata: { name: 'web', version: '1.0.0', apiVersion: 'v2' }, lock: null, templates: [], values: {}, schema: null, files: [] };
const objects = [
  rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' } }),
  rendered({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', annotations: { 'helm.sh/resource-policy': 'keep' } } }),
  rendered({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }),
  rendered({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }),
];
const hooks = [renderedHook('backup', 'Job', ['pre-delete']), renderedHook('goodbye', 'Job', ['post-delete'])];

async function installed(): Promise<FakeWorld> {
  const w = fakeContext();
  await install(w.ctx, { release, chart, config: {}, render: fakeRender(objects, hooks), options: { timeoutMs: 1000, disableHooks: true } });
  w.applier.calls.length = 0;
  w.clock.advance(60_000);
  return w;
}

describe('uninstall', () => {
  it('runs delete hooks around deleting objects in uninstall order, keeps "keep" objects, purges records', async () => {
    const w = await installed();
    const outcome = await uninstall(w.ctx, { release, options: { timeoutMs: 1000 } });
    expect(outcome).toMatchObject({ status: 'succeeded', record: undefined, message: 'uninstalled apps/web; kept by resource policy: PersistentVolumeClaim apps/data' });
    expect(w.applier.callsOf('delete')).toEqual(['delete Service apps/web', 'delete Deployment apps/web', 'delete ConfigMap apps/cfg']);
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/backup', 'create Job/goodbye']);
    expect(w.store.names('apps')).toEqual([]);
    expect(w.applier.objects.has('PersistentVolumeClaim apps/data')).toBe(true);
  });

  it('with wait, waits for the deleted objects to be gone before the post-delete hooks', async () => {
    const w = await installed();
    const order: string[] = [];
    const waitDeleted = w.waiter.waitDeleted.bind(w.waiter);
    w.waiter.waitDeleted = async (refs) => {
      order.push('wait gone');
      return waitDeleted(refs);
    };
    const create = w.hooks.create.bind(w.hooks);
    w.hooks.create = async (obj) => {
      order.push(`create ${obj.metadata?.name ?? ''}`);
      return create(obj);
    };
    const outcome = await uninstall(w.ctx, { release, options: { timeoutMs: 1000, wait: true } });
    expect(outcome.status).toBe('succeeded');
    expect(w.waiter.gone).toEqual([['Service apps/web', 'Deployment apps/web', 'ConfigMap apps/cfg']]);
    expect(order).toEqual(['create backup', 'wait gone', 'create goodbye']);
  });

  it('with keepHistory leaves the record uninstalled with its deletion time', async () => {
    const w = await installed();
    await uninstall(w.ctx, { release, options: { timeoutMs: 1000, keepHistory: true } });
    const stored = decodeRelease(w.store.peek('apps', 'sh.helm.release.v1.web.v1')!.release);
    expect(stored.info).toMatchObject({ status: 'uninstalled', description: 'Uninstallation complete', deleted: '2025-01-01T00:01:00Z' });
    expect(w.store.peek('apps', 'sh.helm.release.v1.web.v1')!.labels.status).toBe('uninstalled');
  });

  it('a failed pre-delete hook leaves the release uninstalling and its objects in place', async () => {
    const w = await installed();
    w.hooks.fail('wait', 'Job/backup');
    const outcome = await uninstall(w.ctx, { release, options: { timeoutMs: 1000 } });
    expect(outcome.status).toBe('failed');
    expect((await w.ctx.storage.latest('web'))?.record.info.status).toBe('uninstalling');
    expect(w.applier.callsOf('delete')).toEqual([]);
  });

  it('a failed deletion leaves the release uninstalling for the next attempt', async () => {
    const w = await installed();
    w.applier.fail('delete', 'Deployment apps/web', new Error('503 ServiceUnavailable'));
    const outcome = await uninstall(w.ctx, { release, options: { timeoutMs: 1000, disableHooks: true } });
    expect(outcome.status === 'failed' && outcome.error.message).toMatch(/1 object\(s\) could not be deleted:\ndelete Deployment apps\/web: 503 ServiceUnavailable/);
    expect(w.applier.callsOf('delete')).toHaveLength(3);
    expect((await w.ctx.storage.latest('web'))?.record.info.status).toBe('uninstalling');
  });

  it('a failed post-delete hook completes the uninstall but reports the failure', async () => {
    const w = await installed();
    w.hooks.fail('wait', 'Job/goodbye');
    const outcome = await uninstall(w.ctx, { release, options: { timeoutMs: 1000 } });
    expect(outcome.status === 'failed' && outcome.error.message).toMatch(/^uninstallation completed with 1 error\(s\): post-delete hook/);
    expect(w.store.names('apps')).toEqual([]);
  });

  it('with park, holds no caller: a running delete hook and objects still going away each end the call waiting; the next call picks up', async () => {
    const w = await installed();
    const options = { timeoutMs: 10_000, wait: true, park: true };
    const started = w.clock.now();
    w.hooks.running.add('Job/backup');
    const first = await uninstall(w.ctx, { release, options });
    expect(first).toMatchObject({ status: 'waiting', deadline: started + 10_000 });
    expect(first.status === 'waiting' && first.message).toMatch(/hook Job\/backup/);
    expect(w.applier.callsOf('delete')).toEqual([]);
    const stored = async () => (await w.ctx.storage.latest('web'))!.record;
    expect((await stored()).info).toMatchObject({ status: 'uninstalling', deleted: '2025-01-01T00:01:00Z' });

    // The hook finished; the objects are deleted, and the wait until they are gone parks with a new deadline.
    w.clock.advance(2_000);
    w.hooks.running.delete('Job/backup');
    w.waiter.notGone = true;
    const second = await uninstall(w.ctx, { release, options });
    expect(second).toMatchObject({ status: 'waiting', deadline: started + 12_000 });
    expect(w.applier.callsOf('delete')).toEqual(['delete Service apps/web', 'delete Deployment apps/web', 'delete ConfigMap apps/cfg']);
    expect(w.hooks.calls.filter((c) => c === 'create Job/backup')).toHaveLength(1);
    expect((await stored()).info).toMatchObject({ status: 'uninstalling', deleted: '2025-01-01T00:01:00Z' });

    // Woken again: the recorded deadline is kept; gone, then the post-delete hook parks, then the uninstall ends.
    w.clock.advance(3_000);
    w.waiter.notGone = false;
    w.hooks.running.add('Job/goodbye');
    const third = await uninstall(w.ctx, { release, options: { ...options, deadline: started + 12_000 } });
    expect(w.waiter.parkDeadlines.at(-1)).toBe(started + 12_000);
    expect(third).toMatchObject({ status: 'waiting', deadline: started + 15_000 });
    expect(third.status === 'waiting' && third.message).toMatch(/hook Job\/goodbye/);
    w.hooks.running.delete('Job/goodbye');
    const last = await uninstall(w.ctx, { release, options: { ...options, deadline: started + 12_000 } });
    expect(last).toMatchObject({ status: 'succeeded', record: undefined });
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/backup', 'create Job/goodbye']);
    expect(w.store.names('apps')).toEqual([]);
  });

  it('with park, a deletion wait past its recorded deadline fails naming what is left, and the release stays uninstalling', async () => {
    const w = await installed();
    w.waiter.failWith(new Error('timed out after 10s waiting for deletion of Deployment apps/web'));
    const outcome = await uninstall(w.ctx, { release, options: { timeoutMs: 10_000, wait: true, park: true, disableHooks: true, deadline: w.clock.now() - 1 } });
    expect(outcome.status === 'failed' && outcome.error.message).toMatch(/uninstall of apps\/web: timed out after 10s waiting for deletion of Deployment apps\/web/);
    expect((await w.ctx.storage.latest('web'))?.record.info.status).toBe('uninstalling');
  });

  it('nothing stored, or already uninstalled, is success', async () => {
    const w = fakeContext();
    expect(await uninstall(w.ctx, { release, options: { timeoutMs: 1000 } })).toMatchObject({ status: 'succeeded', message: 'release apps/web is not installed' });
    const w2 = await installed();
    await uninstall(w2.ctx, { release, options: { timeoutMs: 1000, keepHistory: true, disableHooks: true } });
    expect(await uninstall(w2.ctx, { release, options: { timeoutMs: 1000 } })).toMatchObject({ status: 'succeeded', record: undefined });
    expect(w2.store.names('apps')).toEqual([]);
  });
});

describe('unlock', () => {
  it('marks a pending revision failed, and leaves any other alone', async () => {
    const w = await installed();
    const v1 = (await w.ctx.storage.latest('web'))!.record;
    await w.ctx.storage.update({ ...v1, info: { ...v1.info, status: 'pending-upgrade' } });
    const outcome = await unlock(w.ctx, { release, revision: 1 });
    expect(outcome).toMatchObject({ status: 'succeeded', message: 'marked pending-upgrade revision 1 of apps/web failed' });
    expect((await w.ctx.storage.latest('web'))?.record.info).toMatchObject({
      status: 'failed',
      description: 'Release "web" was left pending-upgrade by an interrupted operation; marked failed by maglev-operator',
    });
    expect(await unlock(w.ctx, { release, revision: 1 })).toMatchObject({ status: 'succeeded', message: 'revision 1 of apps/web is not pending' });
  });

  it('loses the race to a writer that touched the record meanwhile (Conflict)', async () => {
    const w = await installed();
    const v1 = (await w.ctx.storage.latest('web'))!.record;
    await w.ctx.storage.update({ ...v1, info: { ...v1.info, status: 'pending-upgrade' } });
    const storage = w.ctx.storage;
    const get = storage.get.bind(storage);
    storage.get = async (name, version) => {
      const found = await get(name, version);
      const secret = w.store.peek('apps', 'sh.helm.release.v1.web.v1')!;
      w.store.seed('apps', { ...secret });
      return found;
    };
    await expect(unlock(w.ctx, { release, revision: 1 })).rejects.toMatchObject({ code: 'Conflict' });
  });
});
