import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMaglevError } from '../errors.js';
import { applyQuery, resourcePath, ResourceClient, targetOf } from './apply.js';
import { KubeApiClient } from './client.js';
import { RestMapper, type ResourceMapping } from './discovery.js';
import { startFakeApiServer, statusBody, type FakeApiServer } from './testing/api-server.js';

const deployments: ResourceMapping = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true };
const configmaps: ResourceMapping = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true };
const crds: ResourceMapping = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  resource: 'customresourcedefinitions',
  namespaced: false,
};

describe('resourcePath', () => {
  it.each([
    [deployments, 'web', 'api', undefined, '/apis/apps/v1/namespaces/web/deployments/api'],
    [deployments, 'web', undefined, undefined, '/apis/apps/v1/namespaces/web/deployments'],
    [deployments, '', undefined, undefined, '/apis/apps/v1/deployments'],
    [configmaps, 'kube-system', 'cfg', undefined, '/api/v1/namespaces/kube-system/configmaps/cfg'],
    [crds, 'ignored', 'helmreleases.maglev.io', undefined, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/helmreleases.maglev.io'],
    [deployments, 'web', 'api', 'status', '/apis/apps/v1/namespaces/web/deployments/api/status'],
  ])('%o ns=%s name=%s sub=%s → %s', (mapping, ns, name, sub, expected) => {
    expect(resourcePath(mapping, ns, name, sub)).toBe(expected);
  });

  it('rejects a named namespaced object without a namespace', () => {
    expect(() => resourcePath(deployments, '', 'api')).toThrow(/namespaced but has no namespace/);
  });
});

describe('targetOf / applyQuery', () => {
  it('names every missing identifying field', () => {
    expect(() => targetOf({ metadata: {} })).toThrow('object has no apiVersion, kind, metadata.name');
    expect(targetOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } })).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: '',
      name: 'a',
    });
  });

  it('always sets the field manager and strict validation', () => {
    expect(applyQuery('maglev', {})).toEqual({ fieldManager: 'maglev', fieldValidation: 'Strict' });
    expect(applyQuery('maglev', { force: true, dryRun: true })).toEqual({
      fieldManager: 'maglev',
      fieldValidation: 'Strict',
      force: 'true',
      dryRun: 'All',
    });
  });
});

describe('ResourceClient against a local API server', () => {
  let server: FakeApiServer;
  let client: ResourceClient;

  beforeAll(async () => {
    server = await startFakeApiServer((req) => {
      if (req.path === '/apis/apiextensions.k8s.io/v1') {
        return { status: 200, body: { resources: [{ name: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false }] } };
      }
      if (req.path === '/apis/apps/v1') {
        return { status: 200, body: { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }] } };
      }
      if (req.path === '/apis/apps/v1/namespaces/web/deployments/gone') return { status: 404, body: statusBody(404, 'NotFound', 'gone') };
      return { status: 200, body: req.body ?? { kind: 'Deployment', metadata: { name: 'api' } } };
    });
    const api = new KubeApiClient(server.kubeConfig());
    client = new ResourceClient(api, new RestMapper(api), 'maglev-operator');
  });
  afterAll(() => server.close());

  it('applies raw JSON with the SSA content type, field manager, strict validation and impersonation', async () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'web' },
      spec: { aFieldNoClientKnows: { kept: true } },
    };
    const out = await client.apply(obj, { force: true, impersonate: 'system:serviceaccount:web:deployer' });
    expect(out).toEqual(obj);
    const req = server.requests.at(-1);
    expect(req?.method).toBe('PATCH');
    expect(req?.path).toBe('/apis/apps/v1/namespaces/web/deployments/api');
    expect(req?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(req?.headers['impersonate-user']).toBe('system:serviceaccount:web:deployer');
    expect(req?.headers.authorization).toBe('Bearer test-token');
    expect(Object.fromEntries(req?.query ?? [])).toEqual({ fieldManager: 'maglev-operator', fieldValidation: 'Strict', force: 'true' });
    expect(req?.body).toEqual(obj);
  });

  it('merge-patches a subresource with the merge-patch content type', async () => {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' };
    await client.mergePatch(ref, { metadata: { resourceVersion: '7' }, status: { phase: 'x' } }, { subresource: 'status' });
    const req = server.requests.at(-1);
    expect(req?.path).toBe('/apis/apps/v1/namespaces/web/deployments/api/status');
    expect(req?.headers['content-type']).toBe('application/merge-patch+json');
    expect(req?.body).toEqual({ metadata: { resourceVersion: '7' }, status: { phase: 'x' } });
  });

  it('refreshes discovery after applying a CRD', async () => {
    const discoveries = () => server.requests.filter((r) => r.path === '/apis/apps/v1').length;
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' };
    await client.get(ref);
    const before = discoveries();
    await client.apply({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'things.example.com' } });
    await client.get(ref);
    expect(discoveries()).toBe(before + 1);
  });

  it('get returns undefined and delete returns false for a missing object', async () => {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'gone' };
    expect(await client.get(ref)).toBeUndefined();
    expect(await client.delete(ref)).toBe(false);
    expect(server.requests.at(-1)?.query.get('propagationPolicy')).toBe('Background');
  });

  it('fails with a clear UnknownKind error for an unknown kind', async () => {
    const err: unknown = await client.apply({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }).catch((e: unknown) => e);
    expect(isMaglevError(err, 'UnknownKind')).toBe(true);
    expect((err as Error).message).toContain('no resource for kind Widget in example.com/v1');
  });
});
