import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Condition, HelmRelease } from '../crds/index.js';
import type { Managed } from './kube.js';
import { judge, reconcilePatch, run } from './reconcile.js';
import { resume, suspend } from './suspend.js';
import { aDistroAwaitingApproval, aRelease, capture, startFakeCluster, type FakeCluster } from './testing.js';

let cluster: FakeCluster;
beforeAll(async () => {
  cluster = await startFakeCluster();
});
afterAll(async () => cluster.close());

const at = '2026-01-01T00:00:00Z';
const ready = (status: Condition['status'], reason: string, generation = 1): Condition => ({ type: 'Ready', status, reason, message: `${reason} message`, observedGeneration: generation, lastTransitionTime: at });

/** A release whose operator has handled `token` (and `force`) with `conditions`. */
function handled(token: string | undefined, conditions: Condition[], force?: string): HelmRelease {
  const hr = aRelease('web', 'team', { conditions });
  if (token !== undefined) hr.status!.lastHandledReconcileAt = token;
  if (force !== undefined) hr.status!.lastHandledForceAt = force;
  return hr;
}

describe('reconcile patch bodies', () => {
  it('sets the reconcile annotation, and the force annotation to the same token with --force', () => {
    expect(reconcilePatch('t1', false)).toEqual({ metadata: { annotations: { 'maglev.io/reconcile-requested-at': 't1' } } });
    expect(reconcilePatch('t2', true)).toEqual({ metadata: { annotations: { 'maglev.io/reconcile-requested-at': 't2', 'maglev.io/force-at': 't2' } } });
  });
});

describe('judge', () => {
  const req = { target: 'release' as const, token: 'T', force: false };
  it.each<[string, HelmRelease, typeof req, string]>([
    ['not handled yet', handled('old', [ready('True', 'InstallSucceeded')]), req, 'waiting'],
    ['handled, Ready', handled('T', [ready('True', 'UpgradeSucceeded')]), req, 'ready'],
    ['handled, progressing', handled('T', [ready('Unknown', 'Progressing')]), req, 'waiting'],
    ['handled, waiting for a dependency', handled('T', [ready('False', 'DependencyNotReady')]), req, 'waiting'],
    ['handled, failed and retrying', handled('T', [ready('False', 'UpgradeFailed')]), req, 'failed'],
    ['handled, stalled', handled('T', [{ ...ready('True', 'InvalidSpec'), type: 'Stalled' }, ready('False', 'InvalidSpec')]), req, 'failed'],
    ['handled, Ready of an older generation', handled('T', [ready('True', 'InstallSucceeded', 0)]), req, 'waiting'],
    ['forced, Ready but the force not handled yet', handled('T', [ready('True', 'InstallSucceeded')], 'old'), { ...req, force: true }, 'waiting'],
    ['forced, Ready and the force handled', handled('T', [ready('True', 'UpgradeSucceeded')], 'T'), { ...req, force: true }, 'ready'],
  ])('%s: %s', (_what, obj, request, state) => {
    expect(judge(obj as Managed, request).state).toBe(state);
  });

  it('waits while the generation is not observed', () => {
    const hr = handled('T', [ready('True', 'InstallSucceeded')]);
    hr.metadata.generation = 2;
    expect(judge(hr as Managed, req)).toEqual({ state: 'waiting', why: 'generation 2 not observed yet' });
  });

  it('a distro awaiting approval is a failure that names it', () => {
    const d = aDistroAwaitingApproval('shop', 'team');
    d.status!.lastHandledReconcileAt = 'T';
    expect(judge(d as Managed, { target: 'distro', token: 'T', force: true })).toMatchObject({ state: 'failed', why: expect.stringMatching(/^Stalled=True AwaitingApproval: plan sha256:/) as unknown });
  });
});

describe('maglev reconcile', () => {
  it('sets the annotations and, with --wait, follows the conditions until Ready at the request', async () => {
    cluster.put(aRelease('web', 'team'));
    let reads = 0;
    cluster.beforeGet = (obj) => {
      const token = obj.metadata.annotations?.['maglev.io/reconcile-requested-at'];
      if (token === undefined) return;
      reads++;
      // The operator picks the request up, upgrades for a few reads, then is Ready.
      if (reads === 2) Object.assign(obj.status!, { lastHandledReconcileAt: token, conditions: [{ type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'upgrading', observedGeneration: 1, lastTransitionTime: at }, { ...ready('Unknown', 'Progressing'), message: 'upgrading' }] });
      if (reads === 4) Object.assign(obj.status!, { lastHandledForceAt: token, releaseRevision: 2, conditions: [{ ...ready('True', 'UpgradeSucceeded'), message: 'Helm upgrade succeeded' }] });
    };
    const before = cluster.patches().length;
    const r = await capture((a, io) => run(a, io, 10), ['release', 'web', '--force', '--wait', '--timeout', '10s', '--kubeconfig', cluster.kubeconfig]);
    cluster.beforeGet = undefined;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const [patch] = cluster.patches().slice(before);
    const annotations = (patch?.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations;
    const token = annotations['maglev.io/reconcile-requested-at'] ?? '';
    expect(annotations).toEqual({ 'maglev.io/reconcile-requested-at': token, 'maglev.io/force-at': token });
    expect(patch?.key).toBe('helmreleases/team/web');
    expect(r.out.split('\n')).toEqual([
      `HelmRelease team/web: requested a forced reconcile (maglev.io/reconcile-requested-at=${token})`,
      'Ready=True (InstallSucceeded): Helm install succeeded for release podinfo-6.5.0',
      'Reconciling=True (Progressing), Ready=Unknown (Progressing): upgrading',
      'Ready=True (UpgradeSucceeded): Helm upgrade succeeded',
      'ready: Ready=True UpgradeSucceeded: Helm upgrade succeeded',
      '',
    ]);
  });

  it('exits 1 on a failure and on the timeout, and refuses a suspended object', async () => {
    cluster.put(aRelease('bad', 'team'));
    cluster.afterPatch = (obj) => {
      obj.status!.lastHandledReconcileAt = obj.metadata.annotations?.['maglev.io/reconcile-requested-at'];
      obj.status!.conditions = [ready('False', 'ChartFetchFailed')];
    };
    const failed = await capture((a, io) => run(a, io, 10), ['release', 'bad', '--wait', '--kubeconfig', cluster.kubeconfig]);
    expect(failed).toMatchObject({ code: 1, err: 'failed: Ready=False ChartFetchFailed: ChartFetchFailed message\n' });
    cluster.afterPatch = undefined;
    cluster.put(aRelease('slow', 'team'));
    const slow = await capture((a, io) => run(a, io, 10), ['release', 'slow', '--wait', '--timeout', '100ms', '--kubeconfig', cluster.kubeconfig]);
    expect(slow).toMatchObject({ code: 1, err: 'timed out after 0.1s: the operator has not handled the request yet\n' });
    const held = aRelease('held', 'team');
    held.spec.suspend = true;
    cluster.put(held);
    const before = cluster.patches().length;
    const refused = await capture(run, ['release', 'held', '--kubeconfig', cluster.kubeconfig]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('HelmRelease team/held is suspended (spec.suspend)');
    expect(cluster.patches().length).toBe(before);
  });

  it('exits 2 for usage errors', async () => {
    for (const argv of [['release'], ['pods', 'x'], ['release', 'web', '--timeout', 'soon'], ['release', 'web', '--bogus']]) {
      expect((await capture(run, [...argv, '--kubeconfig', cluster.kubeconfig])).code, argv.join(' ')).toBe(2);
    }
  });
});

describe('maglev suspend and resume', () => {
  it('set and clear spec.suspend on a release and spec.paused on a distro', async () => {
    cluster.put(aRelease('web', 'team'));
    cluster.put(aDistroAwaitingApproval('shop', 'team'));
    const before = cluster.patches().length;
    const out: string[] = [];
    for (const [fn, argv] of [[suspend, ['release', 'web']], [resume, ['release', 'web']], [suspend, ['distro', 'shop']], [resume, ['distro', 'shop']]] as const) {
      const r = await capture(fn, [...argv, '--kubeconfig', cluster.kubeconfig]);
      expect(r.code).toBe(0);
      out.push(r.out);
    }
    expect(cluster.patches().slice(before)).toEqual([
      { key: 'helmreleases/team/web', body: { spec: { suspend: true } } },
      { key: 'helmreleases/team/web', body: { spec: { suspend: null } } },
      { key: 'maglevdistros/team/shop', body: { spec: { paused: true } } },
      { key: 'maglevdistros/team/shop', body: { spec: { paused: null } } },
    ]);
    expect(out).toEqual([
      'HelmRelease team/web suspended (spec.suspend: true)\n',
      'HelmRelease team/web resumed (spec.suspend removed)\n',
      'MaglevDistro team/shop suspended (spec.paused: true)\n',
      'MaglevDistro team/shop resumed (spec.paused removed)\n',
    ]);
    expect(cluster.objects.get('maglevdistros/team/shop')?.spec).not.toHaveProperty('paused');
    expect(await capture(suspend, ['release', 'nope', '--kubeconfig', cluster.kubeconfig])).toMatchObject({ code: 1, err: 'maglev suspend: HelmRelease team/nope not found\n' });
    expect((await capture(resume, ['web', '--kubeconfig', cluster.kubeconfig])).code).toBe(2);
  });
});
