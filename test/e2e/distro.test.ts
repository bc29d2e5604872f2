/**
 * MaglevDistro end to end: the real operator process against the run's API server, charts from a Helm
 * repository served by this test process. Orders are asserted from what the cluster recorded: when the
 * distro changed each child (its maglev.io/changed-at annotation) against when its dependencies turned
 * Ready, and when children were deleted and gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaglevDistro } from '../../src/crds/index.js';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import { publishFixtures } from './fixtures.js';
import { metricValue, operatorPorts, scrape, startOperator, testNamespace, type OperatorProcess } from './harness.js';
import { changedAt, childReady, children, createDistro, deleteDistro, distroCondition, getDistro, patchDistro, snapshots, waitDistro, type Snapshot, waitDistroReady, watchRemovals } from './distros.js';
import { helmJson } from './releases.js';

let repo: ChartRepo;
beforeAll(async () => {
  repo = await startChartRepo();
  await publishFixtures(repo);
});
afterAll(async () => repo.close());

/** The operator of one test (stopped after it). */
function operator(): OperatorProcess {
  return startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--concurrency', '4']);
}

function chart(name: string, version: string): Record<string, unknown> {
  return { repository: repo.url, name, version };
}

/** pki (hook Jobs) ← db (Manual) and cache ← web: four components on three levels. */
function components(versions: Partial<Record<'db' | 'cache' | 'web', string>> = {}, extra: Record<string, Record<string, unknown>> = {}): Record<string, unknown>[] {
  return [
    { name: 'pki', class: 'core', chart: chart('hookapp', '1.0.0'), ...extra.pki },
    { name: 'db', class: 'stateful', upgradePolicy: 'Manual', dependsOn: ['pki'], chart: chart('ejsapp', versions.db ?? '1.0.0'), ...extra.db },
    { name: 'cache', class: 'stateless', dependsOn: ['pki'], chart: chart('ejsapp', versions.cache ?? '1.0.0'), ...extra.cache },
    { name: 'web', class: 'stateless', dependsOn: ['db', 'cache'], chart: chart('ejsapp', versions.web ?? '1.0.0'), release: { timeout: '20s' }, ...extra.web },
  ];
}

const DEPS: Record<string, string[]> = { pki: [], db: ['pki'], cache: ['pki'], web: ['db', 'cache'] };

/** Requests that change the cluster (dry runs excluded). */
const writes = (page: string): number =>
  ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((n, verb) => n + metricValue(page, 'maglev_api_requests_total', { verb, dry_run: 'false' }), 0);

/** In every snapshot, a child that exists has every dependency Ready: none was installed before them. */
function assertDependencyOrder(seen: Snapshot[]): void {
  const violations: string[] = [];
  seen.forEach((kids, i) => {
    for (const [name, deps] of Object.entries(DEPS)) {
      if (!kids.has(name)) continue;
      for (const dep of deps) if (!childReady(kids.get(dep))) violations.push(`snapshot ${i}: ${name} exists while ${dep} is not Ready`);
    }
  });
  expect(violations).toEqual([]);
  expect(seen.length).toBeGreaterThan(5);
}

/** In every snapshot where `child` is at `version`, `dep` is Ready at `depVersion`. */
function assertAfter(seen: Snapshot[], child: string, version: string, dep: string, depVersion: string): void {
  const bad = seen.filter((kids) => kids.get(child)?.spec.chart.version === version && !(childReady(kids.get(dep)) && kids.get(dep)?.status?.chartVersion === depVersion));
  expect(bad.length, `${child}@${version} before ${dep} Ready@${depVersion}`).toBe(0);
  expect(seen.some((kids) => kids.get(child)?.spec.chart.version === version)).toBe(true);
}

function steps(d: MaglevDistro): string[] {
  return (d.status?.plan?.steps ?? []).filter((s) => s.action !== 'none').map((s) => `${s.component}:${s.action}:${s.from ?? ''}->${s.to ?? ''}`);
}

describe('MaglevDistro', () => {
  it('installs in dependency order, waits for approval of a plan touching a Manual component, downgrades dependents first, removes and deletes in reverse order', async () => {
    const ns = await testNamespace('distro');
    const { metrics } = await operatorPorts(operator());
    await createDistro(ns, 'shop', { version: '1.0.0', upgrade: { maxParallel: 2 }, values: { message: 'shared' }, components: components() });
    const install = await snapshots(ns, 'shop', waitDistroReady(ns, 'shop', 'True', 'Succeeded', 120_000));
    let d = (await getDistro(ns, 'shop'))!;
    expect(d.status).toMatchObject({ version: '1.0.0', revision: 1 });
    expect(d.status?.history?.[0]).toMatchObject({ revision: 1, status: 'deployed', version: '1.0.0' });
    expect(d.metadata.finalizers).toContain('maglev.io/distro');
    let kids = await children(ns, 'shop');
    expect([...kids.keys()].sort()).toEqual(['cache', 'db', 'pki', 'web']);
    assertDependencyOrder(install);
    // maxParallel 2: db and cache (one level) were started together, before either was Ready.
    expect(Math.abs(changedAt(kids.get('db')) - changedAt(kids.get('cache')))).toBeLessThan(1_000);
    expect(install.some((k) => k.has('db') && k.has('cache') && !childReady(k.get('db')) && !childReady(k.get('cache')))).toBe(true);
    // A child turning Ready wakes the distro: the next level starts within 1 s of its last dependency being seen Ready.
    for (const [name, deps] of Object.entries(DEPS)) {
      if (deps.length === 0) continue;
      const lastReady = Math.max(...deps.map((dep) => install.find((k) => childReady(k.get(dep)))?.at ?? NaN));
      expect(changedAt(kids.get(name)) - lastReady, `${name} started after ${deps.join(', ')}`).toBeLessThan(1_000);
    }
    // In sync: no write request at all.
    const idle = writes(await scrape(metrics));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(writes(await scrape(metrics)) - idle).toBe(0);
    expect(kids.get('db')?.spec.values).toEqual({ message: 'shared' });
    expect(kids.get('db')?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'MaglevDistro', name: 'shop', controller: true });

    // An upgrade of the Manual db and of web: the plan is shown and nothing changes before approval.
    d = await patchDistro(ns, 'shop', { spec: { version: '1.1.0', components: components({ db: '1.1.0', web: '1.1.0' }) } });
    d = await waitDistro(ns, 'shop', 'AwaitingApproval', (x) => distroCondition(x, 'AwaitingApproval')?.status === 'True');
    expect(steps(d)).toEqual(['db:upgrade:1.0.0->1.1.0', 'web:upgrade:1.0.0->1.1.0']);
    const planId = d.status?.plan?.id ?? '';
    expect(distroCondition(d, 'AwaitingApproval')?.message).toContain(`"approvedPlan":"${planId}"`);
    expect(d.status?.components?.find((c) => c.name === 'db')?.phase).toBe('AwaitingApproval');
    await new Promise((r) => setTimeout(r, 1_500));
    kids = await children(ns, 'shop');
    expect([kids.get('db')?.spec.chart.version, kids.get('web')?.spec.chart.version]).toEqual(['1.0.0', '1.0.0']);
    await patchDistro(ns, 'shop', { spec: { approvedPlan: planId } });
    const upgrade = await snapshots(ns, 'shop', waitDistro(ns, 'shop', 'revision 2 deployed', (x) => x.status?.revision === 2 && distroCondition(x, 'Ready')?.status === 'True', 120_000));
    d = (await getDistro(ns, 'shop'))!;
    expect(d.status?.version).toBe('1.1.0');
    assertAfter(upgrade, 'web', '1.1.0', 'db', '1.1.0');

    // A downgrade of both: web first, then db (approved again: a new plan).
    await patchDistro(ns, 'shop', { spec: { version: '1.0.1', components: components() } });
    d = await waitDistro(ns, 'shop', 'AwaitingApproval', (x) => distroCondition(x, 'AwaitingApproval')?.status === 'True');
    expect(steps(d)).toEqual(['db:downgrade:1.1.0->1.0.0', 'web:downgrade:1.1.0->1.0.0']);
    await patchDistro(ns, 'shop', { spec: { approvedPlan: d.status?.plan?.id } });
    const downgrade = await snapshots(ns, 'shop', waitDistro(ns, 'shop', 'revision 3 deployed', (x) => x.status?.revision === 3 && distroCondition(x, 'Ready')?.status === 'True', 120_000));
    assertAfter(downgrade, 'db', '1.0.0', 'web', '1.0.0');

    // Removing cache and web (Automatic): web goes before cache; then deleting the distro: db before pki.
    const removed = watchRemovals(ns, 'shop', waitDistro(ns, 'shop', 'revision 4', (x) => x.status?.revision === 4, 120_000));
    await patchDistro(ns, 'shop', { spec: { components: components().filter((c) => c.name === 'pki' || c.name === 'db') } });
    const gone = await removed;
    expect(gone.get('web')?.[1]).toBeLessThanOrEqual(gone.get('cache')?.[0] ?? 0);
    const deleted = watchRemovals(ns, 'shop', (async () => {
      await deleteDistro(ns, 'shop');
      await waitForGone(ns, 'shop');
    })());
    const order = await deleted;
    expect(order.get('db')?.[1]).toBeLessThanOrEqual(order.get('pki')?.[0] ?? 0);
    expect((await children(ns, 'shop')).size).toBe(0);
    const records = await helmJson<unknown[]>(['list', '-n', ns, '--all']);
    expect(records).toEqual([]);
  }, 300_000);

  it('a failed upgrade rolls the changed components back in reverse order; helm history of each child agrees', async () => {
    const ns = await testNamespace('distro-rb');
    operator();
    await createDistro(ns, 'shop', { version: '1.0.0', components: components() });
    await waitDistroReady(ns, 'shop', 'True', 'Succeeded', 120_000);
    // cache moves to 1.1.0 (fine), then web's new Deployment never becomes ready within its 20 s timeout.
    await patchDistro(ns, 'shop', { spec: { version: '1.1.0', components: components({ cache: '1.1.0', web: '1.1.0' }, { web: { values: { hang: true } } }) } });
    const seen = await snapshots(ns, 'shop', waitDistro(ns, 'shop', 'RolledBack', (x) => distroCondition(x, 'RolledBack')?.status === 'True', 150_000));
    const d = (await getDistro(ns, 'shop'))!;
    // Forward, web changed only after cache was Ready at 1.1.0; back, cache returned only after web was Ready at 1.0.0.
    assertAfter(seen, 'web', '1.1.0', 'cache', '1.1.0');
    const firstBack = seen.findIndex((k, i) => i > 0 && k.get('cache')?.spec.chart.version === '1.0.0' && seen[i - 1]?.get('cache')?.spec.chart.version === '1.1.0');
    expect(firstBack).toBeGreaterThan(0);
    const webBack = seen[firstBack]?.get('web');
    expect([webBack?.spec.chart.version, webBack?.status?.chartVersion, childReady(webBack)]).toEqual(['1.0.0', '1.0.0', true]);
    expect(distroCondition(d, 'RolledBack')?.message).toContain('component web failed');
    expect(distroCondition(d, 'Ready')).toMatchObject({ status: 'False', reason: 'RolledBack' });
    expect(d.status?.version).toBe('1.0.0');
    expect(d.status?.history?.map((h) => `${h.revision}:${h.status}:${h.version}`)).toEqual(['2:rolled-back:1.1.0', '1:deployed:1.0.0']);
    const kids = await children(ns, 'shop');
    for (const name of ['cache', 'web']) {
      const hr = kids.get(name);
      expect(hr?.spec.chart.version).toBe('1.0.0');
      expect(hr?.status?.chartVersion).toBe('1.0.0');
      const history = await helmJson<{ revision: number; status: string; chart: string }[]>(['history', `shop-${name}`, '-n', ns]);
      expect(history.at(-1)).toMatchObject({ revision: hr?.status?.releaseRevision, status: 'deployed', chart: 'ejsapp-1.0.0' });
      expect(history.map((h) => h.chart)).toEqual(['ejsapp-1.0.0', 'ejsapp-1.1.0', 'ejsapp-1.0.0']);
    }
    expect((await helmJson<{ status: string }[]>(['history', 'shop-web', '-n', ns])).map((h) => h.status)).toEqual(['superseded', 'failed', 'deployed']);
    // The same spec is not tried again.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await children(ns, 'shop')).get('web')?.spec.chart.version).toBe('1.0.0');
    await removeAll(ns, ['shop']);
  }, 240_000);

  it('selector changes only the selected components; paused changes nothing; a cycle or a disabled dependency stalls with no child', async () => {
    const ns = await testNamespace('distro-slice');
    operator();
    await createDistro(ns, 'shop', { version: '1.0.0', components: components() });
    await waitDistroReady(ns, 'shop', 'True', 'Succeeded', 120_000);
    await patchDistro(ns, 'shop', { spec: { selector: { matchLabels: { 'maglev.io/component': 'cache' } }, components: components({ cache: '1.1.0', web: '1.1.0' }) } });
    let d = await waitDistro(ns, 'shop', 'revision 2', (x) => x.status?.revision === 2, 90_000);
    let kids = await children(ns, 'shop');
    expect([kids.get('cache')?.spec.chart.version, kids.get('web')?.spec.chart.version]).toEqual(['1.1.0', '1.0.0']);
    expect(d.status?.components?.find((c) => c.name === 'web')?.message).toContain('not selected');
    await patchDistro(ns, 'shop', { spec: { selector: null, paused: true } });
    d = await waitDistroReady(ns, 'shop', 'True', 'Paused');
    expect(steps(d)).toEqual(['web:upgrade:1.0.0->1.1.0']);
    await new Promise((r) => setTimeout(r, 1_000));
    kids = await children(ns, 'shop');
    expect(kids.get('web')?.spec.chart.version).toBe('1.0.0');

    // maxParallel 1: db and cache (one level) change one after the other.
    await createDistro(ns, 'serial', { version: '1.0.0', upgrade: { maxParallel: 1 }, components: components().filter((c) => c.name !== 'web').map((c) => ({ ...c, upgradePolicy: 'Automatic' })) });
    const serial = await snapshots(ns, 'serial', waitDistroReady(ns, 'serial', 'True', 'Succeeded', 120_000));
    expect(serial.filter((k) => ['db', 'cache'].filter((n) => k.has(n) && !childReady(k.get(n))).length > 1)).toEqual([]);
    const s0 = (await children(ns, 'serial'));
    expect(Math.abs(changedAt(s0.get('db')) - changedAt(s0.get('cache')))).toBeGreaterThan(0);

    await createDistro(ns, 'loop', { version: '1.0.0', components: [
      { name: 'a', dependsOn: ['b'], chart: chart('ejsapp', '1.0.0') },
      { name: 'b', dependsOn: ['a'], chart: chart('ejsapp', '1.0.0') },
    ] });
    await createDistro(ns, 'off', { version: '1.0.0', components: [
      { name: 'a', dependsOn: ['b'], chart: chart('ejsapp', '1.0.0') },
      { name: 'b', enabled: false, chart: chart('ejsapp', '1.0.0') },
    ] });
    const loop = await waitDistroReady(ns, 'loop', 'False', 'InvalidSpec');
    expect(distroCondition(loop, 'Stalled')?.message).toMatch(/dependency cycle: (a -> b -> a|b -> a -> b)/);
    const off = await waitDistroReady(ns, 'off', 'False', 'InvalidSpec');
    expect(distroCondition(off, 'Stalled')?.message).toContain('"b" is disabled');
    expect((await children(ns, 'loop')).size + (await children(ns, 'off')).size).toBe(0);
    await removeAll(ns, ['shop', 'serial', 'loop', 'off']);
  }, 240_000);
});

/** Deletes the distros and waits until they and their children are gone, while this test's operator runs. */
async function removeAll(ns: string, names: string[]): Promise<void> {
  for (const name of names) await deleteDistro(ns, name);
  for (const name of names) await waitForGone(ns, name);
}

async function waitForGone(ns: string, name: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if ((await getDistro(ns, name)) === undefined) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`MaglevDistro ${ns}/${name} was not deleted`);
}
