import { describe, expect, it } from 'vitest';
import { DISTRO_FINALIZER } from '../constants.js';
import type { MaglevDistroSpec } from '../crds/index.js';
import { comp, distro } from './testing/builders.js';
import { DistroWorld } from './testing/world.js';

const components = [
  comp('pki', '1.0.0', { class: 'core' }),
  comp('db', '1.0.0', { dependsOn: ['pki'], class: 'stateful', upgradePolicy: 'Manual' }),
  comp('cache', '1.0.0', { dependsOn: ['pki'], class: 'stateless' }),
  comp('web', '1.0.0', { dependsOn: ['db', 'cache'], class: 'stateless' }),
];

/** Reconciles, settles every child the distro just changed, and repeats until nothing moves. */
async function converge(w: DistroWorld, outcome: (component: string) => 'ready' | 'fail' = () => 'ready', max = 20): Promise<string[]> {
  const order: string[] = [];
  for (let i = 0; i < max; i += 1) {
    await w.reconcile();
    const moved = w.children().filter((c) => c.status?.observedGeneration !== c.metadata.generation && c.metadata.deletionTimestamp === undefined);
    const deleting = w.deleting();
    if (moved.length === 0 && deleting.length === 0) return order;
    for (const c of moved) {
      const name = c.metadata.labels?.['maglev.io/component'] ?? '';
      order.push(name);
      w.settle(name, outcome(name));
    }
    for (const name of deleting) {
      order.push(`-${name}`);
      w.uninstalled(name);
    }
  }
  return order;
}

async function installed(spec: Partial<MaglevDistroSpec> = {}): Promise<DistroWorld> {
  const w = new DistroWorld(distro(components, spec));
  await converge(w);
  expect(w.condition('Ready')?.status).toBe('True');
  return w;
}

function setVersion(spec: Record<string, unknown>, name: string, version: string): void {
  const list = spec.components as { name: string; chart: { version: string } }[];
  const c = list.find((x) => x.name === name);
  if (c !== undefined) c.chart = { ...c.chart, version };
}

describe('distro driver: install', () => {
  it('installs level by level, records revision 1, and then reconciles with no write', async () => {
    const w = new DistroWorld(distro(components));
    await w.reconcile();
    expect(w.distro().metadata.finalizers).toEqual([DISTRO_FINALIZER]);
    expect(w.children().map((c) => c.metadata.name)).toEqual(['d-pki']);
    expect(w.distro().status?.plan?.steps?.map((s) => `${s.component}:${s.action}:${s.level}`)).toEqual(['pki:install:0', 'cache:install:1', 'db:install:1', 'web:install:2']);
    expect(w.phases()).toEqual(['pki=Installing', 'cache=Pending', 'db=Pending', 'web=Pending']);
    const order = await converge(w);
    expect(order).toEqual(['pki', 'cache', 'db', 'web']);
    const st = w.distro().status;
    expect(st?.revision).toBe(1);
    expect(st?.version).toBe('1.0.0');
    expect(st?.history?.[0]).toMatchObject({ revision: 1, status: 'deployed', version: '1.0.0' });
    expect(st?.plan?.steps?.every((s) => s.action === 'none')).toBe(true);
    expect(w.phases()).toEqual(['pki=Ready', 'cache=Ready', 'db=Ready', 'web=Ready']);
    expect(w.secrets.calls.filter((c) => c.startsWith('create'))).toEqual(['create ns/maglev.distro.v1.d.v1']);
    const child = w.child('db');
    expect(child?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'MaglevDistro', name: 'd', uid: 'uid-d', controller: true });
    expect(child?.metadata.labels).toMatchObject({ 'maglev.io/distro': 'd', 'maglev.io/component': 'db' });
    expect(child?.spec.targetNamespace).toBe('ns');
    w.objects.writes.length = 0;
    w.secrets.calls.length = 0;
    const before = w.distro().status;
    await w.reconcile();
    expect(w.distro().status).toEqual(before);
    expect(w.objects.writes).toEqual([]);
    expect(w.secrets.calls.filter((c) => !c.startsWith('list'))).toEqual([]);
  });

  it('changes at most maxParallel components of a level at once', async () => {
    const w = new DistroWorld(distro(components, { upgrade: { maxParallel: 1 } }));
    await w.reconcile();
    w.settle('pki');
    await w.reconcile();
    expect(w.children().map((c) => c.metadata.name).sort()).toEqual(['d-cache', 'd-pki']);
    const two = new DistroWorld(distro(components, { upgrade: { maxParallel: 2 } }));
    await two.reconcile();
    two.settle('pki');
    await two.reconcile();
    expect(two.children().map((c) => c.metadata.name).sort()).toEqual(['d-cache', 'd-db', 'd-pki']);
  });

  it('merges the distro values under the component values, and puts a hand-edited child back', async () => {
    const w = new DistroWorld(distro([{ ...components[0]!, values: { global: { b: 2 }, x: 1 } }], { values: { global: { a: 1, b: 1 } } }));
    await converge(w);
    expect(w.child('pki')?.spec.values).toEqual({ global: { a: 1, b: 2 }, x: 1 });
    w.objects.updateSpec('HelmRelease', 'ns', 'd-pki', (s) => {
      s.values = { x: 99 };
      s.suspend = true;
    });
    await w.reconcile();
    expect(w.child('pki')?.spec.values).toEqual({ global: { a: 1, b: 2 }, x: 1 });
    expect(w.child('pki')?.spec.suspend).toBeUndefined();
  });
});

describe('distro driver: upgrade, approval, rollback', () => {
  it('waits for approval of the exact plan before changing a Manual component, then goes in order', async () => {
    const w = await installed();
    w.edit((s) => {
      setVersion(s, 'db', '1.1.0');
      setVersion(s, 'web', '1.1.0');
    });
    w.objects.writes.length = 0;
    await w.reconcile();
    const plan = w.distro().status?.plan;
    expect(plan?.steps?.filter((s) => s.action !== 'none').map((s) => `${s.component}:${s.action}:${s.from}->${s.to}`)).toEqual(['db:upgrade:1.0.0->1.1.0', 'web:upgrade:1.0.0->1.1.0']);
    expect(w.condition('AwaitingApproval')).toMatchObject({ status: 'True' });
    expect(w.condition('AwaitingApproval')?.message).toContain(`kubectl patch maglevdistro d -n ns --type merge -p '{"spec":{"approvedPlan":"${plan?.id ?? ''}"}}'`);
    expect(w.condition('Stalled')?.reason).toBe('AwaitingApproval');
    expect(w.phases()).toContain('db=AwaitingApproval');
    expect(w.objects.writes.filter((x) => x.includes('HelmRelease'))).toEqual([]);
    w.edit((s) => {
      s.approvedPlan = plan?.id;
    });
    const order = await converge(w);
    expect(order).toEqual(['db', 'web']);
    expect(w.distro().status).toMatchObject({ revision: 2, version: '1.0.0' });
    expect(w.distro().status?.history?.map((h) => `${h.revision}:${h.status}`)).toEqual(['2:deployed', '1:superseded']);
    expect(w.condition('AwaitingApproval')?.status).toBe('False');
  });

  it('a spec change after approval needs a new approval', async () => {
    const w = await installed();
    w.edit((s) => setVersion(s, 'db', '1.1.0'));
    await w.reconcile();
    const first = w.distro().status?.plan?.id;
    w.edit((s) => {
      s.approvedPlan = first;
      setVersion(s, 'db', '1.2.0');
    });
    await w.reconcile();
    expect(w.distro().status?.plan?.id).not.toBe(first);
    expect(w.condition('AwaitingApproval')?.status).toBe('True');
    expect(w.child('db')?.spec.chart.version).toBe('1.0.0');
  });

  it('downgrades and removals run dependents first', async () => {
    const w = await installed();
    w.edit((s) => {
      setVersion(s, 'pki', '0.9.0');
      setVersion(s, 'cache', '0.9.0');
      s.components = (s.components as { name: string }[]).filter((c) => c.name !== 'web');
    });
    const order = await converge(w);
    expect(order).toEqual(['-web', 'cache', 'pki']);
    expect(w.distro().status?.components?.map((c) => c.name)).toEqual(['pki', 'cache', 'db']);
  });

  it('a failed upgrade rolls every changed component back in reverse order and is not retried until forced', async () => {
    const w = await installed();
    w.edit((s) => {
      setVersion(s, 'pki', '1.1.0');
      setVersion(s, 'cache', '1.1.0');
      setVersion(s, 'web', '1.1.0');
    });
    const order = await converge(w, (name) => (name === 'web' && w.child('web')?.spec.chart.version === '1.1.0' ? 'fail' : 'ready'));
    expect(order).toEqual(['pki', 'cache', 'web', 'web', 'cache', 'pki']);
    expect(['pki', 'cache', 'web'].map((c) => w.child(c)?.spec.chart.version)).toEqual(['1.0.0', '1.0.0', '1.0.0']);
    const st = w.distro().status;
    expect(w.condition('RolledBack')).toMatchObject({ status: 'True' });
    expect(w.condition('RolledBack')?.message).toContain('component web failed: UpgradeFailed: boom');
    expect(w.condition('Ready')?.status).toBe('False');
    expect(st?.version).toBe('1.0.0');
    expect(st?.history?.map((h) => `${h.revision}:${h.status}`)).toEqual(['2:rolled-back', '1:deployed']);
    expect(st?.attempt).toBeUndefined();
    expect(w.events.map((e) => e.reason)).toContain('DistroRolledBack');
    w.objects.writes.length = 0;
    await w.reconcile();
    expect(w.objects.writes.filter((x) => x.includes('HelmRelease'))).toEqual([]);
    w.objects.updateMeta('MaglevDistro', 'ns', 'd', { annotations: { 'maglev.io/force-at': 'one' } });
    await w.reconcile();
    expect(w.child('pki')?.spec.chart.version).toBe('1.1.0');
  });

  it('with onFailure halt, stops at the failed component', async () => {
    const w = await installed({ upgrade: { onFailure: 'halt' } });
    w.edit((s) => {
      setVersion(s, 'pki', '1.1.0');
      setVersion(s, 'web', '1.1.0');
    });
    await converge(w, (name) => (name === 'pki' ? 'fail' : 'ready'));
    expect(w.child('pki')?.spec.chart.version).toBe('1.1.0');
    expect(w.child('web')?.spec.chart.version).toBe('1.0.0');
    expect(w.condition('Ready')).toMatchObject({ status: 'False', reason: 'ComponentFailed' });
    expect(w.condition('Ready')?.message).toContain('component pki');
    expect(w.distro().status?.history?.[0]?.status).toBe('failed');
  });

  it('fails a step that is not Ready within its timeout', async () => {
    const w = await installed();
    w.edit((s) => setVersion(s, 'pki', '1.1.0'));
    const result = await w.reconcile();
    expect(result.requeueAfterMs).toBeGreaterThan(299_000);
    w.now += 301_000;
    await w.reconcile();
    expect(w.distro().status?.attempt).toMatchObject({ phase: 'RollingBack', failed: 'pki' });
    expect(w.child('pki')?.spec.chart.version).toBe('1.0.0');
  });
});

describe('distro driver: slices, pause, removal, history', () => {
  it('spec.selector changes only the selected components; paused changes nothing', async () => {
    const w = await installed();
    w.edit((s) => {
      s.selector = { matchLabels: { 'maglev.io/class': 'stateless' } };
      setVersion(s, 'pki', '1.1.0');
      setVersion(s, 'web', '1.1.0');
    });
    await converge(w);
    expect(w.child('pki')?.spec.chart.version).toBe('1.0.0');
    expect(w.child('web')?.spec.chart.version).toBe('1.1.0');
    expect(w.distro().status?.components?.find((c) => c.name === 'pki')?.message).toContain('not selected by spec.selector');
    w.edit((s) => {
      s.paused = true;
      setVersion(s, 'web', '1.2.0');
    });
    w.objects.writes.length = 0;
    await w.reconcile();
    expect(w.objects.writes.filter((x) => x.includes('HelmRelease'))).toEqual([]);
    expect(w.condition('Ready')?.reason).toBe('Paused');
    expect(w.distro().status?.plan?.steps?.find((s) => s.component === 'web')?.to).toBe('1.2.0');
  });

  it('deleting the distro removes children in reverse order, then its records, then the finalizer', async () => {
    const w = await installed();
    w.objects.requestDelete('MaglevDistro', 'ns', 'd');
    const order = await converge(w);
    expect(order).toEqual(['-web', '-cache', '-db', '-pki']);
    await w.reconcile();
    expect(w.objects.peek('MaglevDistro', 'ns', 'd')).toBeUndefined();
    expect(await w.secrets.list('ns', {})).toEqual([]);
  });

  it('rebuilds status.history from the records after the status is lost, and plans from them', async () => {
    const w = await installed();
    const obj = w.objects.peek('MaglevDistro', 'ns', 'd');
    if (obj !== undefined) delete obj.status;
    w.restart();
    w.objects.writes.length = 0;
    await w.reconcile();
    expect(w.distro().status?.history?.[0]).toMatchObject({ revision: 1, status: 'deployed' });
    expect(w.distro().status?.plan?.steps?.every((s) => s.action === 'none')).toBe(true);
    expect(w.objects.writes.filter((x) => x.includes('HelmRelease'))).toEqual([]);
  });

  it('refuses a child name taken by a HelmRelease it does not control', async () => {
    const w = new DistroWorld(distro([components[0]!]));
    w.objects.put({ apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name: 'd-pki', namespace: 'ns' }, spec: { chart: {} } });
    await w.reconcile().catch(() => undefined);
    expect(w.condition('Stalled')).toMatchObject({ status: 'True', reason: 'ChildConflict' });
  });
});
