import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { run } from './get.js';
import { aDistroAwaitingApproval, aRelease, capture, startFakeCluster, type FakeCluster } from './testing.js';

const NOW = Date.parse('2026-01-01T00:05:00Z');
let cluster: FakeCluster;
beforeAll(async () => {
  cluster = await startFakeCluster();
  cluster.put(aRelease('web', 'team'));
  cluster.put(aRelease('api', 'team', { conditions: [{ type: 'Ready', status: 'False', reason: 'UpgradeFailed', message: 'Helm upgrade failed: timed out waiting for Deployment team/api to become ready after 5m0s', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:01:00Z' }], releaseRevision: 3, chartVersion: '6.6.0' }));
  cluster.put(aRelease('cache', 'other-ns'));
  cluster.put(aDistroAwaitingApproval('shop', 'team'));
});
afterAll(async () => cluster.close());

const get = (...argv: string[]) => capture((a, io) => run(a, io, NOW), [...argv, '--kubeconfig', cluster.kubeconfig]);

describe('maglev get', () => {
  it('lists the releases of the context namespace as a table, sorted by name', async () => {
    const r = await get('releases');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'NAME   READY   STATUS             CHART     VERSION   REVISION   AGE   MESSAGE',
        'api    False   UpgradeFailed      podinfo   6.6.0     3          5m    Helm upgrade failed: timed out waiting for Deployment tea...',
        'web    True    InstallSucceeded   podinfo   6.5.0     1          5m    Helm install succeeded for release podinfo-6.5.0',
        '',
      ].join('\n'),
    );
    expect(cluster.server.requests.at(-1)?.path).toBe('/apis/maglev.io/v1alpha1/namespaces/team/helmreleases');
  });

  it('lists every namespace with -A (NAMESPACE column) and one object by name', async () => {
    const all = await get('hr', '-A');
    expect(all.out.split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['NAMESPACE NAME', 'other-ns cache', 'team api', 'team web', '']);
    const one = await get('release', 'web', '-n', 'team');
    expect(one.out.split('\n')[1]).toMatch(/^web\s+True\s+InstallSucceeded\s+podinfo\s+6\.5\.0\s+1\s+5m\s/);
    const other = await get('releases', '--context', 'other');
    expect(other.out).toContain('cache');
    expect(other.out).not.toContain('web');
  });

  it('shows distros with the deployed and wanted version, the Ready reason, the short plan id and whether approval is awaited', async () => {
    const r = await get('distros');
    expect(r.out).toBe(
      [
        'NAME   VERSION        READY   PHASE              PLAN           AWAITING APPROVAL   AGE',
        'shop   1.0.0->1.1.0   False   AwaitingApproval   ab12ab12ab12   True                5m',
        '',
      ].join('\n'),
    );
  });

  it('prints the objects with -o json (one object) and -o yaml (a List)', async () => {
    const one = await get('distro', 'shop', '-o', 'json');
    expect(JSON.parse(one.out)).toMatchObject({ kind: 'MaglevDistro', metadata: { name: 'shop' }, status: { plan: { id: `sha256:${'ab12'.repeat(16)}` } } });
    const list = yaml.load((await get('releases', '-o', 'yaml')).out) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['api', 'web']);
  });

  it('exits 1 for an object that does not exist, 2 for usage errors', async () => {
    const missing = await get('release', 'nope');
    expect(missing).toMatchObject({ code: 1, err: 'maglev get: HelmRelease team/nope not found\n' });
    expect((await get('pods')).code).toBe(2);
    expect((await get()).code).toBe(2);
    expect((await get('releases', 'web', '-A')).code).toBe(2);
    expect((await get('releases', '-o', 'wide')).code).toBe(2);
    const empty = await get('distros', '-n', 'empty');
    expect(empty).toMatchObject({ code: 0, out: '', err: 'No resources found in empty namespace.\n' });
  });
});
