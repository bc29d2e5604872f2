import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiClient } from './client.js';
import { listAll, stripManagedFields } from './list.js';
import { startFakeApiServer, type FakeApiServer } from './testing/api-server.js';

describe('listAll against a local API server', () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await startFakeApiServer((req) => {
      const page = req.query.get('continue') ?? '';
      const item = (name: string) => ({ metadata: { name, namespace: 'ns', managedFields: [{ manager: 'kubectl' }] }, spec: { x: name } });
      return page === ''
        ? { status: 200, body: { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmReleaseList', metadata: { continue: 'p2', resourceVersion: '10' }, items: [item('a')] } }
        : { status: 200, body: { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmReleaseList', metadata: { resourceVersion: '10' }, items: [item('b')] } };
    });
  });
  afterAll(() => server.close());

  it('follows continue tokens, fills in apiVersion/kind and drops managedFields', async () => {
    const list = await listAll(new KubeApiClient(server.kubeConfig()), '/apis/maglev.io/v1alpha1/helmreleases', 'team=a');
    expect(list).toEqual({
      metadata: { resourceVersion: '10' },
      items: [
        { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name: 'a', namespace: 'ns' }, spec: { x: 'a' } },
        { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name: 'b', namespace: 'ns' }, spec: { x: 'b' } },
      ],
    });
    expect(server.requests.map((r) => Object.fromEntries(r.query))).toEqual([
      { limit: '500', labelSelector: 'team=a' },
      { limit: '500', continue: 'p2', labelSelector: 'team=a' },
    ]);
  });

  it('stripManagedFields leaves objects without them untouched', () => {
    const o = { metadata: { name: 'a' } };
    expect(stripManagedFields(o)).toBe(o);
  });
});
