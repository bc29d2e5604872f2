/**
 * What real charts need from a cluster, on the local one (hack/local-cloud.mjs): a StatefulSet whose
 * volumeClaimTemplate needs bound volumes, and a LoadBalancer Service that needs an address, become ready
 * under `helm install --wait` and under a HelmRelease alike; uninstalling leaves the claims (as Helm does)
 * and, once they are deleted, their volumes are reclaimed.
 */
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import { clients, startOperator, testNamespace, waitFor } from './harness.js';
import { createRelease, deleteRelease, helm, waitGone, waitReady } from './releases.js';

const template = `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: {{ .Release.Name }}-db }
spec:
  serviceName: {{ .Release.Name }}-db
  replicas: 2
  selector: { matchLabels: { app: {{ .Release.Name }}-db } }
  template:
    metadata: { labels: { app: {{ .Release.Name }}-db } }
    spec:
      containers:
        - { name: db, image: "example.com/db:1", volumeMounts: [{ name: data, mountPath: /data }] }
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: Service
metadata: { name: {{ .Release.Name }}-lb }
spec:
  type: LoadBalancer
  selector: { app: {{ .Release.Name }}-db }
  ports: [{ port: 80, targetPort: 8080 }]
`;

let repo: ChartRepo;
beforeAll(async () => {
  repo = await startChartRepo();
  await repo.add('volumeapp', '1.0.0', { 'templates/all.yaml': template });
});
afterAll(async () => repo.close());

async function claims(ns: string): Promise<string[]> {
  const list = await clients().core.listNamespacedPersistentVolumeClaim({ namespace: ns });
  return list.items.map((c) => `${c.metadata?.name ?? ''}:${c.status?.phase ?? ''}:${c.spec?.storageClassName ?? ''}`).sort();
}

async function lbAddress(ns: string, name: string): Promise<string | undefined> {
  const svc = await clients().core.readNamespacedService({ namespace: ns, name });
  return svc.status?.loadBalancer?.ingress?.[0]?.ip;
}

describe('local cluster: volumes and load balancers', () => {
  it.skipIf(inject('registry') === '')('a StatefulSet with a volumeClaimTemplate and a LoadBalancer Service are ready under helm install --wait and under a HelmRelease', async () => {
    const byHelm = await testNamespace('lc-helm');
    await helm(['install', 'v', repo.file('volumeapp', '1.0.0'), '--namespace', byHelm, '--wait', '--timeout', '60s']);
    expect(await claims(byHelm)).toEqual(['data-v-db-0:Bound:standard', 'data-v-db-1:Bound:standard']);
    expect(await lbAddress(byHelm, 'v-lb')).toMatch(/^172\.18\.255\.\d+$/);

    const ns = await testNamespace('lc-op');
    startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0']);
    await createRelease(ns, 'v', { chart: { repository: repo.url, name: 'volumeapp', version: '1.0.0' }, timeout: '60s' });
    await waitReady(ns, 'v', 'True', 'InstallSucceeded', 90_000);
    expect(await claims(ns)).toEqual(['data-v-db-0:Bound:standard', 'data-v-db-1:Bound:standard']);
    expect(await lbAddress(ns, 'v-lb')).toMatch(/^172\.18\.255\.\d+$/);

    // Uninstall keeps the claims, as helm does; deleting them frees their volumes.
    await deleteRelease(ns, 'v');
    await waitGone(ns, 'v');
    expect((await claims(ns)).length).toBe(2);
    const volumes = async (): Promise<string[]> =>
      (await clients().core.listPersistentVolume()).items.filter((pv) => pv.spec?.claimRef?.namespace === ns).map((pv) => pv.metadata?.name ?? '');
    expect((await volumes()).length).toBe(2);
    await clients().core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace: ns });
    await waitFor('volumes reclaimed', async () => ((await volumes()).length === 0 ? true : undefined), 60_000);
  }, 180_000);
});
