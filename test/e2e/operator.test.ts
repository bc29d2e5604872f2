/**
 * The operator foundation against a real API server: CRDs and their validation, first status within
 * 2 s, spec errors the API server cannot catch, metrics (and that the chart's dashboard and alerts use only
 * names they expose), no writes when nothing changed, leader election with failover after SIGKILL, and
 * surviving an API server restart.
 */
import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import {
  clients,
  metricValue,
  operatorPorts,
  scrape,
  startOperator,
  testNamespace,
  waitFor,
  type OperatorProcess,
} from './harness.js';
import { repoRoot, toolPath } from './paths.js';
import { api, deleteRelease, waitGone } from './releases.js';
import { exposedNames, unknownNames } from '../support/observability.js';

const group = 'maglev.io';
const version = 'v1alpha1';
const local = ['127.0.0.1:0'];

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Obj {
  metadata: { name: string; resourceVersion: string; generation: number };
  status?: { observedGeneration?: number; conditions?: Condition[]; inProgress?: { revision: number; deadline: string } };
}

// A one-ConfigMap chart served locally, so HelmReleases here install for real without the network.
let repo: ChartRepo;
beforeAll(async () => {
  repo = await startChartRepo();
  await repo.add('podinfo', '6.5.0', {
    'templates/configmap.yaml.ejs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: <%= Release.Name %>\ndata: { chart: <%= Chart.Version %> }\n',
  });
  // A Deployment whose pods kwok never makes ready: its release waits for the whole timeout.
  await repo.add('hanging', '1.0.0', {
    'templates/deployment.yaml.ejs': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: <%= Release.Name %> }',
      'spec:',
      '  selector: { matchLabels: { app: <%= Release.Name %> } }',
      '  template:',
      '    metadata: { labels: { app: <%= Release.Name %> }, annotations: { kwok.maglev.io/outcome: hang } }',
      '    spec: { containers: [{ name: app, image: example.com/app:1 }] }',
      '',
    ].join('\n'),
  });
});
afterAll(async () => repo.close());

// Delete what a test created while its operator still runs (this hook runs before the harness stops it),
// so finalizers are honoured and test namespaces do not hang in Terminating.
const created: [string, string][] = [];
afterEach(async () => {
  for (const [ns, name] of created.splice(0)) {
    await deleteRelease(ns, name).catch(() => undefined);
    await waitGone(ns, name, 30_000).catch(() => undefined);
  }
});

function custom() {
  return clients().kc.makeApiClient(k8s.CustomObjectsApi);
}

function helmRelease(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'HelmRelease',
    metadata: { name },
    spec: { chart: { repository: repo.url, name: 'podinfo', version: '>=6.0.0 <7.0.0' }, ...spec },
  };
}

async function create(ns: string, body: Record<string, unknown>, plural = 'helmreleases'): Promise<Obj> {
  if (plural === 'helmreleases') created.push([ns, (body.metadata as { name: string }).name]);
  return (await custom().createNamespacedCustomObject({ group, version, namespace: ns, plural, body })) as Obj;
}

async function get(ns: string, name: string, plural = 'helmreleases'): Promise<Obj> {
  return (await custom().getNamespacedCustomObject({ group, version, namespace: ns, plural, name })) as Obj;
}

async function rejection(ns: string, body: Record<string, unknown>): Promise<string> {
  try {
    await create(ns, body);
  } catch (err) {
    if (err instanceof k8s.ApiException) return String(err.body);
    throw err;
  }
  throw new Error('the API server accepted an invalid object');
}

function operator(args: string[] = []): OperatorProcess {
  return startOperator(['--metrics-bind-address', local[0] ?? '', '--health-probe-bind-address', local[0] ?? '', '--log-level', 'debug', ...args]);
}

describe('CRDs', () => {
  it('are installed and Established', async () => {
    const ext = clients().kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const name of ['helmreleases.maglev.io', 'maglevdistros.maglev.io']) {
      const crd = await ext.readCustomResourceDefinition({ name });
      expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    }
  });

  it('reject a HelmRelease with two chart sources, naming the field', async () => {
    const ns = await testNamespace();
    const body = helmRelease('two-sources');
    (body.spec as { chart: Record<string, unknown> }).chart.url = 'https://example.com/podinfo-6.5.0.tgz';
    expect(await rejection(ns, body)).toContain('spec.chart');
  });

  it('reject a bad enum value, naming the field', async () => {
    const ns = await testNamespace();
    const message = await rejection(ns, helmRelease('bad-enum', { install: { crds: 'Sometimes' } }));
    expect(message).toContain('spec.install.crds');
    expect(message).toContain('Sometimes');
  });
});

describe('deployment manifests', () => {
  it('kubectl apply -k config/default passes server-side validation (dry run)', async () => {
    // A dry run cannot put objects into a namespace it only pretends to create, so make it real first.
    const { core } = clients();
    const created = await core.createNamespace({ body: { metadata: { name: 'maglev-system' } } }).then(
      () => true,
      (err: unknown) => {
        if (err instanceof k8s.ApiException && err.code === 409) return false;
        throw err;
      },
    );
    const out = execFileSync(
      toolPath('kubectl'),
      ['--kubeconfig', inject('kubeconfig'), 'apply', '--server-side', '--dry-run=server', '-k', `${repoRoot}/config/default`],
      { encoding: 'utf8' },
    );
    for (const want of [
      'customresourcedefinition.apiextensions.k8s.io/helmreleases.maglev.io',
      'namespace/maglev-system',
      'serviceaccount/maglev-operator',
      'deployment.apps/maglev-operator',
    ]) {
      expect(out).toContain(want);
    }
    if (created) await core.deleteNamespace({ name: 'maglev-system' });
  });
});

describe('operator process', () => {
  it('records observedGeneration and a condition within 2 s of creation', async () => {
    const ns = await testNamespace();
    const op = operator();
    await waitFor('operator ready', async () => ((await fetch(`http://127.0.0.1:${(await operatorPorts(op)).probes}/readyz`)).ok ? true : undefined));
    const created = await create(ns, helmRelease('first'));
    const start = Date.now();
    const seen = await waitFor('first status', async () => {
      const o = await get(ns, 'first');
      return o.status?.observedGeneration === created.metadata.generation && (o.status.conditions?.length ?? 0) > 0 ? o : undefined;
    }, 5_000);
    expect(Date.now() - start).toBeLessThan(2_000);
    expect(seen.status?.conditions?.map((c) => c.type)).toContain('Ready');
  });

  it('stalls an invalid semver range with Ready=False naming spec.chart.version', async () => {
    const ns = await testNamespace();
    operator();
    await create(ns, helmRelease('bad-range', { chart: { repository: repo.url, name: 'podinfo', version: '>=1.0 <<2' } }));
    const ready = await waitFor('Ready=False', async () => {
      const c = (await get(ns, 'bad-range')).status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'False' ? c : undefined;
    }, 20_000);
    expect(ready.reason).toBe('InvalidSpec');
    expect(ready.message).toContain('spec.chart.version');
    const stalled = (await get(ns, 'bad-range')).status?.conditions?.find((x) => x.type === 'Stalled');
    expect(stalled?.status).toBe('True');
  });

  it('moves reconcile counters, and a reconcile with nothing to do sends no write', async () => {
    const ns = await testNamespace();
    const op = operator();
    const { metrics } = await operatorPorts(op);
    await create(ns, helmRelease('steady', { interval: '1s' }));
    const settled = await waitFor('installed and Ready', async () => {
      const o = await get(ns, 'steady');
      return o.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? o : undefined;
    }, 30_000);
    // Let the first reconciles (and the update events their own status write causes) pass.
    await new Promise((r) => setTimeout(r, 1_500));
    const before = await scrape(metrics);
    const rv = (await get(ns, 'steady')).metadata.resourceVersion;
    const reconciles = (page: string) => metricValue(page, 'maglev_reconcile_total', { controller: 'HelmRelease' });
    const writes = (page: string) =>
      ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((n, verb) => n + metricValue(page, 'maglev_api_requests_total', { verb, dry_run: 'false' }), 0);
    // interval 1s: the release is re-checked about every second with nothing to change. Wait for at
    // least three such reconciles (however long a loaded machine needs), then compare the write count.
    const after = await waitFor('three more reconciles', async () => {
      const page = await scrape(metrics);
      return reconciles(page) - reconciles(before) >= 3 ? page : undefined;
    }, 30_000);
    expect(writes(after) - writes(before)).toBe(0);
    expect((await get(ns, 'steady')).metadata.resourceVersion).toBe(rv);
    expect(settled.metadata.name).toBe('steady');
    // The chart's dashboard and alerts select only names this running operator exposes (an install ran, so
    // the release action histogram has series too).
    expect(metricValue(after, 'maglev_release_action_duration_seconds_count', { action: 'install' })).toBeGreaterThan(0);
    expect(unknownNames(repoRoot, exposedNames(after))).toEqual([]);
  });
});

describe('reconcile triggers', () => {
  it('a status write by the operator does not cause another reconcile', async () => {
    const ns = await testNamespace();
    const op = operator();
    const { metrics } = await operatorPorts(op);
    await create(ns, helmRelease('quiet', { interval: '1h' }));
    await waitFor('installed and Ready', async () => ((await get(ns, 'quiet')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined), 30_000);
    const reconciles = async () => metricValue(await scrape(metrics), 'maglev_reconcile_total', { controller: 'HelmRelease' });
    // The install wrote status several times (progress, then Ready): none of those writes may wake it.
    const settled = await reconciles();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await reconciles()).toBe(settled);
    // A change of intent does.
    await custom().patchNamespacedCustomObject({ group, version, namespace: ns, plural: 'helmreleases', name: 'quiet', body: { metadata: { annotations: { 'maglev.io/reconcile-requested-at': 'now' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await waitFor('a reconcile for the annotation', async () => ((await reconciles()) > settled ? true : undefined), 20_000);
  });
});

describe('leader election', () => {
  it('a replica whose lease is taken over by hand writes nothing after that moment, even mid-wait', async () => {
    const ns = await testNamespace('lease-lost');
    const leaseArgs = ['--leader-elect', '--leader-election-namespace', ns, '--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '500ms'];
    const op = operator([...leaseArgs, '--identity', 'replica-a']);
    await create(ns, helmRelease('waiting', { chart: { repository: repo.url, name: 'hanging', version: '1.0.0' }, timeout: '5m' }));
    const secrets = () => clients().core.listNamespacedSecret({ namespace: ns, labelSelector: 'owner=helm' });
    // Parked: the install's last write before its wait is status.inProgress.
    await waitFor('the install waiting', async () => ((await get(ns, 'waiting')).status?.inProgress !== undefined ? true : undefined), 60_000);
    // Quiet first: the Deployment's first status updates wake the parked wait, which may update waitingOn.
    let hrVersion = (await get(ns, 'waiting')).metadata.resourceVersion;
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 2_000));
      const now = (await get(ns, 'waiting')).metadata.resourceVersion;
      if (now === hrVersion) break;
      hrVersion = now;
    }
    // Taken over by hand: another holder, renewed now (a merge patch, so the leader's renewals cannot conflict with it).
    await api().request({
      method: 'PATCH',
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/maglev-operator`,
      body: { spec: { holderIdentity: 'intruder', renewTime: new Date().toISOString().replace('Z', '000Z') } },
      contentType: 'application/merge-patch+json',
    });
    const code = await waitFor('the old leader to exit', () => Promise.resolve(op.child.exitCode ?? undefined), 20_000);
    expect(code).toBe(1);
    expect(op.log()).toContain('lost leadership; writes fenced');
    // Its install was still waiting, yet neither the record nor the HelmRelease was written after the takeover.
    const records = (await secrets()).items;
    expect(records.map((s) => s.metadata?.labels?.status)).toEqual(['pending-install']);
    expect((await get(ns, 'waiting')).metadata.resourceVersion).toBe(hrVersion);
    // A replica without election cleans up (the HelmRelease carries the finalizer).
    operator();
  });


  it('elects exactly one leader and fails over within the lease duration after SIGKILL', async () => {
    const ns = await testNamespace('lease');
    const leaseArgs = ['--leader-elect', '--leader-election-namespace', ns, '--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '500ms'];
    const a = operator([...leaseArgs, '--identity', 'replica-a']);
    const b = operator([...leaseArgs, '--identity', 'replica-b']);
    const [pa, pb] = await Promise.all([operatorPorts(a), operatorPorts(b)]);
    const coordination = clients().kc.makeApiClient(k8s.CoordinationV1Api);
    const holder = async () => (await coordination.readNamespacedLease({ name: 'maglev-operator', namespace: ns })).spec?.holderIdentity;
    const first = await waitFor('a leader', async () => (await holder()) || undefined, 20_000);
    const leaderGauge = async (port: number) => metricValue(await scrape(port), 'maglev_leader');
    // Give the other replica a few retry periods to (not) take the lease too.
    await new Promise((r) => setTimeout(r, 2_000));
    expect([await leaderGauge(pa.metrics), await leaderGauge(pb.metrics)].sort()).toEqual([0, 1]);
    const [leader, follower] = first === 'replica-a' ? [a, b] : [b, a];
    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    const second = await waitFor('failover', async () => {
      const h = await holder();
      return h && h !== first ? h : undefined;
    }, 15_000);
    const failoverMs = Date.now() - killedAt;
    expect(second).not.toBe(first);
    expect(failoverMs).toBeLessThan(4_000 + 1_000); // lease duration plus one retry period of slack
    // The new leader reconciles.
    await create(ns, helmRelease('after-failover'));
    await waitFor('status from the new leader', async () => ((await get(ns, 'after-failover')).status?.conditions?.length ? true : undefined), 20_000);
    expect(follower.child.exitCode).toBeNull();
  });
});

describe.skipIf(inject('clusterKind') !== 'local')('API server restart', () => {
  it('keeps reconciling new objects after kube-apiserver restarts under it', async () => {
    const ns = await testNamespace();
    const op = operator();
    await create(ns, helmRelease('before'));
    await waitFor('status before restart', async () => ((await get(ns, 'before')).status?.conditions?.length ? true : undefined), 20_000);
    execFileSync('bash', [`${repoRoot}/hack/cluster.sh`, 'restart', 'kube-apiserver'], { stdio: 'inherit' });
    await waitFor('API server back', async () => ((await clients().core.readNamespace({ name: ns })) ? true : undefined), 60_000);
    await create(ns, helmRelease('after'));
    await waitFor('status after restart', async () => ((await get(ns, 'after')).status?.conditions?.length ? true : undefined), 60_000);
    expect(op.child.exitCode).toBeNull();
  });
});
