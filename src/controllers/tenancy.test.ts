/**
 * A tenant release (serviceAccountName, or the operator's default ServiceAccount) reading HelmReleases of another
 * namespace: its dependsOn entries and the owner of a claimed release. Through the real reconciler, driver,
 * AccessReviews and release storage over the in-memory fakes, whose small RBAC policy (`FakeObjects.denies`)
 * answers both reads sent as the tenant and SubjectAccessReviews.
 */
import { describe, expect, it } from 'vitest';
import type { HelmRelease } from '../crds/index.js';
import { releaseDriver } from '../release/reconcile/driver.js';
import { ReleaseStorage } from '../release/storage.js';
import { driverWorld, HR, type DriverWorld } from '../release/testing/fake-driver.js';
import { AccessReviews } from '../runtime/access.js';
import type { Condition } from '../runtime/conditions.js';
import type { Result } from '../runtime/reconcile.js';
import { memoryLogger } from '../runtime/testing/logger.js';
import { helmReleaseReconciler } from './helmrelease.js';

const DEPLOYER = 'system:serviceaccount:apps:deployer';

/** HelmRelease `ns/name`, reconciled at its generation, with Ready `ready`. */
function putRelease(w: DriverWorld, ns: string, name: string, ready: 'True' | 'False', uid = `uid-${ns}-${name}`): void {
  w.objects.put({
    apiVersion: 'maglev.io/v1alpha1',
    kind: 'HelmRelease',
    metadata: { name, namespace: ns, uid, generation: 1 },
    spec: { chart: { repository: 'https://charts.example.com', name, version: '*' } },
    status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: ready, reason: ready === 'True' ? 'InstallSucceeded' : 'InstallFailed', message: 'm', lastTransitionTime: '2025-01-01T00:00:00Z' }] },
  });
}

/**
 * A world wired as main wires it: the driver reads HelmReleases from a cache (here: the fake store, minus the
 * namespaces `unwatched`, as under --watch-namespace) and asks AccessReviews (over the fake authorizer).
 */
function tenantWorld(spec: Parameters<typeof driverWorld>[0], opts: Parameters<typeof driverWorld>[1] & { unwatched?: string[] } = {}): DriverWorld {
  const w = driverWorld(spec, opts);
  w.deps.releases = {
    get: (ns, name) => (opts.unwatched?.includes(ns) === true ? undefined : (structuredClone(w.objects.peek('HelmRelease', ns, name)) as unknown as HelmRelease | undefined)),
  };
  w.deps.access = new AccessReviews(w.objects.accessApi(), { now: () => w.cluster.clock.now() });
  w.deps.dependencyRequeueMs = 5 * 60_000;
  return w;
}

async function reconcile(w: DriverWorld): Promise<{ result?: Result; error?: unknown }> {
  const reconciler = helmReleaseReconciler({
    cache: { get: (ns, name) => structuredClone(w.objects.peek('HelmRelease', ns, name)) as unknown as HelmRelease | undefined, list: () => [], hasSynced: () => true },
    client: w.objects,
    events: w.deps.events,
    readiness: { set: () => undefined, remove: () => undefined },
    drive: releaseDriver(w.deps),
  });
  try {
    return { result: await reconciler(HR, { log: memoryLogger().logger, signal: new AbortController().signal, actsOn: () => {} }) };
  } catch (error) {
    return { error };
  }
}

function ready(w: DriverWorld): Condition | undefined {
  return w.hr().status?.conditions?.find((c) => c.type === 'Ready');
}

/** What changed the cluster: object writes but status, record writes, applies, hooks. */
function changes(w: DriverWorld): string[] {
  return [
    ...w.objects.writes.filter((x) => !x.endsWith('/status')),
    ...w.cluster.store.calls.filter((c) => !c.startsWith('list')),
    ...w.cluster.applier.callsOf('apply'),
    ...w.cluster.hooks.calls,
  ];
}

describe('dependsOn across namespaces, as the tenant', () => {
  it('denied: waits with DependencyNotReady naming the dependency and the ServiceAccount, shows none of its state, applies nothing', async () => {
    const w = tenantWorld({ serviceAccountName: 'deployer', dependsOn: [{ name: 'db', namespace: 'data' }, { name: 'ghost', namespace: 'data' }] });
    putRelease(w, 'data', 'db', 'False');
    w.objects.denies = (user, ref) => user === DEPLOYER && ref.namespace === 'data';
    const { result } = await reconcile(w);
    expect(ready(w)).toMatchObject({
      status: 'False',
      reason: 'DependencyNotReady',
      message:
        'waiting for dependencies to be Ready: ' +
        `data/db (access denied: ${DEPLOYER} may not get helmreleases.maglev.io "db" in namespace data), ` +
        `data/ghost (access denied: ${DEPLOYER} may not get helmreleases.maglev.io "ghost" in namespace data)`,
    });
    // Neither db's failure nor ghost's absence is revealed.
    expect(ready(w)?.message).not.toMatch(/InstallFailed|not found/);
    // db is in the cache: reviewed; ghost is not: read as the tenant, and refused.
    expect(w.objects.reviews).toEqual([`${DEPLOYER} get HelmRelease data/db → denied`]);
    expect(w.objects.readAs).toEqual([DEPLOYER]);
    expect(changes(w)).toEqual([]);
    expect(w.renders).toEqual([]);
    // A RoleBinding wakes nothing: looked at again sooner than the 5-minute dependency safety net.
    expect(result?.requeueAfterMs).toBe(30_000);
  });

  it('allowed: the cached dependency is used once the review says so, and the release installs; the answer is reused', async () => {
    const w = tenantWorld({ serviceAccountName: 'deployer', dependsOn: [{ name: 'db', namespace: 'data' }] });
    putRelease(w, 'data', 'db', 'True');
    w.objects.denies = (user, ref) => user === DEPLOYER && ref.namespace === 'data';
    await reconcile(w);
    expect(ready(w)).toMatchObject({ status: 'False', reason: 'DependencyNotReady' });

    // Granted; the denial is remembered for 5 s, then asked again.
    w.objects.denies = undefined;
    w.cluster.clock.advance(5_000);
    await reconcile(w);
    expect(ready(w)).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    expect(w.objects.reviews).toEqual([`${DEPLOYER} get HelmRelease data/db → denied`, `${DEPLOYER} get HelmRelease data/db → allowed`]);
    expect(w.cluster.store.names('apps')).toEqual(['sh.helm.release.v1.web.v1']);
    await reconcile(w);
    expect(w.objects.reviews).toHaveLength(2);
  });

  it('a dependency the cache does not hold (--watch-namespace) is read as the tenant: 403 is access denied, a grant shows its state', async () => {
    const w = tenantWorld({ serviceAccountName: 'deployer', dependsOn: [{ name: 'db', namespace: 'data' }] }, { unwatched: ['data'] });
    putRelease(w, 'data', 'db', 'False');
    w.objects.denies = (user, ref) => ref.namespace === 'data';
    await reconcile(w);
    expect(ready(w)?.message).toBe(`waiting for dependencies to be Ready: data/db (access denied: ${DEPLOYER} may not get helmreleases.maglev.io "db" in namespace data)`);
    w.objects.denies = undefined;
    await reconcile(w);
    expect(ready(w)?.message).toBe('waiting for dependencies to be Ready: data/db (Ready=False: InstallFailed)');
    expect(w.objects.reviews).toEqual([]);
    expect(w.objects.readAs.slice(0, 2)).toEqual([DEPLOYER, DEPLOYER]);
  });

  it('the operator default ServiceAccount applies like serviceAccountName; a dependency in the own namespace needs no check', async () => {
    const w = tenantWorld({ dependsOn: [{ name: 'cache' }, { name: 'db', namespace: 'data' }] }, { defaultServiceAccount: 'fallback' });
    putRelease(w, 'apps', 'cache', 'True');
    putRelease(w, 'data', 'db', 'True');
    w.objects.denies = () => true;
    await reconcile(w);
    expect(ready(w)?.message).toBe('waiting for dependencies to be Ready: data/db (access denied: system:serviceaccount:apps:fallback may not get helmreleases.maglev.io "db" in namespace data)');
    expect(w.objects.reviews).toEqual(['system:serviceaccount:apps:fallback get HelmRelease data/db → denied']);
  });

  it('without a ServiceAccount the operator reads with its own rights, as before: no review, no impersonation', async () => {
    const w = tenantWorld({ dependsOn: [{ name: 'db', namespace: 'data' }, { name: 'ghost', namespace: 'data' }] });
    putRelease(w, 'data', 'db', 'False');
    w.objects.denies = () => true;
    await reconcile(w);
    expect(ready(w)).toMatchObject({ reason: 'DependencyNotReady', message: 'waiting for dependencies to be Ready: data/db (Ready=False: InstallFailed), data/ghost (not found)' });
    expect(w.objects.reviews).toEqual([]);
    expect(w.objects.readAs).toEqual([undefined]);
  });
});

describe('a release claimed by a HelmRelease of another namespace, checked as the tenant', () => {
  /** apps/web installed, then the record rewritten as revision 2 by HelmRelease team-b/web (uid-b). */
  async function claimedWorld(serviceAccountName?: string): Promise<DriverWorld> {
    const w = tenantWorld({});
    await reconcile(w);
    putRelease(w, 'team-b', 'web', 'True', 'uid-b');
    const latest = (await w.cluster.ctx.storage.latest('web'))!.record;
    const other = new ReleaseStorage(w.cluster.store, { namespace: 'apps', clock: w.cluster.clock, stamp: { ownerUid: 'uid-b', ownerName: 'team-b/web', writer: 'maglev-0' } });
    await other.create({ ...latest, version: 2 });
    if (serviceAccountName !== undefined) w.objects.updateSpec('HelmRelease', 'apps', 'web', (spec) => (spec.serviceAccountName = serviceAccountName));
    w.objects.updateSpec('HelmRelease', 'apps', 'web', (spec) => (spec.values = { replicas: 3 }));
    w.objects.writes.length = 0;
    w.cluster.store.calls.length = 0;
    w.cluster.applier.calls.length = 0;
    w.objects.readAs.length = 0;
    return w;
  }

  it('denied: the claim is assumed to hold and says why; nothing is upgraded', async () => {
    const w = await claimedWorld('deployer');
    w.objects.denies = (_user, ref) => ref.namespace === 'team-b';
    await reconcile(w);
    expect(ready(w)).toMatchObject({
      status: 'False',
      reason: 'ReleaseClaimed',
      message: `Helm release apps/web was last written by HelmRelease team-b/web, which cannot be checked (access denied: ${DEPLOYER} may not get helmreleases.maglev.io "web" in namespace team-b); it is left alone as if that HelmRelease still manages it: grant that read, or give this one another releaseName or targetNamespace`,
    });
    expect(w.objects.readAs).toContain(DEPLOYER);
    expect(changes(w)).toEqual([]);
  });

  it('allowed: the owner is read as the tenant and the claim holds; once the owner is gone the release is adopted', async () => {
    const w = await claimedWorld('deployer');
    await reconcile(w);
    expect(ready(w)).toMatchObject({ reason: 'ReleaseClaimed', message: expect.stringMatching(/^Helm release apps\/web is managed by HelmRelease team-b\/web;/) as unknown });
    expect(changes(w)).toEqual([]);
    expect(w.objects.readAs).toContain(DEPLOYER);
    w.objects.objects.delete('HelmRelease team-b/web');
    await reconcile(w);
    expect(ready(w)).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
    expect((await w.cluster.ctx.storage.latest('web'))?.secret.annotations).toMatchObject({ 'maglev.io/owner': 'uid-1', 'maglev.io/owner-name': 'apps/web' });
  });

  it('without a ServiceAccount the owner is read with the operator rights, whatever a tenant may read', async () => {
    const w = await claimedWorld();
    w.objects.denies = () => true;
    await reconcile(w);
    expect(ready(w)).toMatchObject({ reason: 'ReleaseClaimed', message: expect.stringMatching(/is managed by HelmRelease team-b\/web;/) as unknown });
    expect(w.objects.readAs.every((u) => u === undefined)).toBe(true);
  });
});
