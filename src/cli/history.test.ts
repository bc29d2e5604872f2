import { describe, expect, it } from 'vitest';
import type { MaglevDistro } from '../crds/index.js';
import { DistroHistory } from '../distro/history.js';
import { ReleaseStorage, ReleaseStatus } from '../release/index.js';
import { sampleRecord } from '../release/testing/fixtures.js';
import { MemorySecretStore } from '../release/testing/memory-secrets.js';
import { ApiStatusError } from '../runtime/index.js';
import { distroHistory, distroRecords, releaseHistory, releaseRecords } from './history.js';
import { aDistroAwaitingApproval, aRelease } from './testing.js';

function quietIO(): { io: { stdout: { write: (s: string) => unknown }; stderr: { write: (s: string) => unknown } }; err: () => string } {
  let err = '';
  return { io: { stdout: { write: () => undefined }, stderr: { write: (s: string) => (err += s) } }, err: () => err };
}

describe('maglev history release', () => {
  it('lists the Helm records oldest first, as helm history, filling in status.history for a revision without a record', async () => {
    const store = new MemorySecretStore();
    const storage = new ReleaseStorage(store, { namespace: 'apps' });
    await storage.create(sampleRecord({ version: 2, info: { ...sampleRecord().info, status: ReleaseStatus.Superseded, description: 'Install complete' } }));
    const upgraded = sampleRecord({ version: 3 });
    upgraded.info = { ...upgraded.info, description: 'Upgrade complete', last_deployed: '2025-01-03T00:00:00Z' };
    upgraded.chart!.metadata = { name: 'podinfo', version: '6.6.0', appVersion: '6.6.1' };
    await storage.create(upgraded);
    const hr = aRelease('web', 'apps', { history: [{ revision: 1, status: 'superseded', chartVersion: '6.4.0', appVersion: '6.4.0', action: 'install', lastDeployed: '2025-01-01T00:00:00Z' }] });
    const { io, err } = quietIO();
    const records = await releaseRecords(hr, store, io);
    expect(err()).toBe('');
    expect(releaseHistory(hr, records)).toBe(
      [
        'REVISION   UPDATED                    STATUS       CHART           APP VERSION   DESCRIPTION',
        '1          2025-01-01T00:00:00Z       superseded   podinfo-6.4.0   6.4.0         (install; record not readable)',
        '2          2025-01-02T03:04:05.678Z   superseded   podinfo-6.5.0   6.5.0         Install complete',
        '3          2025-01-03T00:00:00Z       deployed     podinfo-6.6.0   6.6.1         Upgrade complete',
        '',
      ].join('\n'),
    );
  });

  it('shows status.history with a note when the records cannot be read', async () => {
    const store = new MemorySecretStore();
    store.failNext('list', new ApiStatusError('GET secrets', 403, { message: 'forbidden' }));
    const hr = aRelease('web', 'apps', { history: [{ revision: 1, status: 'deployed', chartVersion: '6.5.0', action: 'install' }] });
    const { io, err } = quietIO();
    expect(releaseHistory(hr, await releaseRecords(hr, store, io))).toContain('1          -         deployed   podinfo-6.5.0');
    expect(err()).toMatch(/^note: the Helm records of apps\/web cannot be read \(.*403.*\); showing status.history\n$/);
  });
});

describe('maglev history distro', () => {
  it('lists the revision records oldest first with their components', async () => {
    const store = new MemorySecretStore();
    const d: MaglevDistro = aDistroAwaitingApproval('shop', 'team');
    d.metadata.uid = 'u1';
    d.status!.history = [];
    const history = new DistroHistory(store);
    const component = (name: string, chartVersion: string, releaseRevision: number) => ({ name, chartVersion, releaseRevision, digest: 'd', dependsOn: [], spec: { chart: { name } } });
    await history.write(d, { revision: 1, version: '1.0.0', status: 'deployed', deployedAt: '2026-01-01T00:00:09Z', planId: `sha256:${'cd34'.repeat(16)}`, components: [component('pki', '1.0.0', 1), component('db', '1.0.0', 1)] });
    await history.write(d, { revision: 2, version: '1.1.0', status: 'rolled-back', deployedAt: '2026-01-01T00:10:00Z', planId: `sha256:${'ef56'.repeat(16)}`, message: 'component db: UpgradeFailed: hook failed', components: [component('pki', '1.0.0', 1), component('db', '1.1.0', 2)] });
    const { io } = quietIO();
    expect(distroHistory(d, await distroRecords(d, new MemorySecretStore(), io))).toBe('REVISION   VERSION   STATUS   DEPLOYED   PLAN   COMPONENTS   MESSAGE\n');
    expect(distroHistory(d, await distroRecords(d, store, io))).toBe(
      [
        'REVISION   VERSION   STATUS        DEPLOYED               PLAN           COMPONENTS               MESSAGE',
        '1          1.0.0     deployed      2026-01-01T00:00:09Z   cd34cd34cd34   pki=1.0.0#1,db=1.0.0#1',
        '2          1.1.0     rolled-back   2026-01-01T00:10:00Z   ef56ef56ef56   pki=1.0.0#1,db=1.1.0#2   component db: UpgradeFailed: hook failed',
        '',
      ].join('\n'),
    );
  });
});
