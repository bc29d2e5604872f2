import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isMaglevError } from '../errors.js';
import { KubeApiClient } from '../runtime/client.js';
import { startFakeApiServer, statusBody, type FakeApiServer } from '../runtime/testing/api-server.js';
import { KubeSecretStore } from './kube-secrets.js';
import { ReleaseStorage } from './storage.js';
import { sampleRecord } from './testing/fixtures.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function apiSecret(name: string, release: string, rv = '7'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'apps', resourceVersion: rv, labels: { owner: 'helm', name: 'web' }, annotations: { a: 'b' } },
    type: 'helm.sh/release.v1',
    data: { release: b64(release) },
  };
}

describe('KubeSecretStore against a local API server', () => {
  let server: FakeApiServer;
  let store: KubeSecretStore;

  beforeAll(async () => {
    server = await startFakeApiServer();
    store = new KubeSecretStore(new KubeApiClient(server.kubeConfig()), { impersonate: 'system:serviceaccount:apps:deployer', pageSize: 1 });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('lists by label selector, follows continue tokens and undoes the API base64', async () => {
    server.setHandler((req) => {
      const first = req.query.get('continue') === null;
      return {
        status: 200,
        body: { kind: 'SecretList', metadata: first ? { continue: 'next' } : {}, items: [apiSecret(first ? 's1' : 's2', first ? 'H4sI-one' : 'two')] },
      };
    });
    const secrets = await store.list('apps', { owner: 'helm', name: 'web' });
    expect(secrets.map((s) => [s.name, s.release, s.resourceVersion])).toEqual([
      ['s1', 'H4sI-one', '7'],
      ['s2', 'two', '7'],
    ]);
    expect(server.requests.map((r) => [r.method, r.path, r.query.get('labelSelector'), r.query.get('limit')])).toEqual([
      ['GET', '/api/v1/namespaces/apps/secrets', 'owner=helm,name=web', '1'],
      ['GET', '/api/v1/namespaces/apps/secrets', 'owner=helm,name=web', '1'],
    ]);
    expect(server.requests[0]?.headers['impersonate-user']).toBe('system:serviceaccount:apps:deployer');
  });

  it('creates with POST, base64-encoding Helm text once more, and maps 409 to ReleaseExists', async () => {
    server.setHandler((req) => ({ status: 201, body: { ...(req.body as Record<string, unknown>), metadata: { ...(req.body as { metadata: object }).metadata, resourceVersion: '9' } } }));
    const created = await store.create('apps', { name: 's1', labels: { owner: 'helm' }, annotations: {}, type: 'helm.sh/release.v1', release: 'H4sIabc' });
    expect(created.resourceVersion).toBe('9');
    expect(server.requests[0]?.body).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's1', namespace: 'apps', labels: { owner: 'helm' } },
      type: 'helm.sh/release.v1',
      data: { release: b64('H4sIabc') },
    });
    server.setHandler(() => ({ status: 409, body: statusBody(409, 'AlreadyExists', 'secrets "s1" already exists') }));
    const err = await store.create('apps', { ...created }).catch((e: unknown) => e);
    expect(isMaglevError(err, 'ReleaseExists')).toBe(true);
  });

  it('updates with PUT carrying the resourceVersion; 409 stays a Conflict', async () => {
    server.setHandler(() => ({ status: 409, body: statusBody(409, 'Conflict', 'the object has been modified') }));
    const err = await store
      .update('apps', { name: 's1', labels: {}, annotations: { x: 'y' }, type: 'helm.sh/release.v1', release: 'r', resourceVersion: '5' })
      .catch((e: unknown) => e);
    expect(isMaglevError(err, 'Conflict')).toBe(true);
    expect(server.requests[0]).toMatchObject({ method: 'PUT', path: '/api/v1/namespaces/apps/secrets/s1' });
    expect(server.requests[0]?.body).toMatchObject({ metadata: { resourceVersion: '5', annotations: { x: 'y' } } });
  });

  it('deletes, and reports an already deleted Secret as false', async () => {
    server.setHandler(() => ({ status: 200, body: {} }));
    expect(await store.delete('apps', 's1')).toBe(true);
    server.setHandler(() => ({ status: 404, body: statusBody(404, 'NotFound', 'not found') }));
    expect(await store.delete('apps', 's1')).toBe(false);
  });

  it('carries a full ReleaseStorage round trip through the wire format', async () => {
    const stored = new Map<string, Record<string, unknown>>();
    server.setHandler((req) => {
      if (req.method === 'POST') {
        const body = req.body as { metadata: { name: string } };
        stored.set(body.metadata.name, body);
        return { status: 201, body };
      }
      return { status: 200, body: { kind: 'SecretList', metadata: {}, items: [...stored.values()] } };
    });
    const storage = new ReleaseStorage(store, { namespace: 'apps' });
    await storage.create(sampleRecord());
    expect((await storage.latest('web'))?.record).toEqual(sampleRecord());
  });
});
