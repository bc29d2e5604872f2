import { describe, expect, it } from 'vitest';
import type { HelmRelease } from '../crds/index.js';
import { isMaglevError, MaglevError } from '../errors.js';
import { releaseDriver } from '../release/reconcile/driver.js';
import { HELMRELEASE_FINALIZER as FINALIZER } from '../constants.js';
import { defaultObjects, driverWorld, HR, type DriverWorld } from '../release/testing/fake-driver.js';
import { rendered, renderedHook, fakeRender } from '../release/testing/fixtures.js';
import { ApiStatusError } from '../runtime/api-error.js';
import { memoryLogger } from '../runtime/testing/logger.js';
import type { Condition } from '../runtime/conditions.js';
import type { KubeObject } from '../runtime/object.js';
import type { Result } from '../runtime/reconcile.js';
import { ReleaseStorage } from '../release/storage.js';
import { helmReleaseReconciler } from './helmrelease.js';

interface Ended {
  result?: Result;
  error?: unknown;
}

/** Runs one reconcile through the real controller shape (validation, driver, status patch). */
async function reconcile(w: DriverWorld): Promise<Ended> {
  const reconciler = helmReleaseReconciler({
    cache: {
      get: (ns, name) => structuredClone(w.objects.peek('HelmRelease', ns, name)) as unknown as HelmRelease | undefined,
      list: () => [],
      hasSynced: () => true,
    },
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

function condition(w: DriverWorld, type: string): Condition | undefined {
  return w.hr().status?.conditions?.find((c) => c.type === type);
}

/** Every write the fakes saw, except reads. */
function writes(w: DriverWorld): string[] {
  return [
    ...w.objects.writes,
    ...w.cluster.store.calls.filter((c) => !c.startsWith('list')),
    ...w.cluster.applier.calls.filter((c) => !c.startsWith('get') && !c.startsWith('dry-run')),
    ...w.cluster.hooks.calls,
    ...w.events.map((e) => `event ${e.event.reason}`),
  ];
}

/** [revision, status] of every stored record, oldest first. */
async function revisions(w: DriverWorld): Promise<[number, string][]> {
  return (await w.cluster.ctx.storage.history('web')).map((h) => [h.record.version, h.record.info.status]);
}

function clearLogs(w: DriverWorld): void {
  w.objects.writes.length = 0;
  w.cluster.store.calls.length = 0;
  w.cluster.applier.calls.length = 0;
  w.cluster.hooks.calls.length = 0;
  w.events.length = 0;
  w.actions.length = 0;
  w.renders.length = 0;
}

describe('HelmRelease reconcile with the release driver', () => {
  it('installs an absent release: finalizer first, then the record, status and one event', async () => {
    const w = driverWorld({ values: { replicas: 2 } });
    const { result } = await reconcile(w);
    expect(w.objects.writes[0]).toBe('patch HelmRelease apps/web');
    expect(w.hr().metadata.finalizers).toEqual([FINALIZER]);
    expect(w.cluster.store.names('apps')).toEqual(['sh.helm.release.v1.web.v1']);
    const status = w.hr().status;
    expect(status).toMatchObject({
      observedGeneration: 1,
      releaseName: 'web',
      releaseRevision: 1,
      chartName: 'web',
      chartVersion: '1.0.0',
      appVersion: 'app-1.0.0',
      lastAttempted: { action: 'install', chartVersion: '1.0.0', generation: 1 },
      failures: 0,
      installFailures: 0,
      inventory: [
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'web-config' },
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'web' },
      ],
    });
    expect(status?.valuesDigest).toBe(status?.lastAttempted?.valuesDigest);
    expect(status?.history).toHaveLength(1);
    expect(status?.history?.[0]).toMatchObject({ revision: 1, status: 'deployed', action: 'install', chartVersion: '1.0.0' });
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', reason: 'InstallSucceeded', message: 'Helm install succeeded for release apps/web.v1 with chart web@1.0.0' });
    expect(condition(w, 'Released')).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    expect(condition(w, 'Reconciling')).toBeUndefined();
    expect(w.events.map((e) => [e.event.type, e.event.reason])).toEqual([['Normal', 'InstallSucceeded']]);
    expect(w.actions).toEqual(['install succeeded']);
    expect(w.renders).toHaveLength(1);
    expect(w.renders[0]?.release).toEqual({ name: 'web', namespace: 'apps', revision: 1, isInstall: true, isUpgrade: false });
    expect(w.renders[0]?.values).toMatchObject({ replicas: 2 });
    expect(result?.requeueAfterMs).toBe(600_000);
  });

  it('a second reconcile of an in-sync release renders nothing and writes nothing', async () => {
    const w = driverWorld();
    await reconcile(w);
    const before = w.hr();
    clearLogs(w);
    const { result } = await reconcile(w);
    expect(writes(w)).toEqual([]);
    expect(w.renders).toHaveLength(0);
    expect(w.hr()).toEqual(before);
    expect(result?.requeueAfterMs).toBe(600_000);
  });

  it('checks an in-sync release for drift with dry runs only; corrects drift without a new revision', async () => {
    const w = driverWorld();
    await reconcile(w);
    expect(condition(w, 'Drifted')).toMatchObject({ status: 'False', reason: 'NoDriftDetected', message: 'the cluster matches revision 1 of apps/web' });
    expect(w.cluster.applier.callsOf('dry-run')).toEqual([]);
    clearLogs(w);
    await reconcile(w);
    expect(w.cluster.applier.callsOf('dry-run').sort()).toEqual(['dry-run ConfigMap apps/web-config', 'dry-run Deployment apps/web']);
    expect(writes(w)).toEqual([]);

    const live = structuredClone(w.cluster.applier.objects.get('Deployment apps/web')) as unknown as { spec: { replicas: number } };
    live.spec.replicas = 9;
    w.cluster.applier.seed(live as unknown as KubeObject);
    w.cluster.applier.objects.delete('ConfigMap apps/web-config');
    clearLogs(w);
    const { result } = await reconcile(w);
    expect(w.cluster.applier.callsOf('apply')).toEqual(['apply ConfigMap apps/web-config', 'apply Deployment apps/web']);
    expect(w.cluster.applier.objects.has('ConfigMap apps/web-config')).toBe(true);
    expect(condition(w, 'Drifted')).toMatchObject({
      status: 'False',
      reason: 'DriftCorrected',
      message: 'corrected drift from revision 1: ConfigMap apps/web-config (deleted), Deployment apps/web (.spec.replicas)',
    });
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    expect(w.events.map((e) => [e.event.type, e.event.reason])).toEqual([['Normal', 'DriftCorrected']]);
    expect(w.actions).toEqual(['drift-correction succeeded']);
    expect(w.cluster.store.names('apps')).toEqual(['sh.helm.release.v1.web.v1']);
    expect(result?.requeueAfterMs).toBe(600_000);
    // The correction stays visible while the cluster stays as corrected; a clean check writes nothing.
    const corrected = w.hr();
    clearLogs(w);
    await reconcile(w);
    expect(w.hr()).toEqual(corrected);
    expect(writes(w)).toEqual([]);
  });

  it('driftDetection warn reports drift and changes nothing; disabled does not look; a failed correction makes Ready False', async () => {
    const drifted = async (mode: 'enabled' | 'warn' | 'disabled'): Promise<DriverWorld> => {
      const w = driverWorld({ driftDetection: { mode } });
      await reconcile(w);
      const live = structuredClone(w.cluster.applier.objects.get('Deployment apps/web')) as unknown as { spec: { replicas: number } };
      live.spec.replicas = 9;
      w.cluster.applier.seed(live as unknown as KubeObject);
      clearLogs(w);
      return w;
    };
    const warn = await drifted('warn');
    await reconcile(warn);
    expect(warn.cluster.applier.callsOf('apply')).toEqual([]);
    expect(condition(warn, 'Drifted')).toMatchObject({ status: 'True', reason: 'DriftDetected', message: '1 of 2 object(s) differ from revision 1: Deployment apps/web (.spec.replicas)' });
    expect(condition(warn, 'Ready')).toMatchObject({ status: 'True' });
    expect(warn.events.map((e) => [e.event.type, e.event.reason])).toEqual([['Warning', 'DriftDetected']]);

    const disabled = await drifted('disabled');
    await reconcile(disabled);
    expect(disabled.cluster.applier.calls).toEqual([]);
    expect(condition(disabled, 'Drifted')).toBeUndefined();
    expect(writes(disabled)).toEqual([]);

    const failing = await drifted('enabled');
    failing.cluster.applier.fail('apply', 'Deployment apps/web', new Error('admission webhook denied the request'));
    const { error } = await reconcile(failing);
    expect(condition(failing, 'Ready')).toMatchObject({ status: 'False', reason: 'DriftCorrectionFailed' });
    expect(condition(failing, 'Ready')?.message).toMatch(/Deployment apps\/web \(\.spec\.replicas\); correcting it failed: apply Deployment apps\/web .*admission webhook denied the request/);
    expect(condition(failing, 'Drifted')).toMatchObject({ status: 'True', reason: 'DriftCorrectionFailed' });
    expect(failing.events.map((e) => [e.event.type, e.event.reason])).toEqual([['Warning', 'DriftCorrectionFailed']]);
    expect(failing.actions).toEqual(['drift-correction failed']);
    // Retried through the controller's per-key backoff: the reconcile ends with the error, not a requeue.
    expect(error).toMatchObject({ code: 'DriftCorrectionFailed' });
  });

  it('spec.test runs the test hooks after install and upgrade; a failed test is remediated like a failed upgrade', async () => {
    const w = driverWorld({ test: { enable: true }, upgrade: { remediation: { retries: 1 } } });
    const tests = [renderedHook('smoke', 'Pod', ['test'], { weight: 1 }), renderedHook('api-check', 'Job', ['test'], { deletePolicies: ['hook-succeeded'] })];
    w.renderResult = fakeRender(defaultObjects(), tests);
    await reconcile(w);
    expect(w.cluster.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/api-check', 'create Pod/smoke']);
    expect(condition(w, 'TestSuccess')).toMatchObject({ status: 'True', reason: 'TestSucceeded', message: '2 test hook(s) of revision 1 passed' });
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    const v1 = (await w.cluster.ctx.storage.latest('web'))?.record;
    expect(v1?.info.status).toBe('deployed');
    expect(v1?.hooks.map((h) => [h.name, h.last_run.phase])).toEqual([['smoke', 'Succeeded'], ['api-check', 'Succeeded']]);
    expect(w.events.map((e) => `${e.event.type} ${e.event.reason}`)).toEqual(['Normal InstallSucceeded', 'Normal TestSucceeded']);

    // A second reconcile does not run the tests again.
    clearLogs(w);
    await reconcile(w);
    expect(w.cluster.hooks.calls).toEqual([]);

    w.chart.version = '1.1.0';
    w.cluster.hooks.fail('wait', 'Pod/smoke', new MaglevError('HookFailed', 'pod smoke failed: container app exited with code 1'));
    clearLogs(w);
    await reconcile(w);
    const history = await w.cluster.ctx.storage.history('web');
    expect(await revisions(w)).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
    expect(history[1]?.record.hooks.find((h) => h.name === 'smoke')?.last_run.phase).toBe('Failed');
    expect(condition(w, 'TestSuccess')).toMatchObject({ status: 'False', reason: 'TestFailed' });
    expect(condition(w, 'TestSuccess')?.message).toContain('smoke');
    expect(condition(w, 'Released')).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
    expect(condition(w, 'Remediated')).toMatchObject({ status: 'True', reason: 'RollbackSucceeded' });
    expect(w.hr().status).toMatchObject({ upgradeFailures: 1 });
    expect(w.events.map((e) => `${e.event.type} ${e.event.reason}`)).toEqual(['Normal UpgradeSucceeded', 'Warning TestFailed', 'Normal RollbackSucceeded']);
    expect(w.actions).toEqual(['upgrade failed', 'rollback succeeded']);
  });

  it('a chart test still running parks after the install: no worker held; the next pass finishes the tests, then a failing one after an upgrade is remediated', async () => {
    const w = driverWorld({ test: { enable: true }, upgrade: { remediation: { retries: 1 } } });
    w.renderResult = fakeRender(defaultObjects(), [renderedHook('smoke', 'Job', ['test'])]);
    w.cluster.hooks.running.add('Job/smoke');
    await reconcile(w);
    expect((await w.cluster.ctx.storage.latest('web'))?.record.info.status).toBe('deployed');
    expect(w.hr().status?.inProgress).toMatchObject({ action: 'test', revision: 1 });
    expect(w.hr().status?.inProgress?.waitingOn).toMatch(/hook Job\/smoke/);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
    expect(condition(w, 'Ready')?.message).toMatch(/^Test of revision 1 of apps\/web: /);
    expect(w.events).toEqual([]);
    expect(w.actions).toEqual([]);

    // Woken by the test Job's event: the tests are resumed (not created again) and the install is reported.
    w.cluster.hooks.running.delete('Job/smoke');
    clearLogs(w);
    await reconcile(w);
    expect(w.cluster.hooks.calls.filter((c) => c.startsWith('create'))).toEqual([]);
    expect(w.hr().status?.inProgress).toBeUndefined();
    expect(condition(w, 'TestSuccess')).toMatchObject({ status: 'True', message: '1 test hook(s) of revision 1 passed' });
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    expect(w.events.map((e) => `${e.event.type} ${e.event.reason}`)).toEqual(['Normal InstallSucceeded', 'Normal TestSucceeded']);
    expect(w.actions).toEqual(['install succeeded']);

    // An upgrade whose test parks, then fails: remediated as a failed upgrade.
    w.chart.version = '1.1.0';
    w.cluster.hooks.running.add('Job/smoke');
    clearLogs(w);
    await reconcile(w);
    expect(w.hr().status?.inProgress).toMatchObject({ action: 'test', revision: 2 });
    w.cluster.hooks.running.delete('Job/smoke');
    w.cluster.hooks.fail('wait', 'Job/smoke', new MaglevError('HookFailed', 'job smoke failed: BackoffLimitExceeded'));
    await reconcile(w);
    expect(await revisions(w)).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
    expect(condition(w, 'TestSuccess')).toMatchObject({ status: 'False', reason: 'TestFailed' });
    expect(w.hr().status).toMatchObject({ upgradeFailures: 1 });
    expect(w.events.map((e) => `${e.event.type} ${e.event.reason}`)).toEqual(['Normal UpgradeSucceeded', 'Warning TestFailed', 'Normal RollbackSucceeded']);
    expect(w.actions).toEqual(['upgrade failed', 'rollback succeeded']);
  });

  it('a second HelmRelease of the same Helm release is refused while the first exists, never uninstalls it, and adopts it once the first is gone', async () => {
    const w = driverWorld();
    await reconcile(w);
    const spec = { chart: { repository: 'https://charts.example.com', name: 'web', version: '*' }, releaseName: 'web', interval: '10m', timeout: '1m' };
    w.objects.put({ apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name: 'twin', namespace: 'apps', uid: 'uid-2' }, spec });
    const twin = (): HelmRelease => structuredClone(w.objects.peek('HelmRelease', 'apps', 'twin')) as unknown as HelmRelease;
    const drive = (hr: HelmRelease) => releaseDriver(w.deps)(hr, memoryLogger().logger, new AbortController().signal, { progress: () => Promise.resolve(), observed: () => {} });
    clearLogs(w);
    const refused = await drive(twin());
    expect(refused.state).toEqual({
      phase: 'stalled',
      reason: 'ReleaseClaimed',
      message: 'Helm release apps/web is managed by HelmRelease apps/web; one release cannot have two HelmReleases: give this one another releaseName or targetNamespace, or delete the other',
    });
    expect(refused.status?.releaseRevision).toBeUndefined();
    expect(refused.requeueAfterMs).toBe(600_000);
    expect(writes(w)).toEqual([]);

    // Deleting the twin (say it had the finalizer from an earlier life) leaves the release alone.
    w.objects.updateMeta('HelmRelease', 'apps', 'twin', { finalizers: [FINALIZER] });
    w.objects.requestDelete('HelmRelease', 'apps', 'twin');
    await drive(twin());
    expect(w.cluster.applier.callsOf('delete')).toEqual([]);
    expect(w.cluster.store.names('apps')).toEqual(['sh.helm.release.v1.web.v1']);
    expect(w.objects.peek('HelmRelease', 'apps', 'twin')).toBeUndefined();

    // The first HelmRelease disappears without uninstalling (finalizer removed by hand): a new one adopts the release.
    w.objects.objects.delete('HelmRelease apps/web');
    w.objects.put({ apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name: 'heir', namespace: 'apps', uid: 'uid-3' }, spec });
    const adopted = await drive(structuredClone(w.objects.peek('HelmRelease', 'apps', 'heir')) as unknown as HelmRelease);
    expect(adopted.state).toMatchObject({ phase: 'ready', reason: 'UpgradeSucceeded' });
    const newest = await w.cluster.ctx.storage.latest('web');
    expect(newest?.record.version).toBe(2);
    expect(newest?.secret.annotations).toMatchObject({ 'maglev.io/owner': 'uid-3', 'maglev.io/owner-name': 'apps/heir' });
  });

  it('a new releaseName moves the release: the old one is uninstalled first, a failure to do so holds the move', async () => {
    const w = driverWorld();
    await reconcile(w);
    expect(w.hr().status).toMatchObject({ releaseName: 'web', releaseNamespace: 'apps' });
    w.objects.updateSpec('HelmRelease', 'apps', 'web', (spec) => (spec.releaseName = 'site'));
    w.cluster.applier.fail('delete', 'Deployment apps/web', new Error('the API server said no'));
    clearLogs(w);
    await reconcile(w);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'False', reason: 'UninstallFailed' });
    expect(condition(w, 'Ready')?.message).toMatch(/^the release moved from apps\/web to apps\/site, and uninstalling apps\/web failed: .*the API server said no/s);
    expect(w.cluster.store.names('apps')).toEqual(['sh.helm.release.v1.web.v1']);
    expect(w.renders).toHaveLength(0);

    // Deleted objects still going away park the move; nothing is installed under the new name meanwhile.
    w.cluster.applier.heal('delete', 'Deployment apps/web');
    w.cluster.waiter.notGone = true;
    await reconcile(w);
    expect(w.hr().status?.inProgress).toMatchObject({ action: 'uninstall', revision: 1 });
    expect(condition(w, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
    expect(w.renders).toHaveLength(0);

    w.cluster.waiter.notGone = false;
    clearLogs(w);
    await reconcile(w);
    expect(w.cluster.store.names('apps')).toEqual(['sh.helm.release.v1.site.v1']);
    expect(w.hr().status?.inProgress).toBeUndefined();
    expect(w.hr().status).toMatchObject({ releaseName: 'site', releaseNamespace: 'apps', releaseRevision: 1 });
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
    expect(w.events.map((e) => `${e.event.type} ${e.event.reason}`)).toEqual(['Normal UninstallSucceeded', 'Normal InstallSucceeded']);
    expect(w.actions).toEqual(['uninstall succeeded', 'install succeeded']);
  });

  it('upgrades on a new chart version and on new values, keeping history newest first', async () => {
    const w = driverWorld({ maxHistory: 2 });
    await reconcile(w);
    w.chart.version = '1.1.0';
    await reconcile(w);
    expect(w.hr().status).toMatchObject({ releaseRevision: 2, chartVersion: '1.1.0' });
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
    w.objects.updateSpec('HelmRelease', 'apps', 'web', (spec) => (spec.values = { replicas: 3 }));
    await reconcile(w);
    const status = w.hr().status;
    expect(status?.releaseRevision).toBe(3);
    expect(status?.history?.map((h) => [h.revision, h.status, h.action])).toEqual([
      [3, 'deployed', 'upgrade'],
      [2, 'superseded', 'upgrade'],
    ]);
    expect(w.cluster.store.names('apps')).toEqual(['sh.helm.release.v1.web.v2', 'sh.helm.release.v1.web.v3']);
    expect(w.renders.at(-1)?.release).toMatchObject({ revision: 3, isUpgrade: true });
  });

  it('composes valuesFrom (ConfigMap, Secret with targetPath) under inline values into the record', async () => {
    const w = driverWorld({
      values: { a: 'inline' },
      valuesFrom: [
        { kind: 'ConfigMap', name: 'base', key: 'values.yaml' },
        { kind: 'Secret', name: 'creds', key: 'password', targetPath: 'auth.password' },
      ],
    });
    w.objects.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'base', namespace: 'apps' }, data: { 'values.yaml': 'a: base\nb: base\n' } });
    w.objects.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'apps' }, data: { password: Buffer.from('s3cret').toString('base64') } });
    await reconcile(w);
    const stored = (await w.cluster.ctx.storage.latest('web'))?.record;
    expect(stored?.config).toEqual({ a: 'inline', b: 'base', auth: { password: 's3cret' } });
  });

  it('a wait timeout fails the install naming the object, stalls, and stays quiet afterwards', async () => {
    const w = driverWorld();
    w.cluster.waiter.failWith(new MaglevError('WaitTimeout', '1 object(s) not ready after 60s:\nDeployment apps/web: InProgress (0/1 updated replicas available)'));
    const { result } = await reconcile(w);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'False', reason: 'WaitTimeout' });
    expect(condition(w, 'Ready')?.message).toContain('Deployment apps/web');
    expect(condition(w, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExceeded' });
    expect(condition(w, 'Released')).toMatchObject({ status: 'False', reason: 'InstallFailed' });
    expect(w.hr().status).toMatchObject({ installFailures: 1, failures: 1, history: [{ revision: 1, status: 'failed' }] });
    expect(w.hr().status?.releaseRevision).toBeUndefined();
    expect(w.events.map((e) => `${e.event.type} ${e.event.reason}`)).toEqual(['Warning InstallFailed']);
    expect(w.actions).toEqual(['install failed']);
    expect(result?.requeueAfterMs).toBeUndefined();
    const before = w.hr();
    clearLogs(w);
    await reconcile(w);
    expect(writes(w)).toEqual([]);
    expect(w.hr()).toEqual(before);
  });

  it('a failed upgrade with retries is rolled back in the same pass, then retried later', async () => {
    const w = driverWorld({ upgrade: { remediation: { retries: 1 } } });
    await reconcile(w);
    w.chart.version = '2.0.0';
    w.cluster.hooks.fail('wait', 'Job/migrate');
    w.renderResult = fakeRender(w.renderResult.objects, [renderedHook('migrate', 'Job', ['pre-upgrade'])]);
    clearLogs(w);
    const { error } = await reconcile(w);
    expect(w.actions).toEqual(['upgrade failed', 'rollback succeeded']);
    expect(w.hr().status?.history?.map((h) => [h.revision, h.status, h.action])).toEqual([
      [3, 'deployed', 'rollback'],
      [2, 'failed', 'upgrade'],
      [1, 'superseded', 'install'],
    ]);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'False', reason: 'HookFailed' });
    expect(condition(w, 'Ready')?.message).toContain('pre-upgrade hook web/templates/hook-migrate.yaml (Job migrate) failed');
    expect(condition(w, 'Remediated')).toMatchObject({ status: 'True', reason: 'RollbackSucceeded' });
    expect(condition(w, 'Released')).toMatchObject({ status: 'False', reason: 'UpgradeFailed' });
    expect(w.hr().status).toMatchObject({ releaseRevision: 3, chartVersion: '1.0.0', upgradeFailures: 1 });
    expect(error).toMatchObject({ code: 'HookFailed' });
  });

  it.each<[string, (w: DriverWorld) => void, string]>([
    [
      'an object owned by another release',
      (w) => w.cluster.applier.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'apps', annotations: { 'meta.helm.sh/release-name': 'other' } } }),
      'OwnershipConflict',
    ],
    ['an unknown kind', (w) => w.cluster.applier.unserved.add('Widget'), 'UnknownKind'],
    ['a render error', (w) => (w.renderError = new MaglevError('DuplicateObject', 'ConfigMap apps/shared is rendered twice', { terminal: true })), 'DuplicateObject'],
  ])('an upgrade refused for %s changes nothing and reports the reason', async (_name, breakIt, reason) => {
    const w = driverWorld();
    await reconcile(w);
    w.renderResult = fakeRender([
      ...w.renderResult.objects,
      rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' } }),
      rendered({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ]);
    breakIt(w);
    w.objects.updateSpec('HelmRelease', 'apps', 'web', (spec) => (spec.values = { replicas: 5 }));
    clearLogs(w);
    await reconcile(w);
    expect(w.cluster.store.calls.filter((c) => !c.startsWith('list'))).toEqual([]);
    expect(w.cluster.applier.callsOf('apply')).toEqual([]);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'False', reason });
    expect(condition(w, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExceeded' });
    expect(w.hr().status).toMatchObject({ releaseRevision: 1, upgradeFailures: 1 });
  });

  it('adopts a release the helm CLI installed by upgrading it in place', async () => {
    const w = driverWorld();
    const helm = driverWorld();
    await reconcile(helm);
    for (const name of helm.cluster.store.names('apps')) {
      const secret = helm.cluster.store.peek('apps', name)!;
      w.cluster.store.seed('apps', { ...secret, annotations: {} });
    }
    await reconcile(w);
    expect(w.actions).toEqual(['upgrade succeeded']);
    expect(w.hr().status).toMatchObject({ releaseRevision: 2, history: [{ revision: 2, status: 'deployed' }, { revision: 1, status: 'superseded' }] });
  });

  it('suspend does nothing and says so; dependsOn waits for Ready dependencies', async () => {
    const w = driverWorld({ suspend: true });
    await reconcile(w);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Suspended' });
    expect(w.cluster.store.calls).toEqual([]);
    w.objects.updateSpec('HelmRelease', 'apps', 'web', (spec) => {
      spec.suspend = false;
      spec.dependsOn = [{ name: 'db' }];
    });
    const { result } = await reconcile(w);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'False', reason: 'DependencyNotReady', message: 'waiting for dependencies to be Ready: apps/db (not found)' });
    expect(result?.requeueAfterMs).toBe(10_000);
    w.objects.put({
      apiVersion: 'maglev.io/v1alpha1',
      kind: 'HelmRelease',
      metadata: { name: 'db', namespace: 'apps' },
      status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'InstallSucceeded', message: '', lastTransitionTime: 'x' }] },
    });
    await reconcile(w);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', reason: 'InstallSucceeded' });
  });

  it('a ChartNotFound error is reported with its code and retried', async () => {
    const w = driverWorld();
    w.chart.missing = true;
    const { error } = await reconcile(w);
    expect(isMaglevError(error, 'ChartNotFound')).toBe(true);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'False', reason: 'ChartNotFound' });
    expect(w.events.map((e) => e.event.reason)).toEqual(['ChartNotFound']);
  });

  it('deleting the HelmRelease uninstalls with hooks, waits until gone, purges records, then drops the finalizer', async () => {
    const w = driverWorld();
    w.renderResult = fakeRender(w.renderResult.objects, [renderedHook('bye', 'Job', ['pre-delete'])]);
    await reconcile(w);
    clearLogs(w);
    w.objects.requestDelete('HelmRelease', 'apps', 'web');
    await reconcile(w);
    expect(w.cluster.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/bye']);
    expect(w.cluster.applier.callsOf('delete')).toEqual(['delete Deployment apps/web', 'delete ConfigMap apps/web-config']);
    expect(w.cluster.waiter.gone).toEqual([['Deployment apps/web', 'ConfigMap apps/web-config']]);
    expect(w.cluster.store.names('apps')).toEqual([]);
    expect(w.objects.peek('HelmRelease', 'apps', 'web')).toBeUndefined();
    expect(w.events.map((e) => e.event.reason)).toEqual(['UninstallSucceeded']);
    expect(w.actions).toEqual(['uninstall succeeded']);
  });

  it('a deletion whose delete hook runs, or whose objects are still going away, parks: no worker held, the deadline kept in status', async () => {
    const w = driverWorld();
    w.renderResult = fakeRender(w.renderResult.objects, [renderedHook('bye', 'Job', ['pre-delete'])]);
    await reconcile(w);
    clearLogs(w);
    w.cluster.hooks.running.add('Job/bye');
    w.objects.requestDelete('HelmRelease', 'apps', 'web');
    const first = await reconcile(w);
    expect(first.error).toBeUndefined();
    expect(w.hr().metadata.finalizers).toEqual([FINALIZER]);
    expect(w.hr().status?.inProgress).toMatchObject({ action: 'uninstall', revision: 1 });
    expect(w.hr().status?.inProgress?.waitingOn).toMatch(/hook Job\/bye/);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
    expect(w.cluster.applier.callsOf('delete')).toEqual([]);
    expect(w.actions).toEqual([]);

    // The hook is done; the objects are deleted and still there: parked again, with the deletion's deadline.
    w.cluster.hooks.running.delete('Job/bye');
    w.cluster.waiter.notGone = true;
    await reconcile(w);
    expect(w.cluster.applier.callsOf('delete')).toEqual(['delete Deployment apps/web', 'delete ConfigMap apps/web-config']);
    const deadline = w.hr().status?.inProgress?.deadline;
    expect(w.hr().status?.inProgress).toMatchObject({ action: 'uninstall' });
    expect(w.hr().status?.inProgress?.waitingOn).toMatch(/deletion of Deployment apps\/web/);

    // Gone: the next pass resumes with the recorded deadline, purges the records and lets the object go.
    w.cluster.waiter.notGone = false;
    await reconcile(w);
    expect(w.cluster.waiter.parkDeadlines.at(-1)).toBe(Date.parse(deadline ?? ''));
    expect(w.cluster.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/bye']);
    expect(w.cluster.store.names('apps')).toEqual([]);
    expect(w.objects.peek('HelmRelease', 'apps', 'web')).toBeUndefined();
    expect(w.events.map((e) => e.event.reason)).toEqual(['UninstallSucceeded']);
    expect(w.actions).toEqual(['uninstall succeeded']);
  });

  it('a failed uninstall keeps the finalizer and reports the failure on the object', async () => {
    const w = driverWorld();
    w.renderResult = fakeRender(w.renderResult.objects, [renderedHook('bye', 'Job', ['pre-delete'])]);
    await reconcile(w);
    w.cluster.hooks.fail('wait', 'Job/bye');
    w.objects.requestDelete('HelmRelease', 'apps', 'web');
    const { error } = await reconcile(w);
    expect(w.hr().metadata.finalizers).toEqual([FINALIZER]);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'False', reason: 'UninstallFailed' });
    expect(condition(w, 'Ready')?.message).toContain('pre-delete hook');
    expect(w.events.at(-1)?.event).toMatchObject({ type: 'Warning', reason: 'UninstallFailed' });
    expect(error).toBeInstanceOf(Error);
    expect(w.cluster.applier.objects.has('Deployment apps/web')).toBe(true);
  });

  it('a tenant release whose namespace is being deleted, denied its records, is let go with a Warning instead of blocking the namespace', async () => {
    const w = driverWorld({ serviceAccountName: 'deployer' });
    await reconcile(w);
    const forbidden = new ApiStatusError('GET secrets', 403, { message: 'secrets is forbidden: User "system:serviceaccount:apps:deployer" cannot list resource "secrets"' });
    w.cluster.store.failWhen(() => forbidden);
    w.objects.requestDelete('HelmRelease', 'apps', 'web');
    // While the namespace stays, the denial is reported and the finalizer kept.
    w.objects.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
    const kept = await reconcile(w);
    expect(kept.error).toBeInstanceOf(Error);
    expect(w.hr().metadata.finalizers).toEqual([FINALIZER]);
    // The namespace is being deleted (its RBAC goes with it): the release is let go.
    w.objects.updateMeta('Namespace', '', 'apps', { deletionTimestamp: '2025-01-01T00:00:00Z' });
    clearLogs(w);
    const gone = await reconcile(w);
    expect(gone.error).toBeUndefined();
    expect(w.objects.peek('HelmRelease', 'apps', 'web')).toBeUndefined();
    expect(w.events.map((e) => `${e.event.type} ${e.event.reason}`)).toEqual(['Warning UninstallSkipped']);
    expect(w.events[0]?.event.note).toMatch(/^uninstall skipped: namespace apps is being deleted and system:serviceaccount:apps:deployer may no longer act there \(.*forbidden/);
  });

  it('a HelmRelease that never installed anything is let go at once, even with an invalid spec', async () => {
    const w = driverWorld({ suspend: true });
    w.objects.updateMeta('HelmRelease', 'apps', 'web', { finalizers: [FINALIZER] });
    w.objects.updateSpec('HelmRelease', 'apps', 'web', (spec) => (spec.interval = 'soon'));
    w.objects.requestDelete('HelmRelease', 'apps', 'web');
    await reconcile(w);
    expect(w.objects.peek('HelmRelease', 'apps', 'web')).toBeUndefined();
    expect(w.cluster.hooks.calls).toEqual([]);
  });

  it('impersonates the release ServiceAccount (or the default one) for its records, objects and values', async () => {
    const w = driverWorld({ serviceAccountName: 'deployer', valuesFrom: [{ kind: 'ConfigMap', name: 'base', key: 'v', optional: true }] }, { defaultServiceAccount: 'fallback' });
    await reconcile(w);
    expect(w.scopes.map((s) => s.impersonate)).toEqual(['system:serviceaccount:apps:deployer']);
    expect(w.objects.readAs).toContain('system:serviceaccount:apps:deployer');
    const d = driverWorld({}, { defaultServiceAccount: 'fallback' });
    await reconcile(d);
    expect(d.scopes[0]?.impersonate).toBe('system:serviceaccount:apps:fallback');
  });

  it('maglev.io/force-at upgrades an in-sync release once; maglev.io/reset-at clears the counters', async () => {
    const w = driverWorld();
    await reconcile(w);
    w.objects.updateMeta('HelmRelease', 'apps', 'web', { annotations: { 'maglev.io/force-at': 't1' } });
    await reconcile(w);
    expect(w.hr().status).toMatchObject({ releaseRevision: 2, lastHandledForceAt: 't1' });
    clearLogs(w);
    await reconcile(w);
    expect(writes(w)).toEqual([]);
    w.cluster.waiter.failWith(new MaglevError('WaitTimeout', 'not ready'));
    w.objects.updateSpec('HelmRelease', 'apps', 'web', (spec) => (spec.values = { replicas: 9 }));
    await reconcile(w);
    expect(w.hr().status).toMatchObject({ upgradeFailures: 1 });
    w.objects.updateMeta('HelmRelease', 'apps', 'web', { annotations: { 'maglev.io/reset-at': 'r1' } });
    w.cluster.waiter.failWith(undefined);
    await reconcile(w);
    expect(w.hr().status).toMatchObject({ upgradeFailures: 0, lastHandledResetAt: 'r1', releaseRevision: 4 });
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
  });

  it('maglev.io/force-at whose upgrade parks: the next pass resumes that revision, it does not force another one', async () => {
    const w = driverWorld();
    await reconcile(w);
    w.cluster.waiter.notReady = true;
    w.objects.updateMeta('HelmRelease', 'apps', 'web', { annotations: { 'maglev.io/force-at': 't1' } });
    await reconcile(w);
    expect(w.hr().status).toMatchObject({ inProgress: { action: 'upgrade', revision: 2 }, lastHandledForceAt: 't1' });
    w.cluster.waiter.notReady = false;
    await reconcile(w);
    expect(w.hr().status).toMatchObject({ releaseRevision: 2, lastHandledForceAt: 't1' });
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
    expect((await w.cluster.ctx.storage.history('web')).map((r) => `${r.record.version}:${r.record.info.status}`)).toEqual(['1:superseded', '2:deployed']);
  });

  it('a fresh pending revision of another replica is waited for; once stale it is unlocked and counts as a failed upgrade', async () => {
    const w = driverWorld();
    await reconcile(w);
    const latest = (await w.cluster.ctx.storage.latest('web'))!.record;
    const other = new ReleaseStorage(w.cluster.store, { namespace: 'apps', clock: w.cluster.clock, stamp: { ownerUid: 'uid-1', writer: 'maglev-9' } });
    await other.create({ ...latest, version: 2, info: { ...latest.info, status: 'pending-upgrade', description: 'Preparing upgrade' } });
    clearLogs(w);
    const { result } = await reconcile(w);
    expect(condition(w, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'ReleaseLocked' });
    expect(result?.requeueAfterMs).toBeGreaterThan(0);
    expect(w.cluster.store.calls.filter((c) => !c.startsWith('list'))).toEqual([]);
    w.cluster.clock.advance(10 * 60_000);
    await reconcile(w);
    expect(w.actions).toEqual(['unlock succeeded']);
    expect(w.hr().status?.history?.map((h) => [h.revision, h.status])).toEqual([[2, 'failed'], [1, 'deployed']]);
    expect(w.hr().status).toMatchObject({ releaseRevision: 1, upgradeFailures: 1 });
    // upgrade.remediation.retries is 0: the interrupted upgrade is not retried until the spec or reset-at says so.
    expect(condition(w, 'Ready')).toMatchObject({ status: 'False', reason: 'RetriesExceeded' });
    expect(condition(w, 'Stalled')).toMatchObject({ status: 'True', reason: 'RetriesExceeded' });
  });
});
