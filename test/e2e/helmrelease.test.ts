/**
 * HelmRelease end to end: the real operator process against the run's API server, charts from a Helm
 * repository served by this test process. After each step the helm CLI must report what the HelmRelease
 * status says (revision, status, values, manifest), because that is what a user checks.
 */
import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelmRelease } from '../../src/crds/index.js';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import { CRD_GROUP, publishFixtures } from './fixtures.js';
import { clients, isStatus, metricValue, operatorPorts, scrape, startOperator, testNamespace, waitFor, type OperatorProcess } from './harness.js';
import { api, conditionOf, createRelease, deleteRelease, getRelease, helm, helmJson, patchRelease, readRecord, recordNames, waitGone, waitReady } from './releases.js';

let repo: ChartRepo;
beforeAll(async () => {
  repo = await startChartRepo();
  await publishFixtures(repo);
});
afterAll(async () => repo.close());

function operator(args: string[] = []): OperatorProcess {
  return startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', ...args]);
}

/** ServiceAccount `tenant` in `ns`, allowed everything on core and apps objects there and nothing else. */
async function tenant(ns: string): Promise<void> {
  await clients().core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'tenant' } } });
  const rbac = clients().kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'tenant' }, rules: [{ apiGroups: ['', 'apps'], resources: ['*'], verbs: ['*'] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: { metadata: { name: 'tenant' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant' }, subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: ns }] },
  });
}

function chart(name: string, version: string): Record<string, unknown> {
  return { repository: repo.url, name, version };
}

interface HelmListItem { name: string; revision: string; status: string; chart: string; app_version: string }
interface HelmHistoryItem { revision: number; status: string; chart: string; app_version: string }

/** What helm says about the release equals what the HelmRelease status says. */
async function agreesWithHelm(ns: string, hr: HelmRelease, values: Record<string, unknown>): Promise<void> {
  const s = hr.status!;
  const name = s.releaseName!;
  const newest = s.history![0]!;
  const [list] = await helmJson<HelmListItem[]>(['list', '-n', ns, '--all', '--filter', `^${name}$`]);
  expect(list).toMatchObject({ name, revision: String(newest.revision), status: newest.status, chart: `${s.chartName}-${newest.chartVersion}`, app_version: newest.appVersion });
  const history = await helmJson<HelmHistoryItem[]>(['history', name, '-n', ns]);
  expect(history.map((h) => [h.revision, h.status, h.chart, h.app_version])).toEqual(
    [...s.history!].reverse().map((h) => [h.revision, h.status, `${s.chartName}-${h.chartVersion}`, h.appVersion]),
  );
  expect((await helmJson<Record<string, unknown> | null>(['get', 'values', name, '-n', ns])) ?? {}).toEqual(values);
  const status = await helmJson<{ version: number; info: { status: string } }>(['status', name, '-n', ns]);
  expect([status.version, status.info.status]).toEqual([newest.revision, newest.status]);
  if (newest.status !== 'deployed') return;
  expect(s.releaseRevision).toBe(newest.revision);
  const manifest = (yaml.loadAll(await helm(['get', 'manifest', name, '-n', ns])) as ({ kind: string; metadata: { name: string } } | null)[]).filter((d) => d !== null);
  expect(manifest.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(s.inventory!.map((e) => `${e.kind}/${e.name}`).sort());
}

async function configMap(ns: string, name: string): Promise<k8s.V1ConfigMap | undefined> {
  try {
    return await clients().core.readNamespacedConfigMap({ namespace: ns, name });
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    throw err;
  }
}

async function waitRevision(ns: string, name: string, revision: number, reason: string): Promise<HelmRelease> {
  const hr = await waitReady(ns, name, 'True', reason);
  expect(hr.status?.releaseRevision).toBe(revision);
  return hr;
}

/** Requests that change the cluster: dry runs (drift checks) change nothing and are not counted. */
const writes = (page: string): number =>
  ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((n, verb) => n + metricValue(page, 'maglev_api_requests_total', { verb, dry_run: 'false' }), 0);

describe('HelmRelease', () => {
  it('EJS chart: install, in-sync reconciles write nothing, upgrade by values and by chart version (prune, keep), uninstall', async () => {
    const ns = await testNamespace('hr-ejs');
    const op = operator();
    const { metrics } = await operatorPorts(op);
    await createRelease(ns, 'web', { chart: chart('ejsapp', '1.0.0'), values: { message: 'one' }, interval: '2s', timeout: '60s', maxHistory: 2 });
    let hr = await waitRevision(ns, 'web', 1, 'InstallSucceeded');
    expect(hr.metadata.finalizers).toEqual(['maglev.io/helmrelease']);
    expect(hr.status).toMatchObject({ chartName: 'ejsapp', chartVersion: '1.0.0', appVersion: '1.0.0-app', lastAttempted: { action: 'install', chartVersion: '1.0.0' } });
    expect(hr.status?.valuesDigest).toMatch(/^sha256:/);
    expect(conditionOf(hr.status, 'Released')).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    await agreesWithHelm(ns, hr, { message: 'one' });
    expect((await configMap(ns, 'web-config'))?.data).toEqual({ message: 'one' });
    expect((await configMap(ns, 'web-config'))?.metadata?.annotations).toMatchObject({ 'meta.helm.sh/release-name': 'web', 'meta.helm.sh/release-namespace': ns });

    // interval 2s: an in-sync release is re-checked every ~2 s. Wait for three such reconciles (however long a
    // loaded machine needs): not one write request may go out meanwhile.
    await new Promise((r) => setTimeout(r, 2_500));
    const before = await scrape(metrics);
    const rv = (await getRelease(ns, 'web'))?.metadata.resourceVersion;
    const reconciles = (page: string): number => metricValue(page, 'maglev_reconcile_total', { controller: 'HelmRelease' });
    const after = await waitFor('three in-sync reconciles', async () => {
      const page = await scrape(metrics);
      return reconciles(page) - reconciles(before) >= 3 ? page : undefined;
    }, 30_000);
    expect(writes(after) - writes(before)).toBe(0);
    expect((await getRelease(ns, 'web'))?.metadata.resourceVersion).toBe(rv);
    expect(await recordNames(ns, 'web')).toEqual(['sh.helm.release.v1.web.v1']);

    await patchRelease(ns, 'web', { spec: { values: { message: 'two' } } });
    hr = await waitRevision(ns, 'web', 2, 'UpgradeSucceeded');
    await agreesWithHelm(ns, hr, { message: 'two' });
    expect((await configMap(ns, 'web-config'))?.data).toEqual({ message: 'two' });

    await patchRelease(ns, 'web', { spec: { chart: chart('ejsapp', '1.1.0') } });
    hr = await waitRevision(ns, 'web', 3, 'UpgradeSucceeded');
    await agreesWithHelm(ns, hr, { message: 'two' });
    // maxHistory 2: the oldest record is gone, from storage and from status.history.
    expect(hr.status?.history?.map((h) => [h.revision, h.status, h.action])).toEqual([[3, 'deployed', 'upgrade'], [2, 'superseded', 'upgrade']]);
    expect(await recordNames(ns, 'web')).toEqual(['sh.helm.release.v1.web.v2', 'sh.helm.release.v1.web.v3']);
    expect(await configMap(ns, 'web-extra')).toBeUndefined();
    expect((await configMap(ns, 'web-keep'))?.data).toEqual({ kept: 'always' });
    expect(hr.status?.inventory?.map((e) => e.name)).not.toContain('web-keep');

    await deleteRelease(ns, 'web');
    await waitGone(ns, 'web');
    expect(await recordNames(ns, 'web')).toEqual([]);
    expect(await configMap(ns, 'web-config')).toBeUndefined();
    await expect(clients().apps.readNamespacedDeployment({ namespace: ns, name: 'web' })).rejects.toThrow();
    expect((await configMap(ns, 'web-keep'))?.data).toEqual({ kept: 'always' });
    expect(await helmJson<unknown[]>(['list', '-n', ns, '--all'])).toEqual([]);
    const page = await scrape(metrics);
    expect(metricValue(page, 'maglev_release_actions_total', { action: 'install', result: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(page, 'maglev_release_actions_total', { action: 'upgrade', result: 'succeeded' })).toBeGreaterThanOrEqual(2);
    expect(metricValue(page, 'maglev_release_actions_total', { action: 'uninstall', result: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(page, 'maglev_release_action_duration_seconds_count', { action: 'install' })).toBeGreaterThanOrEqual(1);
    const events = (await clients().kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: ns })).items.filter((e) => e.regarding?.kind === 'HelmRelease' && e.regarding.name === 'web');
    expect(events.map((e) => e.reason).sort()).toEqual(['InstallSucceeded', 'UninstallSucceeded', 'UpgradeSucceeded', 'UpgradeSucceeded']);
    // SIGTERM after EJS renders: a clean exit (the render workers must not hold the process open).
    expect(await Promise.race([op.stop('SIGTERM'), new Promise((r) => setTimeout(() => r('still running after 20s'), 20_000))])).toBe(0);
  });

  it('standard Helm chart: install, upgrade, no-op, uninstall', async () => {
    const ns = await testNamespace('hr-helm');
    operator();
    await createRelease(ns, 'std', { chart: chart('helmapp', '0.1.0'), interval: '1s' });
    let hr = await waitRevision(ns, 'std', 1, 'InstallSucceeded');
    await agreesWithHelm(ns, hr, {});
    expect((await configMap(ns, 'std-config'))?.data).toEqual({ message: 'hello' });
    await patchRelease(ns, 'std', { spec: { chart: chart('helmapp', '0.2.0'), values: { message: 'bye' } } });
    hr = await waitRevision(ns, 'std', 2, 'UpgradeSucceeded');
    await agreesWithHelm(ns, hr, { message: 'bye' });
    expect((await configMap(ns, 'std-config'))?.data).toEqual({ message: 'bye' });
    const rv = (await getRelease(ns, 'std'))?.metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await getRelease(ns, 'std'))?.metadata.resourceVersion).toBe(rv);
    expect(await recordNames(ns, 'std')).toEqual(['sh.helm.release.v1.std.v1', 'sh.helm.release.v1.std.v2']);
    await deleteRelease(ns, 'std');
    await waitGone(ns, 'std');
    expect(await recordNames(ns, 'std')).toEqual([]);
    expect(await configMap(ns, 'std-config')).toBeUndefined();
  });

  it('Go and EJS templates render as helm upgrade does: lookup keeps a generated password, Revision and IsUpgrade are real', async () => {
    const ns = await testNamespace('hr-lookup');
    operator();
    await createRelease(ns, 'db', { chart: chart('lookupapp', '1.0.0') });
    await waitRevision(ns, 'db', 1, 'InstallSucceeded');
    const secret = async () => (await clients().core.readNamespacedSecret({ namespace: ns, name: 'db-auth' })).data?.password;
    const first = await secret();
    expect(Buffer.from(first ?? '', 'base64').toString()).toMatch(/^[A-Za-z0-9]{24}$/);
    expect((await configMap(ns, 'db-info'))?.data).toEqual({ message: 'hello', revision: '1', isInstall: 'true', isUpgrade: 'false' });
    await patchRelease(ns, 'db', { spec: { values: { message: 'two' } } });
    await waitRevision(ns, 'db', 2, 'UpgradeSucceeded');
    expect(await secret()).toBe(first);
    expect((await configMap(ns, 'db-info'))?.data).toEqual({ message: 'two', revision: '2', isInstall: 'false', isUpgrade: 'true' });
    // Parity with `helm upgrade --dry-run=server`: what helm would render for revision 3 (lookup against the
    // cluster, Revision 3, IsUpgrade) is byte for byte the manifest of the revision 3 we then write.
    const dry = await helmJson<{ manifest: string; version: number }>(['upgrade', 'db', repo.file('lookupapp', '1.0.0'), '-n', ns, '--reuse-values', '--dry-run=server']);
    expect(dry.version).toBe(3);
    await patchRelease(ns, 'db', { metadata: { annotations: { 'maglev.io/force-at': 'parity' } } });
    // The annotation moves no generation: wait for the revision itself.
    await waitFor('db at revision 3', async () => {
      const hr = await getRelease(ns, 'db');
      return hr?.status?.releaseRevision === 3 && conditionOf(hr.status, 'Ready')?.status === 'True' ? true : undefined;
    }, 90_000);
    expect((await readRecord(ns, 'db', 3)).manifest.trim()).toBe(dry.manifest.trim());
    expect(await secret()).toBe(first);
    // The helm CLI, upgrading the same release, keeps the same password too: our records and objects agree with it.
    await helm(['upgrade', 'db', repo.file('lookupapp', '1.0.0'), '-n', ns, '--reuse-values', '--set', 'message=three', '--wait', '--timeout', '60s']);
    expect(await secret()).toBe(first);
    expect((await configMap(ns, 'db-info'))?.data?.revision).toBe('4');

    // The EJS twin: the first install's password stays when the value that made it changes.
    await createRelease(ns, 'ejsdb', { chart: chart('ejslookupapp', '1.0.0') });
    await waitRevision(ns, 'ejsdb', 1, 'InstallSucceeded');
    const ejsSecret = async () => Buffer.from((await clients().core.readNamespacedSecret({ namespace: ns, name: 'ejsdb-auth' })).data?.password ?? '', 'base64').toString();
    expect(await ejsSecret()).toBe('first');
    await patchRelease(ns, 'ejsdb', { spec: { values: { message: 'two', initialPassword: 'second' } } });
    await waitRevision(ns, 'ejsdb', 2, 'UpgradeSucceeded');
    expect(await ejsSecret()).toBe('first');
    expect((await configMap(ns, 'ejsdb-info'))?.data).toEqual({ message: 'two', revision: '2', isUpgrade: 'true' });

    // A tenant's lookup runs as its ServiceAccount: one that may not read Secrets elsewhere gets Helm's error.
    await tenant(ns);
    await createRelease(ns, 'peek', { chart: chart('lookupapp', '1.0.0'), serviceAccountName: 'tenant', values: { lookupNamespace: 'kube-system' } });
    const denied = await waitReady(ns, 'peek', 'False');
    expect(conditionOf(denied.status, 'Ready')?.message).toMatch(/lookup v1 Secret kube-system\/peek-auth: .*forbidden/);
    expect(conditionOf(denied.status, 'Ready')?.message).toContain(`system:serviceaccount:${ns}:tenant`);
    expect(await recordNames(ns, 'peek')).toEqual([]);
    // Removed while the tenant's Role still exists: its finalizer reads the records as the tenant.
    for (const name of ['peek', 'db', 'ejsdb']) await deleteRelease(ns, name);
    for (const name of ['peek', 'db', 'ejsdb']) await waitGone(ns, name);

    // A tenant release left in a namespace being deleted, its RoleBinding gone first: every call as the
    // tenant is denied, so the release is let go (UninstallSkipped) and the namespace does not hang.
    const doomed = await testNamespace('hr-doomed');
    await tenant(doomed);
    await createRelease(doomed, 'kept', { chart: chart('lookupapp', '1.0.0'), serviceAccountName: 'tenant' });
    await waitRevision(doomed, 'kept', 1, 'InstallSucceeded');
    await clients().kc.makeApiClient(k8s.RbacAuthorizationV1Api).deleteNamespacedRoleBinding({ namespace: doomed, name: 'tenant' });
    await clients().core.deleteNamespace({ name: doomed });
    await waitFor(`namespace ${doomed} gone`, async () => ((await clients().core.readNamespace({ name: doomed }).catch(() => undefined)) === undefined ? true : undefined), 90_000);
  });

  it('an endless loop, an output bomb and endless include recursion each fail as RenderFailed while other releases render; a killed renderer is replaced', async () => {
    const ns = await testNamespace('hr-hostile');
    const op = operator(['--render-timeout', '5s']);
    for (const name of ['loopapp', 'bombapp', 'recapp']) await createRelease(ns, name, { chart: chart(name, '1.0.0') });
    for (const name of ['fine1', 'fine2']) await createRelease(ns, name, { chart: chart('helmapp', '0.1.0') });
    for (const name of ['fine1', 'fine2']) await waitRevision(ns, name, 1, 'InstallSucceeded');
    const loop = await waitReady(ns, 'loopapp', 'False', 'RenderFailed', 60_000);
    expect(conditionOf(loop.status, 'Ready')?.message).toContain('rendering took longer than 5s');
    const bomb = await waitReady(ns, 'bombapp', 'False', 'RenderFailed', 60_000);
    expect(conditionOf(bomb.status, 'Ready')?.message).toMatch(/rendering took longer than 5s|more memory than the renderer allows/);
    const rec = await waitReady(ns, 'recapp', 'False', 'RenderFailed', 60_000);
    expect(conditionOf(rec.status, 'Ready')?.message).toMatch(/recapp\/templates\/cm\.yaml:1:\d+: .*error calling include/);
    for (const name of ['loopapp', 'bombapp', 'recapp']) expect(await recordNames(ns, name)).toEqual([]);
    // The engine process killed from outside: the next render starts a new one.
    await createRelease(ns, 'fine3', { chart: chart('helmapp', '0.1.0') });
    await waitRevision(ns, 'fine3', 1, 'InstallSucceeded');
    const renderer = execFileSync('pgrep', ['-P', String(op.child.pid), '-f', 'maglev-render'], { encoding: 'utf8' }).trim().split('\n')[0];
    expect(renderer).toMatch(/^\d+$/);
    process.kill(Number(renderer), 'SIGKILL');
    await createRelease(ns, 'fine4', { chart: chart('helmapp', '0.1.0') });
    await waitRevision(ns, 'fine4', 1, 'InstallSucceeded');
    const all = ['loopapp', 'bombapp', 'recapp', 'fine1', 'fine2', 'fine3', 'fine4'];
    for (const name of all) await deleteRelease(ns, name);
    for (const name of all) await waitGone(ns, name);
  });

  it('adopts a release first installed with helm install: upgraded in place, not reinstalled', async () => {
    const ns = await testNamespace('hr-adopt');
    await helm(['install', 'adopt', repo.file('helmapp', '0.1.0'), '-n', ns, '--set', 'message=from-helm', '--wait', '--timeout', '60s']);
    const uid = (await clients().apps.readNamespacedDeployment({ namespace: ns, name: 'adopt' })).metadata?.uid;
    operator();
    await createRelease(ns, 'adopter', { releaseName: 'adopt', chart: chart('helmapp', '0.1.0'), values: { message: 'from-helm' } });
    const hr = await waitRevision(ns, 'adopter', 2, 'UpgradeSucceeded');
    await agreesWithHelm(ns, hr, { message: 'from-helm' });
    expect(hr.status?.history?.map((h) => [h.revision, h.status])).toEqual([[2, 'deployed'], [1, 'superseded']]);
    expect((await clients().apps.readNamespacedDeployment({ namespace: ns, name: 'adopt' })).metadata?.uid).toBe(uid);
    await deleteRelease(ns, 'adopter');
    await waitGone(ns, 'adopter');
    expect(await recordNames(ns, 'adopt')).toEqual([]);
  });

  it('hooks run in Helm order with their delete policies; a failing pre-upgrade hook leaves the previous objects untouched', async () => {
    const ns = await testNamespace('hr-hooks');
    operator();
    const jobs = async (): Promise<string[]> => (await clients().batch.listNamespacedJob({ namespace: ns })).items.map((j) => j.metadata?.name ?? '').sort();
    const order = (record: { hooks: { name: string; events: string[]; last_run: { started_at: string } }[] }, events: string[]): string[] =>
      record.hooks
        .filter((h) => h.events.some((e) => events.includes(e)) && h.last_run.started_at !== '')
        .sort((a, b) => Date.parse(a.last_run.started_at) - Date.parse(b.last_run.started_at))
        .map((h) => h.name);
    await createRelease(ns, 'hooks', { chart: chart('hookapp', '1.0.0'), values: { message: 'v1' }, uninstall: { keepHistory: true }, timeout: '60s' });
    await waitRevision(ns, 'hooks', 1, 'InstallSucceeded');
    const installed = await readRecord(ns, 'hooks', 1);
    expect(order(installed, ['pre-install', 'post-install'])).toEqual(['pre-install-early', 'pre-install-late', 'post-install']);
    expect(installed.hooks.filter((h) => h.last_run.phase !== '').every((h) => h.last_run.phase === 'Succeeded')).toBe(true);
    expect(await jobs()).toEqual(['pre-install-late']); // hook-succeeded deleted the others

    await patchRelease(ns, 'hooks', { spec: { values: { message: 'v2' } } });
    await waitRevision(ns, 'hooks', 2, 'UpgradeSucceeded');
    expect(order(await readRecord(ns, 'hooks', 2), ['pre-upgrade', 'post-upgrade'])).toEqual(['pre-upgrade-a', 'pre-upgrade-b', 'post-upgrade']);
    const cm = await configMap(ns, 'hooks-config');
    expect(cm?.data).toEqual({ message: 'v2' });

    await patchRelease(ns, 'hooks', { spec: { values: { message: 'v3', failPreUpgrade: true } } });
    const failed = await waitReady(ns, 'hooks', 'False', 'HookFailed');
    expect(conditionOf(failed.status, 'Ready')?.message).toContain('pre-upgrade hook hookapp/templates/hook-pre-upgrade-b.yaml (Job pre-upgrade-b) failed: job pre-upgrade-b failed');
    expect(conditionOf(failed.status, 'Released')).toMatchObject({ status: 'False', reason: 'UpgradeFailed' });
    expect(conditionOf(failed.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExceeded' });
    expect(failed.status?.releaseRevision).toBe(2);
    await agreesWithHelm(ns, failed, { message: 'v3', failPreUpgrade: true });
    expect((await helmJson<HelmHistoryItem[]>(['history', 'hooks', '-n', ns])).map((h) => h.status)).toEqual(['superseded', 'deployed', 'failed']);
    const untouched = await configMap(ns, 'hooks-config');
    expect([untouched?.data, untouched?.metadata?.resourceVersion]).toEqual([{ message: 'v2' }, cm?.metadata?.resourceVersion]);
    await waitFor('failed hook deleted (hook-failed)', async () => (!(await jobs()).includes('pre-upgrade-b') ? true : undefined), 20_000);

    await deleteRelease(ns, 'hooks');
    await waitGone(ns, 'hooks');
    const uninstalled = await readRecord(ns, 'hooks', 3);
    expect(uninstalled.info.status).toBe('uninstalled');
    expect(order(uninstalled, ['pre-delete', 'post-delete'])).toEqual(['pre-delete', 'post-delete']);
    expect(await configMap(ns, 'hooks-config')).toBeUndefined();
    expect(await jobs()).toEqual(['pre-delete', 'pre-install-late', 'pre-upgrade-a', 'post-upgrade'].sort());
  });

  it('a failed uninstall keeps the finalizer and says why; uninstall.disableHooks then lets it finish without hooks', async () => {
    const ns = await testNamespace('hr-unfinished');
    operator();
    const jobs = async (): Promise<string[]> => (await clients().batch.listNamespacedJob({ namespace: ns })).items.map((j) => j.metadata?.name ?? '').sort();
    await createRelease(ns, 'stuck', { chart: chart('hookapp', '1.0.0'), values: { failPreDelete: true }, timeout: '30s' });
    await waitRevision(ns, 'stuck', 1, 'InstallSucceeded');
    await deleteRelease(ns, 'stuck');
    const stuck = await waitFor('the uninstall failed', async () => {
      const h = await getRelease(ns, 'stuck');
      return conditionOf(h?.status, 'Ready')?.reason === 'UninstallFailed' ? h : undefined;
    }, 120_000);
    expect(stuck.metadata.finalizers).toEqual(['maglev.io/helmrelease']);
    expect(conditionOf(stuck.status, 'Ready')?.message).toContain('pre-delete');
    expect((await configMap(ns, 'stuck-config'))?.data).toEqual({ message: 'hello' });
    await patchRelease(ns, 'stuck', { spec: { uninstall: { disableHooks: true } } });
    await waitGone(ns, 'stuck');
    expect(await configMap(ns, 'stuck-config')).toBeUndefined();
    expect(await recordNames(ns, 'stuck')).toEqual([]);
    // The failed pre-delete Job is still there (no hook-failed policy); post-delete never ran.
    expect((await jobs()).filter((j) => j.endsWith('-delete'))).toEqual(['pre-delete']);
  });

  it('a Deployment that never becomes ready fails the release after the timeout, naming it', async () => {
    const ns = await testNamespace('hr-wait');
    operator();
    const started = Date.now();
    await createRelease(ns, 'slow', { chart: chart('ejsapp', '1.1.0'), values: { hang: true }, timeout: '8s' });
    const hr = await waitReady(ns, 'slow', 'False', 'WaitTimeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(8_000);
    expect(conditionOf(hr.status, 'Ready')?.message).toContain(`Deployment ${ns}/slow`);
    expect(conditionOf(hr.status, 'Released')).toMatchObject({ status: 'False', reason: 'InstallFailed' });
    expect(conditionOf(hr.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExceeded' });
    expect(hr.status).toMatchObject({ installFailures: 1, history: [{ revision: 1, status: 'failed' }] });
    expect((await helmJson<{ info: { status: string; description: string } }>(['status', 'slow', '-n', ns])).info.status).toBe('failed');
    await deleteRelease(ns, 'slow');
    await waitGone(ns, 'slow');
  });

  it('a spec change while a revision waits supersedes it at once: that revision fails saying so, the new one is planned', async () => {
    const ns = await testNamespace('hr-supersede');
    operator();
    await createRelease(ns, 'web', { chart: chart('ejsapp', '1.1.0'), values: { hang: true }, timeout: '5m' });
    await waitFor('revision 1 waiting', async () => ((await readRecord(ns, 'web', 1))?.info.status === 'pending-install' ? true : undefined), 60_000);
    const changedAt = Date.now();
    await patchRelease(ns, 'web', { spec: { values: { hang: false } } });
    const hr = await waitReady(ns, 'web', 'True');
    expect(hr.status?.releaseRevision).toBe(2);
    // Acted on at once, not after the 5 minute timeout (the bound is loose for a loaded machine).
    expect(Date.now() - changedAt).toBeLessThan(30_000);
    const first = await readRecord(ns, 'web', 1);
    expect(first?.info.status).toBe('failed');
    expect(first?.info.description).toContain('superseded by generation 2');
    expect(hr.status?.history?.map((h) => [h.revision, h.status])).toEqual([[2, 'deployed'], [1, 'failed']]);
  });

  it('releases waiting for a Deployment, a post-install hook, a chart test or a pre-delete hook that never finish hold no worker: others install meanwhile at --concurrency 1', async () => {
    const ns = await testNamespace('hr-hol');
    operator(['--concurrency', '1']);
    await createRelease(ns, 'stuck', { chart: chart('ejsapp', '1.1.0'), values: { hang: true }, timeout: '5m' });
    const parked = await waitFor('stuck parked', async () => ((await getRelease(ns, 'stuck'))?.status?.inProgress?.revision === 1 ? true : undefined), 60_000);
    expect(parked).toBe(true);
    await createRelease(ns, 'hooked', { chart: chart('hookapp', '1.0.0'), values: { hangPostInstall: true }, timeout: '5m' });
    const hookWait = await waitFor('hooked parked on its post-install hook', async () => {
      const waitingOn = (await getRelease(ns, 'hooked'))?.status?.inProgress?.waitingOn;
      return waitingOn?.includes(`hook Job ${ns}/post-install`) === true ? waitingOn : undefined;
    }, 60_000);
    expect(hookWait).toContain('to complete');
    await createRelease(ns, 'tested', { chart: chart('testedapp', '1.0.0'), values: { hangTest: true }, test: { enable: true }, timeout: '5m' });
    // The Job test (weight 0) completes; the Pod test (weight 1) runs forever: the release stays parked on it.
    const testWait = await waitFor('tested parked on its hanging chart test', async () => {
      const p = (await getRelease(ns, 'tested'))?.status?.inProgress;
      return p?.action === 'test' && p.waitingOn?.includes(`Pod ${ns}/tested-smoke`) === true ? p : undefined;
    }, 60_000);
    expect(testWait.revision).toBe(1);
    // hookapp's hook Jobs have fixed names: this one gets a namespace of its own.
    const del = await testNamespace('hr-hol-del');
    await createRelease(del, 'leaving', { chart: chart('hookapp', '1.0.0'), values: { hangPreDelete: true }, timeout: '5m' });
    await waitRevision(del, 'leaving', 1, 'InstallSucceeded');
    await deleteRelease(del, 'leaving');
    const deleteWait = await waitFor('leaving parked on its pre-delete hook', async () => {
      const p = (await getRelease(del, 'leaving'))?.status?.inProgress;
      return p?.action === 'uninstall' && p.waitingOn?.includes(`hook Job ${del}/pre-delete`) === true ? p : undefined;
    }, 60_000);
    expect(deleteWait.revision).toBe(1);
    const started = Date.now();
    for (const name of ['one', 'two', 'three']) await createRelease(ns, name, { chart: chart('ejsapp', '1.1.0') });
    for (const name of ['one', 'two', 'three']) await waitRevision(ns, name, 1, 'InstallSucceeded');
    // Far below the stuck release's 5 minute timeout: it never held the only worker.
    expect(Date.now() - started).toBeLessThan(60_000);
    const stuck = await getRelease(ns, 'stuck');
    expect(stuck?.status?.inProgress).toMatchObject({ action: 'install', revision: 1, generation: 1 });
    expect(stuck?.status?.inProgress?.waitingOn).toContain(`Deployment ${ns}/stuck`);
    expect(conditionOf(stuck?.status, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
    // The parked hook's record says where it stands: pre-install hooks done, post-install created and running.
    const record = await readRecord(ns, 'hooked', 1);
    expect(record.info.status).toBe('pending-install');
    expect(Object.fromEntries(record.hooks.filter((h) => h.events.includes('pre-install') || h.events.includes('post-install')).map((h) => [h.name, h.last_run.phase]))).toEqual({
      'pre-install-early': 'Succeeded',
      'pre-install-late': 'Succeeded',
      'post-install': 'Unknown',
    });
    // The tests run on the deployed revision; helm sees it deployed meanwhile.
    expect((await readRecord(ns, 'tested', 1)).info.status).toBe('deployed');
    expect(conditionOf((await getRelease(ns, 'tested'))?.status, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
    // The release being deleted is uninstalling, its objects still there behind the running pre-delete hook.
    expect((await readRecord(del, 'leaving', 1)).info.status).toBe('uninstalling');
    expect(await configMap(del, 'leaving-config')).toBeDefined();
    // Dropping the hooks lets the parked uninstall finish at once, without them.
    await patchRelease(del, 'leaving', { spec: { uninstall: { disableHooks: true } } });
    await waitGone(del, 'leaving', 60_000);
    expect(await configMap(del, 'leaving-config')).toBeUndefined();
    expect(await recordNames(del, 'leaving')).toEqual([]);
  });

  it('an operator killed mid-wait resumes the wait after restart and fails it at the original deadline', async () => {
    const ns = await testNamespace('hr-resume');
    const first = operator();
    await createRelease(ns, 'slow', { chart: chart('ejsapp', '1.1.0'), values: { hang: true }, timeout: '20s' });
    const deadline = await waitFor('parked with a deadline', async () => (await getRelease(ns, 'slow'))?.status?.inProgress?.deadline, 60_000);
    await first.stop('SIGKILL');
    operator();
    const hr = await waitReady(ns, 'slow', 'False', 'WaitTimeout', 90_000);
    const failedAt = Date.parse(conditionOf(hr.status, 'Ready')?.lastTransitionTime ?? '');
    // Not restarted from zero (that would be 20 s after the restart): failed at the recorded deadline.
    expect(failedAt).toBeGreaterThanOrEqual(Date.parse(deadline) - 1_000);
    expect(failedAt).toBeLessThan(Date.parse(deadline) + 10_000);
    expect(hr.status?.inProgress).toBeUndefined();
    const record = await readRecord(ns, 'slow', 1);
    expect(record.info.status).toBe('failed');
    expect(record.info.description).toContain('timed out after 20s waiting for readiness of');
  });

  it('bad inputs each give a specific reason and change nothing', async () => {
    const ns = await testNamespace('hr-bad');
    operator();
    await clients().core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'shared-owned', labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'other', 'meta.helm.sh/release-namespace': ns } } },
    });
    await createRelease(ns, 'bad', { chart: chart('ejsapp', '1.1.0') });
    await waitRevision(ns, 'bad', 1, 'InstallSucceeded');
    const deploymentRv = (await clients().apps.readNamespacedDeployment({ namespace: ns, name: 'bad' })).metadata?.resourceVersion;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ values: { bad: 'unknownKind' } }, 'UnknownKind', 'Widget'],
      [{ values: { bad: 'duplicate' } }, 'DuplicateObject', 'bad-config'],
      [{ values: { bad: 'owned' } }, 'OwnershipConflict', 'shared-owned'],
      [{ values: { bad: null }, chart: chart('ejsapp', '9.0.0') }, 'ReleaseTooLarge', 'sh.helm.release.v1.bad.v2'],
    ];
    for (const [spec, reason, named] of cases) {
      await patchRelease(ns, 'bad', { spec });
      const hr = await waitReady(ns, 'bad', 'False', reason);
      expect(conditionOf(hr.status, 'Ready')?.message).toContain(named);
      expect(hr.status?.releaseRevision).toBe(1);
      expect(await recordNames(ns, 'bad')).toEqual(['sh.helm.release.v1.bad.v1']);
      expect((await clients().apps.readNamespacedDeployment({ namespace: ns, name: 'bad' })).metadata?.resourceVersion).toBe(deploymentRv);
      expect((await helmJson<HelmHistoryItem[]>(['history', 'bad', '-n', ns])).map((h) => [h.revision, h.status])).toEqual([[1, 'deployed']]);
    }
    expect((await configMap(ns, 'shared-owned'))?.metadata?.annotations?.['meta.helm.sh/release-name']).toBe('other');
    await deleteRelease(ns, 'bad');
    await waitGone(ns, 'bad');
    expect(await configMap(ns, 'shared-owned')).toBeDefined();
  });

  it('CRDs from crds/ are created first and waited for, then custom resources of their kind; createNamespace', async () => {
    const ns = await testNamespace('hr-crd');
    const target = `${ns}-target`;
    operator();
    await createRelease(ns, 'gadgets', { chart: chart('crdapp', '1.0.0'), targetNamespace: target, install: { createNamespace: true } });
    try {
      const hr = await waitRevision(ns, 'gadgets', 1, 'InstallSucceeded');
      const crd = await clients().kc.makeApiClient(k8s.ApiextensionsV1Api).readCustomResourceDefinition({ name: `gadgets.${CRD_GROUP}` });
      expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
      const gadget = (await api().request({ method: 'GET', path: `/apis/${CRD_GROUP}/v1/namespaces/${target}/gadgets/gadgets-gadget` })) as { spec: { size: number } };
      expect(gadget.spec.size).toBe(3);
      expect(hr.status?.inventory).toEqual([{ apiVersion: `${CRD_GROUP}/v1`, kind: 'Gadget', namespace: target, name: 'gadgets-gadget' }]);
      await agreesWithHelm(target, hr, {});
      await deleteRelease(ns, 'gadgets');
      await waitGone(ns, 'gadgets');
      expect(await recordNames(target, 'gadgets')).toEqual([]);
      await clients().kc.makeApiClient(k8s.ApiextensionsV1Api).readCustomResourceDefinition({ name: `gadgets.${CRD_GROUP}` });
    } finally {
      await clients().core.deleteNamespace({ name: target }).catch(() => undefined);
    }
  });

  it('drift: an edited and a deleted object are put back without a new revision; mode warn only reports', async () => {
    const ns = await testNamespace('hr-drift');
    const op = operator();
    const { metrics } = await operatorPorts(op);
    await createRelease(ns, 'drift', { chart: chart('ejsapp', '1.1.0'), values: { message: 'ours' }, interval: '2s' });
    let hr = await waitRevision(ns, 'drift', 1, 'InstallSucceeded');
    expect(conditionOf(hr.status, 'Drifted')).toMatchObject({ status: 'False', reason: 'NoDriftDetected', message: `the cluster matches revision 1 of ${ns}/drift` });
    // In sync: the checks are dry runs (they show up as such) and nothing is written.
    await waitFor('drift checks', async () => (metricValue(await scrape(metrics), 'maglev_api_requests_total', { verb: 'PATCH', dry_run: 'true' }) >= 3 ? true : undefined), 30_000);

    // What `kubectl edit` does (an update by another manager), and a deletion.
    const editConfig = (message: string) =>
      api().request({ method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/drift-config`, query: { fieldManager: 'kubectl-edit' }, body: { data: { message } }, contentType: 'application/merge-patch+json' });
    await editConfig('edited');
    await clients().core.deleteNamespacedService({ namespace: ns, name: 'drift' });
    hr = await waitFor('drift corrected', async () => {
      const h = await getRelease(ns, 'drift');
      return conditionOf(h?.status, 'Drifted')?.reason === 'DriftCorrected' ? h : undefined;
    }, 60_000);
    expect(conditionOf(hr.status, 'Drifted')?.message).toBe(`corrected drift from revision 1: ConfigMap ${ns}/drift-config (.data.message), Service ${ns}/drift (deleted)`);
    expect(conditionOf(hr.status, 'Ready')).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    expect((await configMap(ns, 'drift-config'))?.data).toEqual({ message: 'ours' });
    expect((await clients().core.readNamespacedService({ namespace: ns, name: 'drift' })).spec?.ports?.[0]?.port).toBe(80);
    expect(await recordNames(ns, 'drift')).toEqual(['sh.helm.release.v1.drift.v1']);
    // Later clean checks keep showing the last correction.
    const reconciles = async (): Promise<number> => metricValue(await scrape(metrics), 'maglev_reconcile_total', { controller: 'HelmRelease' });
    let seen = await reconciles();
    await waitFor('two more reconciles', async () => ((await reconciles()) - seen >= 2 ? true : undefined), 30_000);
    expect(conditionOf((await getRelease(ns, 'drift'))?.status, 'Drifted')?.reason).toBe('DriftCorrected');
    const events = (await clients().kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: ns })).items.filter((e) => e.regarding?.name === 'drift');
    expect(events.map((e) => e.reason)).toContain('DriftCorrected');

    // warn: reported, left alone.
    await patchRelease(ns, 'drift', { spec: { driftDetection: { mode: 'warn' } } });
    await waitRevision(ns, 'drift', 2, 'UpgradeSucceeded');
    await editConfig('edited again');
    hr = await waitFor('drift reported', async () => {
      const h = await getRelease(ns, 'drift');
      return conditionOf(h?.status, 'Drifted')?.reason === 'DriftDetected' ? h : undefined;
    }, 60_000);
    expect(conditionOf(hr.status, 'Drifted')).toMatchObject({ status: 'True', message: `1 of 3 object(s) differ from revision 2: ConfigMap ${ns}/drift-config (.data.message)` });
    expect(conditionOf(hr.status, 'Ready')).toMatchObject({ status: 'True' });
    seen = await reconciles();
    await waitFor('two more reconciles', async () => ((await reconciles()) - seen >= 2 ? true : undefined), 30_000);
    expect((await configMap(ns, 'drift-config'))?.data).toEqual({ message: 'edited again' });
    await deleteRelease(ns, 'drift');
    await waitGone(ns, 'drift');
  });

  it('spec.test: chart tests run after install and upgrade, show in helm status; a failing test is rolled back', async () => {
    const ns = await testNamespace('hr-test');
    operator();
    await createRelease(ns, 'tested', { chart: chart('testedapp', '1.0.0'), test: { enable: true, timeout: '60s' }, upgrade: { remediation: { retries: 1 } }, timeout: '60s' });
    let hr = await waitRevision(ns, 'tested', 1, 'InstallSucceeded');
    expect(conditionOf(hr.status, 'TestSuccess')).toMatchObject({ status: 'True', reason: 'TestSucceeded', message: '2 test hook(s) of revision 1 passed' });
    const suite = (await helm(['status', 'tested', '-n', ns])).replace(/Last (Started|Completed):.*\n/g, '');
    expect(suite).toContain('TEST SUITE:     tested-smoke\nPhase:          Succeeded');
    expect(suite).toContain('TEST SUITE:     api-check\nPhase:          Succeeded');
    // hook-succeeded deleted the Job; the Pod (default before-hook-creation) stays until the next run.
    expect((await clients().core.readNamespacedPod({ namespace: ns, name: 'tested-smoke' })).status?.phase).toBe('Succeeded');
    await waitFor('the api-check Job deleted', async () => (await clients().batch.listNamespacedJob({ namespace: ns })).items.length === 0 ? true : undefined, 30_000);

    // retries 1: the failed upgrade is rolled back and retried once, and the second failure is rolled back too.
    await patchRelease(ns, 'tested', { spec: { values: { failTest: true } } });
    hr = await waitFor('retries exhausted', async () => {
      const h = await getRelease(ns, 'tested');
      return conditionOf(h?.status, 'Stalled')?.reason === 'RetriesExceeded' ? h : undefined;
    }, 120_000);
    expect(conditionOf(hr.status, 'Ready')).toMatchObject({ status: 'False', reason: 'TestFailed' });
    expect(conditionOf(hr.status, 'TestSuccess')).toMatchObject({ status: 'False', reason: 'TestFailed' });
    expect(conditionOf(hr.status, 'TestSuccess')?.message).toContain('tested-smoke');
    expect(conditionOf(hr.status, 'Remediated')).toMatchObject({ status: 'True', reason: 'RollbackSucceeded' });
    const history = await helmJson<{ revision: number; status: string; description: string }[]>(['history', 'tested', '-n', ns]);
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'superseded'],
      [4, 'superseded'],
      [5, 'deployed'],
    ]);
    expect(history[4]?.description).toBe('Rollback to 3');
    for (const revision of [2, 4]) {
      expect((await readRecord(ns, 'tested', revision)).hooks.find((h) => h.name === 'tested-smoke')?.last_run.phase).toBe('Failed');
    }
    expect(hr.status?.upgradeFailures).toBe(2);
    await deleteRelease(ns, 'tested');
    await waitGone(ns, 'tested');
  });

  it('suspend holds a release back, dependsOn waits for Ready dependencies, serviceAccountName is impersonated', async () => {
    const ns = await testNamespace('hr-gates');
    operator();
    // suspend: nothing is installed until it is lifted.
    await createRelease(ns, 'held', { chart: chart('ejsapp', '1.1.0'), suspend: true });
    const held = await waitFor('held suspended', async () => {
      const h = await getRelease(ns, 'held');
      return conditionOf(h?.status, 'Ready')?.reason === 'Suspended' ? h : undefined;
    });
    expect(conditionOf(held.status, 'Ready')?.message).toContain('spec.suspend: true');
    expect(await recordNames(ns, 'held')).toEqual([]);
    expect(await configMap(ns, 'held-config')).toBeUndefined();

    // dependsOn: `app` waits for `db`, which does not exist yet, then for it to be Ready.
    await createRelease(ns, 'app', { chart: chart('ejsapp', '1.1.0'), dependsOn: [{ name: 'db' }] });
    const waiting = await waitReady(ns, 'app', 'False', 'DependencyNotReady');
    expect(conditionOf(waiting.status, 'Ready')?.message).toBe(`waiting for dependencies to be Ready: ${ns}/db (not found)`);
    expect(await recordNames(ns, 'app')).toEqual([]);

    // serviceAccountName: `db` acts as system:serviceaccount:<ns>:deployer, which may do nothing at first.
    await clients().core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'deployer' } } });
    await createRelease(ns, 'db', { chart: chart('ejsapp', '1.1.0'), serviceAccountName: 'deployer' });
    const denied = await waitFor('the deployer refused', async () => {
      const h = await getRelease(ns, 'db');
      return conditionOf(h?.status, 'Ready')?.status === 'False' ? h : undefined;
    });
    expect(conditionOf(denied.status, 'Ready')?.message).toContain(`system:serviceaccount:${ns}:deployer`);
    expect(conditionOf(denied.status, 'Ready')?.message).toContain('forbidden');
    expect(await recordNames(ns, 'db')).toEqual([]);
    const rbac = clients().kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'deployer' }, rules: [{ apiGroups: ['', 'apps'], resources: ['*'], verbs: ['*'] }] } });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: { metadata: { name: 'deployer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' }, subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }] },
    });
    const db = await waitReady(ns, 'db', 'True', 'InstallSucceeded');
    const managers = (await configMap(ns, 'db-config'))?.metadata?.managedFields?.map((f) => f.manager);
    expect(managers).toContain('maglev-operator');
    expect(db.status?.releaseRevision).toBe(1);
    await waitReady(ns, 'app', 'True', 'InstallSucceeded');

    await patchRelease(ns, 'held', { spec: { suspend: false } });
    await waitReady(ns, 'held', 'True', 'InstallSucceeded');
    for (const name of ['app', 'db', 'held']) await deleteRelease(ns, name);
    for (const name of ['app', 'db', 'held']) await waitGone(ns, name);
  });

  it('a second HelmRelease of the same Helm release is refused and its deletion leaves the release alone', async () => {
    const ns = await testNamespace('hr-twin');
    operator();
    await createRelease(ns, 'first', { chart: chart('ejsapp', '1.1.0'), interval: '2s' });
    await waitRevision(ns, 'first', 1, 'InstallSucceeded');
    await createRelease(ns, 'second', { chart: chart('ejsapp', '1.1.0'), values: { message: 'mine' }, releaseName: 'first', interval: '2s' });
    const second = await waitReady(ns, 'second', 'False', 'ReleaseClaimed');
    expect(conditionOf(second.status, 'Ready')?.message).toContain(`is managed by HelmRelease ${ns}/first`);
    expect(conditionOf(second.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'ReleaseClaimed' });
    expect(second.metadata.finalizers ?? []).toEqual([]);
    await deleteRelease(ns, 'second');
    await waitGone(ns, 'second');
    const first = await waitReady(ns, 'first', 'True', 'InstallSucceeded');
    expect(first.status?.releaseRevision).toBe(1);
    expect(await recordNames(ns, 'first')).toEqual(['sh.helm.release.v1.first.v1']);
    expect((await configMap(ns, 'first-config'))?.data).toEqual({ message: 'hello' });
    await deleteRelease(ns, 'first');
    await waitGone(ns, 'first');
  });

  it('a new releaseName or targetNamespace moves the release: uninstalled under the old name, installed under the new', async () => {
    const ns = await testNamespace('hr-move');
    const target = await testNamespace('hr-move-target');
    operator();
    await createRelease(ns, 'mover', { chart: chart('ejsapp', '1.1.0') });
    let hr = await waitRevision(ns, 'mover', 1, 'InstallSucceeded');
    expect(hr.status).toMatchObject({ releaseName: 'mover', releaseNamespace: ns });
    await patchRelease(ns, 'mover', { spec: { releaseName: 'moved', targetNamespace: target } });
    hr = await waitFor('the release moved', async () => {
      const h = await waitReady(ns, 'mover', 'True', 'InstallSucceeded');
      return h.status?.releaseName === 'moved' ? h : undefined;
    });
    expect(hr.status).toMatchObject({ releaseName: 'moved', releaseNamespace: target, releaseRevision: 1 });
    expect(await recordNames(ns, 'mover')).toEqual([]);
    expect(await configMap(ns, 'mover-config')).toBeUndefined();
    expect(await recordNames(target, 'moved')).toEqual(['sh.helm.release.v1.moved.v1']);
    expect((await configMap(target, 'moved-config'))?.data).toEqual({ message: 'hello' });
    expect(await helmJson<unknown[]>(['list', '-n', ns])).toEqual([]);
    await deleteRelease(ns, 'mover');
    await waitGone(ns, 'mover');
    expect(await recordNames(target, 'moved')).toEqual([]);
  });

  it('a field owned by another manager is a reported conflict, taken over only with upgrade.force', async () => {
    const ns = await testNamespace('hr-ssa');
    operator();
    await createRelease(ns, 'owned', { chart: chart('ejsapp', '1.1.0'), values: { message: 'ours' }, interval: '2s' });
    await waitRevision(ns, 'owned', 1, 'InstallSucceeded');
    await api().request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/owned-config`,
      query: { fieldManager: 'someone-else', force: true },
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned-config' }, data: { message: 'theirs' } },
      contentType: 'application/apply-patch+yaml',
    });
    // Drift correction does not take a field another manager server-side applied either.
    const drifted = await waitReady(ns, 'owned', 'False', 'DriftCorrectionFailed');
    expect(conditionOf(drifted.status, 'Drifted')).toMatchObject({ status: 'True', reason: 'DriftCorrectionFailed' });
    expect(conditionOf(drifted.status, 'Drifted')?.message).toContain('fields are server-side applied by "someone-else"; set upgrade.force to take them over');
    expect((await configMap(ns, 'owned-config'))?.data).toEqual({ message: 'theirs' });
    await patchRelease(ns, 'owned', { spec: { values: { message: 'ours again' } } });
    const hr = await waitReady(ns, 'owned', 'False', 'Conflict');
    expect(conditionOf(hr.status, 'Ready')?.message).toContain('someone-else');
    expect(conditionOf(hr.status, 'Ready')?.message).toContain('ConfigMap');
    expect((await configMap(ns, 'owned-config'))?.data).toEqual({ message: 'theirs' });
    await patchRelease(ns, 'owned', { spec: { upgrade: { force: true } } });
    await waitRevision(ns, 'owned', 3, 'UpgradeSucceeded');
    expect((await configMap(ns, 'owned-config'))?.data).toEqual({ message: 'ours again' });
    await deleteRelease(ns, 'owned');
    await waitGone(ns, 'owned');
  });
});
