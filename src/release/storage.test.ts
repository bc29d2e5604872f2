import { beforeEach, describe, expect, it } from 'vitest';
import { isMaglevError, type MaglevError } from '../errors.js';
import { FakeClock } from '../runtime/testing/fake-clock.js';
import { decodeRelease } from './codec.js';
import { ReleaseStatus, withStatus, type ReleaseRecord } from './record.js';
import { StampAnnotation } from './secrets.js';
import { ReleaseStorage } from './storage.js';
import { helmWrittenSecrets, sampleRecord } from './testing/fixtures.js';
import { MemorySecretStore } from './testing/memory-secrets.js';

const NS = 'apps';
const stamp = { ownerUid: 'uid-123', writer: 'maglev-operator-0' };

function rev(version: number, status: ReleaseRecord['info']['status'] = ReleaseStatus.Superseded): ReleaseRecord {
  return sampleRecord({ version, info: { ...sampleRecord().info, status } });
}

describe('ReleaseStorage', () => {
  let store: MemorySecretStore;
  let clock: FakeClock;
  let storage: ReleaseStorage;

  beforeEach(() => {
    store = new MemorySecretStore();
    clock = new FakeClock(Date.UTC(2025, 0, 1, 0, 0, 0));
    storage = new ReleaseStorage(store, { namespace: NS, stamp, clock });
  });

  it('creates the Secret exactly as Helm names and labels it, stamped with annotations', async () => {
    await storage.create(rev(1, ReleaseStatus.PendingInstall));
    const secret = store.peek(NS, 'sh.helm.release.v1.web.v1');
    expect(secret).toMatchObject({
      type: 'helm.sh/release.v1',
      labels: { name: 'web', owner: 'helm', status: 'pending-install', version: '1', createdAt: '1735689600' },
      annotations: { [StampAnnotation.Owner]: 'uid-123', [StampAnnotation.Writer]: 'maglev-operator-0' },
    });
    expect(Object.keys(secret?.labels ?? {}).sort()).toEqual(['createdAt', 'name', 'owner', 'status', 'version']);
    expect(decodeRelease(secret?.release ?? '')).toEqual(rev(1, ReleaseStatus.PendingInstall));
  });

  it('lists history in numeric revision order and finds latest and deployed', async () => {
    for (const v of [9, 10, 2]) await storage.create(rev(v, v === 9 ? ReleaseStatus.Deployed : ReleaseStatus.Failed));
    expect((await storage.history('web')).map((s) => s.record.version)).toEqual([2, 9, 10]);
    expect((await storage.latest('web'))?.record.version).toBe(10);
    expect((await storage.deployed('web'))?.record.version).toBe(9);
    expect((await storage.get('web', 2))?.record.info.status).toBe('failed');
    expect(await storage.get('web', 3)).toBeUndefined();
    expect(await storage.latest('other')).toBeUndefined();
  });

  it('only reads records of the release asked for', async () => {
    await storage.create(rev(1));
    await storage.create(sampleRecord({ name: 'web2', version: 1 }));
    expect((await storage.history('web')).map((s) => s.record.name)).toEqual(['web']);
  });

  it('update sets modifiedAt (dropping createdAt, as Helm does), keeps custom labels and re-stamps', async () => {
    store.seed(NS, { ...helmWrittenSecrets()[1]!, labels: { ...helmWrittenSecrets()[1]!.labels, team: 'blue' } });
    const current = await storage.latest('demo');
    expect(current?.stamp).toBeUndefined();
    clock.advance(60_000);
    const updated = await storage.update(withStatus(current!.record, ReleaseStatus.Superseded, 'Superseded by v4'));
    expect(updated.secret.labels).toEqual({ name: 'demo', owner: 'helm', status: 'superseded', version: '3', modifiedAt: '1735689660', team: 'blue' });
    expect(updated.stamp).toEqual(stamp);
    expect(updated.writtenAtMs).toBe(Date.UTC(2025, 0, 1, 0, 1, 0));
    expect((await storage.get('demo', 3))?.record.info.description).toBe('Superseded by v4');
  });

  it('update fails with a conflict when another writer changed the record since it was read', async () => {
    await storage.create(rev(1, ReleaseStatus.PendingInstall));
    const other = new ReleaseStorage(store, { namespace: NS, stamp: { ownerUid: 'uid-123', writer: 'replica-b' } });
    await other.update(withStatus((await other.latest('web'))!.record, ReleaseStatus.Failed, 'unlocked by b'));
    const err = await storage.update(rev(1, ReleaseStatus.Deployed)).catch((e: unknown) => e);
    expect(isMaglevError(err, 'Conflict')).toBe(true);
  });

  it('update of a record that does not exist is ReleaseNotFound', async () => {
    const err = await storage.update(rev(7)).catch((e: unknown) => e);
    expect(isMaglevError(err, 'ReleaseNotFound')).toBe(true);
  });

  it('create of an existing revision is ReleaseExists', async () => {
    await storage.create(rev(1));
    const err = await storage.create(rev(1)).catch((e: unknown) => e);
    expect(isMaglevError(err, 'ReleaseExists')).toBe(true);
  });

  it('refuses a record over the size limit before writing or pruning anything', async () => {
    const small = new ReleaseStorage(store, { namespace: NS, maxHistory: 1, maxRecordBytes: 300 });
    await storage.create(rev(1, ReleaseStatus.Deployed));
    store.calls.length = 0;
    const big = rev(2);
    big.manifest = Array.from({ length: 2000 }, (_, i) => `line ${i} ${Math.sin(i)}`).join('\n');
    const err = (await small.create(big).catch((e: unknown) => e)) as MaglevError;
    expect(isMaglevError(err, 'ReleaseTooLarge')).toBe(true);
    expect(err.terminal).toBe(true);
    expect(err.message).toMatch(/apps\/sh\.helm\.release\.v1\.web\.v2 is \d+ bytes encoded, over the 300-byte Secret limit/);
    expect(store.calls).toEqual([]);
  });

  it('prunes to maxHistory on create, oldest first, never the deployed revision', async () => {
    const pruning = new ReleaseStorage(store, { namespace: NS, maxHistory: 3 });
    await pruning.create(rev(1, ReleaseStatus.Deployed));
    for (const v of [2, 3, 4]) await pruning.create(rev(v, ReleaseStatus.Failed));
    await pruning.create(rev(5, ReleaseStatus.Failed));
    expect((await pruning.history('web')).map((s) => s.record.version)).toEqual([1, 4, 5]);
  });

  it('prune keeps everything when maxHistory is 0 (unlimited)', async () => {
    for (const v of [1, 2, 3]) await storage.create(rev(v));
    expect((await storage.history('web')).length).toBe(3);
    expect(await storage.prune('web', 5)).toBe(0);
  });

  it('a failed prune deletion fails the create, like Helm', async () => {
    const pruning = new ReleaseStorage(store, { namespace: NS, maxHistory: 1 });
    await pruning.create(rev(1));
    store.failNext('delete');
    await expect(pruning.create(rev(2))).rejects.toThrow(/injected failure/);
    expect(store.names(NS)).toEqual(['sh.helm.release.v1.web.v1']);
  });

  it('skips Secrets that do not decode and reports them', async () => {
    const skipped: string[] = [];
    const s = new ReleaseStorage(store, { namespace: NS, onSkip: (name) => skipped.push(name) });
    await s.create(rev(1));
    store.seed(NS, { name: 'sh.helm.release.v1.web.v2', labels: { owner: 'helm', name: 'web', version: '2' }, annotations: {}, type: 'helm.sh/release.v1', release: 'garbage!' });
    expect((await s.history('web')).map((r) => r.record.version)).toEqual([1]);
    expect(skipped).toEqual(['sh.helm.release.v1.web.v2']);
  });

  it('purge deletes every revision', async () => {
    for (const v of [1, 2]) await storage.create(rev(v));
    expect(await storage.purge('web')).toBe(2);
    expect(store.names(NS)).toEqual([]);
  });

  it('propagates list failures', async () => {
    store.failNext('list');
    await expect(storage.history('web')).rejects.toThrow(/injected failure/);
  });

  it('listOnce lists a release once, then keeps the list current from its own writes; a failed write lists again', async () => {
    await storage.create(rev(1, ReleaseStatus.Deployed));
    let lists = 0;
    const counting = Object.assign(Object.create(store) as MemorySecretStore, {
      list: (...args: Parameters<MemorySecretStore['list']>) => {
        lists++;
        return store.list(...args);
      },
    });
    const once = new ReleaseStorage(counting, { namespace: NS, stamp, clock, maxHistory: 2, listOnce: true });
    const versions = async (): Promise<[number, string][]> => (await once.history('web')).map((s) => [s.record.version, s.record.info.status]);
    expect(await versions()).toEqual([[1, 'deployed']]);
    await once.create(rev(2, ReleaseStatus.PendingUpgrade));
    await once.update(withStatus((await once.get('web', 2))!.record, ReleaseStatus.Deployed, 'Upgrade complete'));
    await once.update(withStatus((await once.get('web', 1))!.record, ReleaseStatus.Superseded, 'superseded by new release'));
    // maxHistory 2: creating revision 3 prunes revision 1, from the cluster and from the kept list.
    await once.create(rev(3, ReleaseStatus.PendingUpgrade));
    expect(await versions()).toEqual([[2, 'deployed'], [3, 'pending-upgrade']]);
    expect(lists).toBe(1);
    expect(store.names(NS)).toEqual(['sh.helm.release.v1.web.v2', 'sh.helm.release.v1.web.v3']);
    store.failNext('update');
    await expect(once.update(withStatus((await once.get('web', 3))!.record, ReleaseStatus.Deployed, 'Upgrade complete'))).rejects.toThrow(/injected failure/);
    expect(await versions()).toEqual([[2, 'deployed'], [3, 'pending-upgrade']]);
    expect(lists).toBe(2);
  });
});
