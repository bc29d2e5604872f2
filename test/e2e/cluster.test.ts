/**
 * The local control plane behaves like a real cluster for what the operator relies on: workloads
 * become available, Jobs complete or fail, namespaces and their objects are deleted completely, and
 * the helm CLI and the OCI registry work against it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { clients, isStatus, testNamespace, waitFor } from './harness.js';
import { toolPath } from './paths.js';

const labels = { app: 'probe' };

function job(name: string, podAnnotations: Record<string, string> = {}): k8s.V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations: podAnnotations },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:stable', command: ['true'] }] },
      },
    },
  };
}

function jobCondition(j: k8s.V1Job, type: string): boolean {
  return (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

describe('local control plane', () => {
  it('brings a Deployment to Available', async () => {
    const ns = await testNamespace();
    const { apps } = clients();
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:stable' }] } },
        },
      },
    });
    const d = await waitFor('Deployment web Available', async () => {
      const got = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
      const ok = got.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
      return ok && got.status?.availableReplicas === 2 ? got : undefined;
    });
    expect(d.status?.readyReplicas).toBe(2);
  });

  it('runs a Job to Complete', async () => {
    const ns = await testNamespace();
    const { batch } = clients();
    await batch.createNamespacedJob({ namespace: ns, body: job('ok') });
    const j = await waitFor('Job ok Complete', async () => {
      const got = await batch.readNamespacedJob({ name: 'ok', namespace: ns });
      return jobCondition(got, 'Complete') ? got : undefined;
    });
    expect(j.status?.succeeded).toBe(1);
  });

  it('fails a Job whose pod is annotated to fail', async () => {
    const ns = await testNamespace();
    const { batch } = clients();
    await batch.createNamespacedJob({ namespace: ns, body: job('bad', { 'kwok.maglev.io/outcome': 'fail' }) });
    const j = await waitFor('Job bad Failed', async () => {
      const got = await batch.readNamespacedJob({ name: 'bad', namespace: ns });
      return jobCondition(got, 'Failed') ? got : undefined;
    });
    expect(j.status?.failed).toBe(1);
    expect(jobCondition(j, 'Complete')).toBe(false);
  });

  it('deletes a namespace and everything in it (garbage collection)', async () => {
    const ns = await testNamespace('gc');
    const { core, apps } = clients();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg' }, data: { a: '1' } } });
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'app' },
        spec: {
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:stable' }] } },
        },
      },
    });
    await waitFor('a pod of the Deployment', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns });
      return pods.items.length > 0 ? pods : undefined;
    });
    // Deleting the Deployment alone: the garbage collector removes its ReplicaSet and pods.
    await apps.deleteNamespacedDeployment({ name: 'app', namespace: ns, propagationPolicy: 'Background' });
    await waitFor('ReplicaSets and pods collected', async () => {
      const [rs, pods] = await Promise.all([apps.listNamespacedReplicaSet({ namespace: ns }), core.listNamespacedPod({ namespace: ns })]);
      return rs.items.length === 0 && pods.items.length === 0 ? true : undefined;
    });
    await core.deleteNamespace({ name: ns });
    await waitFor(`namespace ${ns} gone`, async () => {
      try {
        await core.readNamespace({ name: ns });
        return undefined;
      } catch (err) {
        return isStatus(err, 404) ? true : undefined;
      }
    });
  });
});

describe('helm CLI against the local control plane', () => {
  const helm = (args: string[], cwd?: string): string =>
    execFileSync(toolPath('helm'), args, {
      encoding: 'utf8',
      cwd,
      env: { ...process.env, KUBECONFIG: inject('kubeconfig'), HELM_CONFIG_HOME: helmHome, HELM_CACHE_HOME: helmHome, HELM_DATA_HOME: helmHome },
    });
  const helmHome = mkdtempSync(join(tmpdir(), 'helm-home-'));

  function writeChart(): string {
    const dir = mkdtempSync(join(tmpdir(), 'chart-'));
    const chart = join(dir, 'hello');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: hello\nversion: 0.1.0\nappVersion: "1.0"\n');
    writeFileSync(join(chart, 'values.yaml'), 'greeting: hi\n');
    writeFileSync(
      join(chart, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hello\ndata:\n  greeting: {{ .Values.greeting | quote }}\n',
    );
    return chart;
  }

  it('installs a chart and lists the release', async () => {
    const ns = await testNamespace('helm');
    helm(['install', 'hello', writeChart(), '--namespace', ns, '--wait', '--timeout', '60s']);
    const list = JSON.parse(helm(['list', '--namespace', ns, '--output', 'json'])) as { name: string; status: string; revision: string }[];
    expect(list).toEqual([expect.objectContaining({ name: 'hello', status: 'deployed', revision: '1' })]);
    const cm = await clients().core.readNamespacedConfigMap({ name: 'hello-hello', namespace: ns });
    expect(cm.data).toEqual({ greeting: 'hi' });
  });

  it.skipIf(inject('registry') === '')('pushes a chart to the OCI registry and pulls it back', async () => {
    const registry = inject('registry');
    const work = mkdtempSync(join(tmpdir(), 'oci-'));
    helm(['package', writeChart(), '--destination', work]);
    helm(['push', join(work, 'hello-0.1.0.tgz'), `oci://${registry}/charts`, '--plain-http'], work);
    const tags = (await (await fetch(`http://${registry}/v2/charts/hello/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toContain('0.1.0');
    const out = join(work, 'pulled');
    mkdirSync(out);
    helm(['pull', `oci://${registry}/charts/hello`, '--version', '0.1.0', '--plain-http', '--destination', out]);
    expect(readdirSync(out)).toEqual(['hello-0.1.0.tgz']);
  });
});
