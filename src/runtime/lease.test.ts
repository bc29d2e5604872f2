import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiClient } from './client.js';
import { KubeLeaseStore } from './lease.js';
import { startFakeApiServer, statusBody, type FakeApiServer } from './testing/api-server.js';

describe('KubeLeaseStore against a local API server', () => {
  let server: FakeApiServer;
  let store: KubeLeaseStore;
  beforeAll(async () => {
    server = await startFakeApiServer();
    store = new KubeLeaseStore(new KubeApiClient(server.kubeConfig()), 'maglev-system', 'maglev-operator');
  });
  afterAll(() => server.close());

  it('maps a missing Lease to undefined', async () => {
    server.setHandler(() => ({ status: 404, body: statusBody(404, 'NotFound', 'leases "maglev-operator" not found') }));
    expect(await store.get()).toBeUndefined();
    expect(server.requests.at(-1)?.path).toBe('/apis/coordination.k8s.io/v1/namespaces/maglev-system/leases/maglev-operator');
  });

  it('creates by POST to the collection and replaces by PUT with the read resourceVersion', async () => {
    server.setHandler((req) => ({ status: 200, body: req.body }));
    await store.create({ holderIdentity: 'pod-a' });
    expect(server.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/apis/coordination.k8s.io/v1/namespaces/maglev-system/leases',
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'maglev-operator', namespace: 'maglev-system' } },
    });
    await store.replace({ metadata: { name: 'maglev-operator', namespace: 'maglev-system', resourceVersion: '42' }, spec: {} });
    expect(server.requests.at(-1)).toMatchObject({ method: 'PUT', body: { metadata: { resourceVersion: '42' } } });
  });

  it('surfaces a lost race as a 409', async () => {
    server.setHandler(() => ({ status: 409, body: statusBody(409, 'Conflict', 'the object has been modified') }));
    await expect(store.replace({ metadata: { name: 'maglev-operator', namespace: 'maglev-system', resourceVersion: '1' } })).rejects.toMatchObject({
      status: 409,
    });
  });
});
