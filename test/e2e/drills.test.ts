/**
 * Drills (issue "Chaos soak and the remaining drills"): the operator is SIGKILLed while a pre-upgrade hook runs
 * and while an upgrade waits for readiness, and restarted; kube-apiserver is stopped for 60 s while releases are
 * installing and upgrading. Each must end with every release deployed at its final spec, Helm's history
 * contiguous with exactly one deployed revision, each hook run once, and, for the outage, the same operator
 * process recovering by itself while /readyz and maglev_cache_current report the outage.
 *
 * Pods are made slow with kwok's `kwok.maglev.io/ready-after` annotation (hack/kwok-stages.yaml), so a kill or
 * an outage lands inside a wait, and the wait then ends by itself: no hand-made state.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import { clients, metricValue, operatorPorts, scrape, startOperator, testNamespace, waitFor, type OperatorProcess } from './harness.js';
import { repoRoot } from './paths.js';
import { createRelease, getRelease, helmJson, patchRelease, readRecord, recordNames, waitReady } from './releases.js';

const run = promisify(execFile);

/** A Deployment and a ConfigMap, and a pre-upgrade hook Job; values make the pods or the hook's pod slow. */
const drillapp: Record<string, string> = {
  'values.yaml': 'message: one\nreadyAfter: ""\nhookReadyAfter: ""\n',
  'templates/configmap.yaml.ejs': `apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-config
data:
  message: <%= quote(Values.message) %>
`,
  'templates/deployment.yaml.ejs': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: <%= Release.Name %>
spec:
  replicas: 1
  selector:
    matchLabels: { app: <%= Release.Name %> }
  template:
    metadata:
      labels: { app: <%= Release.Name %> }
      annotations:
        message: <%= quote(Values.message) %>
<% if (Values.readyAfter) { -%>
        kwok.maglev.io/ready-after: <%= quote(Values.readyAfter) %>
<% } -%>
    spec:
      containers:
        - name: app
          image: example.com/app:1
`,
  'templates/pre-upgrade.yaml.ejs': `apiVersion: batch/v1
kind: Job
metadata:
  name: <%= Release.Name %>-migrate
  annotations:
    helm.sh/hook: pre-upgrade
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 0
  template:
    metadata:
<% if (Values.hookReadyAfter) { -%>
      annotations: { kwok.maglev.io/ready-after: <%= quote(Values.hookReadyAfter) %> }
<% } -%>
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: example.com/migrate:1
`,
};

let repo: ChartRepo;
beforeAll(async () => {
  repo = await startChartRepo();
  await repo.add('drillapp', '1.0.0', drillapp);
});
afterAll(async () => repo.close());

function operator(ns: string): OperatorProcess {
  return startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--watch-namespace', ns]);
}

const chart = (): Record<string, unknown> => ({ repository: repo.url, name: 'drillapp', version: '1.0.0' });

interface HelmHistoryItem { revision: number; status: string }

/** Helm's view and the records agree: revisions 1..n, exactly the last one deployed, none pending. */
async function expectCleanHistory(ns: string, name: string, revisions: number): Promise<void> {
  const history = await helmJson<HelmHistoryItem[]>(['history', name, '-n', ns]);
  expect(history.map((h) => h.revision)).toEqual(Array.from({ length: revisions }, (_, i) => i + 1));
  expect(history.map((h) => h.status)).toEqual([...Array.from({ length: revisions - 1 }, () => 'superseded'), 'deployed']);
  expect(await recordNames(ns, name)).toHaveLength(revisions);
  const hr = await getRelease(ns, name);
  expect(hr?.status?.inProgress).toBeUndefined();
  expect(hr?.status?.releaseRevision).toBe(revisions);
}

async function configMessage(ns: string, name: string): Promise<string | undefined> {
  const cm = await clients().core.readNamespacedConfigMap({ namespace: ns, name: `${name}-config` });
  return cm.data?.message;
}

/** Every distinct uid the hook Job had while `until` is pending, read every 200 ms. */
async function jobUids(ns: string, job: string, until: Promise<unknown>): Promise<Set<string>> {
  const uids = new Set<string>();
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    const list = await clients().batch.listNamespacedJob({ namespace: ns });
    for (const j of list.items) if (j.metadata?.name === job && j.metadata.uid !== undefined) uids.add(j.metadata.uid);
    await new Promise((r) => setTimeout(r, 200));
  }
  return uids;
}

describe('kill drills', () => {
  it('SIGKILL while a pre-upgrade hook runs: the restarted operator finishes the upgrade, the hook ran once', async () => {
    const ns = await testNamespace('drill-hook');
    let op = operator(ns);
    await createRelease(ns, 'app', { chart: chart(), values: {}, timeout: '120s' });
    await waitReady(ns, 'app', 'True', 'InstallSucceeded');
    await patchRelease(ns, 'app', { spec: { values: { message: 'two', hookReadyAfter: '12s' } } });
    // Parked on the hook: its Job exists and the wait is recorded.
    await waitFor('the pre-upgrade hook running', async () => {
      const hr = await getRelease(ns, 'app');
      const jobs = await clients().batch.listNamespacedJob({ namespace: ns });
      return hr?.status?.inProgress !== undefined && jobs.items.some((j) => j.metadata?.name === 'app-migrate') ? true : undefined;
    }, 30_000);
    expect((await readRecord(ns, 'app', 2)).info.status).toBe('pending-upgrade');
    await op.stop('SIGKILL');
    op = operator(ns);
    const ready = waitReady(ns, 'app', 'True', 'UpgradeSucceeded', 60_000);
    const uids = await jobUids(ns, 'app-migrate', ready);
    await ready;
    expect(uids.size).toBe(1);
    await expectCleanHistory(ns, 'app', 2);
    expect(await configMessage(ns, 'app')).toBe('two');
    const hooks = (await readRecord(ns, 'app', 2)).hooks.map((h) => `${h.name} ${h.last_run.phase}`);
    expect(hooks).toEqual(['app-migrate Succeeded']);
    expect(op.child.exitCode).toBeNull();
  }, 180_000);

  it('SIGKILL while an upgrade waits for readiness: the restarted operator sees the pods turn ready and deploys', async () => {
    const ns = await testNamespace('drill-wait');
    let op = operator(ns);
    await createRelease(ns, 'app', { chart: chart(), values: {}, timeout: '120s' });
    await waitReady(ns, 'app', 'True', 'InstallSucceeded');
    const patchedAt = Date.now();
    await patchRelease(ns, 'app', { spec: { values: { message: 'two', readyAfter: '12s' } } });
    await waitFor('the upgrade waiting for readiness', async () => {
      const hr = await getRelease(ns, 'app');
      return hr?.status?.inProgress?.deadline !== undefined && (await configMessage(ns, 'app')) === 'two' ? true : undefined;
    }, 30_000);
    await op.stop('SIGKILL');
    op = operator(ns);
    await waitReady(ns, 'app', 'True', 'UpgradeSucceeded', 60_000);
    // Not before the new pod is ready (12 s after it was created).
    expect(Date.now() - patchedAt).toBeGreaterThanOrEqual(12_000);
    await expectCleanHistory(ns, 'app', 2);
    const deployment = await clients().apps.readNamespacedDeployment({ namespace: ns, name: 'app' });
    expect(deployment.status?.readyReplicas).toBe(1);
    expect(deployment.spec?.template.metadata?.annotations?.message).toBe('two');
    expect(op.child.exitCode).toBeNull();
  }, 180_000);
});

describe.skipIf(inject('clusterKind') !== 'local')('API server outage', () => {
  it('kube-apiserver down 60 s under load: the same operator recovers, /readyz and metrics report the outage, no change is lost', async () => {
    const ns = await testNamespace('drill-outage');
    const op = operator(ns);
    const { metrics, probes } = await operatorPorts(op);
    const readyz = async (): Promise<number> => (await fetch(`http://127.0.0.1:${probes}/readyz`)).status;
    await waitFor('operator ready', async () => ((await readyz()) === 200 ? true : undefined), 30_000);
    // Three installed releases are upgraded and three new ones installed, all with pods that take 10 s to be
    // ready, so the outage starts while every one of them waits.
    const upgraded = ['up-0', 'up-1', 'up-2'];
    const installed = ['new-0', 'new-1', 'new-2'];
    for (const name of upgraded) await createRelease(ns, name, { chart: chart(), values: {}, timeout: '5m' });
    for (const name of upgraded) await waitReady(ns, name, 'True', 'InstallSucceeded');
    for (const name of upgraded) await patchRelease(ns, name, { spec: { values: { message: 'two', readyAfter: '10s' } } });
    for (const name of installed) await createRelease(ns, name, { chart: chart(), values: { message: 'two', readyAfter: '10s' }, timeout: '5m' });
    await waitFor('every release waiting for readiness', async () => {
      const all = await Promise.all([...upgraded, ...installed].map((n) => getRelease(ns, n)));
      return all.every((hr) => hr?.status?.inProgress !== undefined) ? true : undefined;
    }, 30_000);

    const pid = op.child.pid;
    const outage = run('bash', [`${repoRoot}/hack/cluster.sh`, 'restart', 'kube-apiserver', '60'], { timeout: 150_000 });
    // During the outage the operator says it is not following the cluster.
    await waitFor('/readyz failing', async () => ((await readyz()) === 503 ? true : undefined), 30_000);
    expect(metricValue(await scrape(metrics), 'maglev_cache_current', { cache: 'HelmRelease' })).toBe(0);
    await outage;
    await waitFor('/readyz ok again', async () => ((await readyz()) === 200 ? true : undefined), 60_000);
    expect(metricValue(await scrape(metrics), 'maglev_cache_current', { cache: 'HelmRelease' })).toBe(1);

    for (const name of upgraded) await waitReady(ns, name, 'True', 'UpgradeSucceeded', 90_000);
    for (const name of installed) await waitReady(ns, name, 'True', 'InstallSucceeded', 90_000);
    for (const name of upgraded) await expectCleanHistory(ns, name, 2);
    for (const name of installed) await expectCleanHistory(ns, name, 1);
    for (const name of [...upgraded, ...installed]) expect(await configMessage(ns, name)).toBe('two');
    // A change made after the outage is applied too.
    await patchRelease(ns, 'up-0', { spec: { values: { message: 'three' } } });
    await waitFor('the change after the outage applied', async () => ((await configMessage(ns, 'up-0')) === 'three' ? true : undefined), 30_000);
    await waitReady(ns, 'up-0', 'True', 'UpgradeSucceeded');
    expect(op.child.pid).toBe(pid);
    expect(op.child.exitCode).toBeNull();
  }, 300_000);
});
