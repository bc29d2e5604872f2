/**
 * Multi-tenancy end to end: a tenant HelmRelease (serviceAccountName, a ServiceAccount allowed to manage its
 * own namespace only) learns about HelmReleases of another namespace only what that ServiceAccount may read
 * there, through the real API server's RBAC: its dependsOn waits with "access denied" until a RoleBinding
 * lets it read the dependency, and a release claimed from another namespace it may not read is left alone.
 * The operator watches every namespace (--watch-namespace takes one), so dependencies come from its cache.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import { publishFixtures } from './fixtures.js';
import { clients, startOperator, testNamespace, waitFor } from './harness.js';
import { conditionOf, createRelease, deleteRelease, getRelease, patchRelease, recordNames, waitGone, waitReady } from './releases.js';

let repo: ChartRepo;
beforeAll(async () => {
  repo = await startChartRepo();
  await publishFixtures(repo);
});
afterAll(async () => repo.close());

function chart(name: string, version: string): Record<string, unknown> {
  return { repository: repo.url, name, version };
}

const rbac = () => clients().kc.makeApiClient(k8s.RbacAuthorizationV1Api);

/** Role `name` in `ns` with `rules`, bound to ServiceAccount `saNamespace/sa`. */
async function grant(ns: string, name: string, rules: k8s.V1PolicyRule[], saNamespace: string, sa: string): Promise<void> {
  await rbac().createNamespacedRole({ namespace: ns, body: { metadata: { name }, rules } });
  await rbac().createNamespacedRoleBinding({
    namespace: ns,
    body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: saNamespace }] },
  });
}

/** ServiceAccount `tenant` in `ns`, allowed everything on core and apps objects there, and nothing else anywhere. */
async function tenant(ns: string): Promise<string> {
  await clients().core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'tenant' } } });
  await grant(ns, 'tenant', [{ apiGroups: ['', 'apps'], resources: ['*'], verbs: ['*'] }], ns, 'tenant');
  return `system:serviceaccount:${ns}:tenant`;
}

const READ_HELMRELEASES: k8s.V1PolicyRule[] = [{ apiGroups: ['maglev.io'], resources: ['helmreleases'], verbs: ['get'] }];

function operator(): void {
  startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0']);
}

describe('tenant reads of other namespaces', () => {
  it('a dependency in a namespace the ServiceAccount may not read: DependencyNotReady, access denied, nothing applied; a RoleBinding there lets it proceed', async () => {
    const data = await testNamespace('tn-data');
    const apps = await testNamespace('tn-apps');
    operator();
    // The dependency is not Ready at first: the tenant must not see that either, only the denial.
    await createRelease(data, 'db', { chart: chart('ejsapp', '1.1.0'), suspend: true });
    const who = await tenant(apps);
    await createRelease(apps, 'app', { chart: chart('ejsapp', '1.1.0'), serviceAccountName: 'tenant', dependsOn: [{ name: 'db', namespace: data }] });

    const denied = await waitReady(apps, 'app', 'False', 'DependencyNotReady');
    expect(conditionOf(denied.status, 'Ready')?.message).toBe(`waiting for dependencies to be Ready: ${data}/db (access denied: ${who} may not get helmreleases.maglev.io "db" in namespace ${data})`);
    expect(await recordNames(apps, 'app')).toEqual([]);
    expect(denied.metadata.finalizers ?? []).toEqual([]);

    // Allowed to read it: now it waits for the dependency's own state, and installs once that is Ready.
    await grant(data, 'read-releases', READ_HELMRELEASES, apps, 'tenant');
    // Nothing wakes it on a RoleBinding: the denial is looked at again within 30 s.
    const expected = `waiting for dependencies to be Ready: ${data}/db (Ready=Unknown: Suspended)`;
    await waitFor(`${apps}/app to see ${data}/db`, async () => (conditionOf((await getRelease(apps, 'app'))?.status, 'Ready')?.message === expected ? true : undefined), 90_000);
    expect(await recordNames(apps, 'app')).toEqual([]);
    await patchRelease(data, 'db', { spec: { suspend: false } });
    await waitReady(data, 'db', 'True', 'InstallSucceeded');
    const ready = await waitReady(apps, 'app', 'True', 'InstallSucceeded');
    expect(ready.status?.releaseRevision).toBe(1);

    for (const [ns, name] of [[apps, 'app'], [data, 'db']] as const) await deleteRelease(ns, name);
    for (const [ns, name] of [[apps, 'app'], [data, 'db']] as const) await waitGone(ns, name);
  });

  it('a release claimed by a HelmRelease of a namespace the ServiceAccount may not read is left alone, saying why', async () => {
    const ops = await testNamespace('tn-ops');
    const apps = await testNamespace('tn-apps');
    operator();
    // ops/shared (operator rights) installs release `shared` into the tenant's namespace.
    await createRelease(ops, 'shared', { chart: chart('ejsapp', '1.1.0'), targetNamespace: apps });
    await waitReady(ops, 'shared', 'True', 'InstallSucceeded');
    const who = await tenant(apps);
    await createRelease(apps, 'mine', { chart: chart('ejsapp', '1.1.0'), serviceAccountName: 'tenant', releaseName: 'shared', values: { message: 'mine' } });
    const refused = await waitReady(apps, 'mine', 'False', 'ReleaseClaimed');
    expect(conditionOf(refused.status, 'Ready')?.message).toBe(
      `Helm release ${apps}/shared was last written by HelmRelease ${ops}/shared, which cannot be checked (access denied: ${who} may not get helmreleases.maglev.io "shared" in namespace ${ops}); ` +
        'it is left alone as if that HelmRelease still manages it: grant that read, or give this one another releaseName or targetNamespace',
    );
    expect(await recordNames(apps, 'shared')).toEqual(['sh.helm.release.v1.shared.v1']);

    await deleteRelease(apps, 'mine');
    await waitGone(apps, 'mine');
    expect(await recordNames(apps, 'shared')).toEqual(['sh.helm.release.v1.shared.v1']);
    await deleteRelease(ops, 'shared');
    await waitGone(ops, 'shared');
  });
});
