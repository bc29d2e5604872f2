import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMaglevError } from '../errors.js';
import { ApiStatusError, isConflict, isNotFound, statusOf } from './api-error.js';
import { buildUrl, KubeApiClient, resourceOfPath } from './client.js';
import { startFakeApiServer, statusBody, type FakeApiServer } from './testing/api-server.js';

describe('buildUrl', () => {
  it('keeps a server path prefix and drops undefined query values', () => {
    const url = buildUrl('https://proxy.example/k8s/clusters/c-1/', '/api/v1/pods', { labelSelector: 'a=b', limit: 5, x: undefined });
    expect(url.toString()).toBe('https://proxy.example/k8s/clusters/c-1/api/v1/pods?labelSelector=a%3Db&limit=5');
  });
});

describe('KubeApiClient', () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await startFakeApiServer((req) => {
      if (req.path === '/conflict') return { status: 409, body: statusBody(409, 'Conflict', 'the object has been modified') };
      if (req.path === '/hang') return { status: 200, body: {} };
      return { status: 200, body: { ok: true, echo: req.body } };
    });
  });
  afterAll(() => server.close());

  it('sends JSON with the kubeconfig credentials and parses the response', async () => {
    const client = new KubeApiClient(server.kubeConfig());
    const out = await client.request({ method: 'POST', path: '/api/v1/namespaces/a/configmaps', body: { data: { k: 'v' } } });
    expect(out).toEqual({ ok: true, echo: { data: { k: 'v' } } });
    const req = server.requests.at(-1);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers.authorization).toBe('Bearer test-token');
    expect(req?.headers['impersonate-user']).toBeUndefined();
  });

  it('names the reason of a cancelled request (e.g. a superseded reconcile) instead of a bare abort', async () => {
    const client = new KubeApiClient(server.kubeConfig());
    const cancel = new AbortController();
    cancel.abort(new Error('superseded by generation 2'));
    const err: unknown = await client.request({ method: 'GET', path: '/api/v1/pods', signal: cancel.signal }).catch((e: unknown) => e);
    expect(isMaglevError(err, 'ApiError') && err.message).toBe('GET /api/v1/pods: cancelled (superseded by generation 2)');
  });

  it('turns a Status response into an ApiStatusError with code, reason and message', async () => {
    const client = new KubeApiClient(server.kubeConfig());
    const err: unknown = await client.request({ method: 'PUT', path: '/conflict', body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiStatusError);
    expect(isConflict(err)).toBe(true);
    expect(isNotFound(err)).toBe(false);
    expect(isMaglevError(err, 'Conflict')).toBe(true);
    expect((err as Error).message).toBe('PUT /conflict: 409 Conflict: the object has been modified');
  });

  it('reports an aborted request as an ApiError naming the request', async () => {
    const client = new KubeApiClient(server.kubeConfig());
    const ac = new AbortController();
    ac.abort();
    const err: unknown = await client.request({ method: 'GET', path: '/hang', signal: ac.signal }).catch((e: unknown) => e);
    expect(isMaglevError(err, 'ApiError')).toBe(true);
    expect((err as Error).message).toMatch(/^GET \/hang: /);
  });

  // Their own server: a request aborted in another test may still connect late to the shared one.
  it('reuses one kept-alive connection for requests in sequence, and close() drops it', async () => {
    const own = await startFakeApiServer(() => ({ status: 200, body: {} }));
    const client = new KubeApiClient(own.kubeConfig());
    for (let i = 0; i < 5; i++) await client.request({ method: 'GET', path: '/api/v1/namespaces' });
    expect(own.requests).toHaveLength(5);
    expect(own.connections).toBe(1);
    client.close();
    await client.request({ method: 'GET', path: '/api/v1/namespaces' });
    expect(own.connections).toBe(2);
    client.close();
    await own.close();
  });

  it('opens at most maxSockets connections when requests overlap', async () => {
    const own = await startFakeApiServer(() => ({ status: 200, body: {} }));
    const client = new KubeApiClient(own.kubeConfig(), { maxSockets: 2 });
    await Promise.all(Array.from({ length: 10 }, () => client.request({ method: 'GET', path: '/api/v1/namespaces' })));
    expect(own.requests).toHaveLength(10);
    expect(own.connections).toBe(2);
    client.close();
    await own.close();
  });

  it('sends a request again on a fresh connection when a reused one turns out closed, not when a fresh one fails', async () => {
    const served = new WeakSet<object>();
    let attempts = 0;
    let resetFresh = false;
    const raw = http.createServer((req, res) => {
      attempts++;
      // A server that dropped the idle connection: the next request on it gets a reset.
      if (served.has(req.socket) || resetFresh) return void req.socket.destroy();
      served.add(req.socket);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const client = new KubeApiClient(kubeConfigFor(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`));
    expect(await client.request({ method: 'GET', path: '/a' })).toEqual({ ok: true });
    expect(await client.request({ method: 'PATCH', path: '/b', body: {} })).toEqual({ ok: true });
    expect(attempts).toBe(3);
    client.close();
    resetFresh = true;
    const err: unknown = await client.request({ method: 'GET', path: '/c' }).catch((e: unknown) => e);
    expect(isMaglevError(err, 'ApiError')).toBe(true);
    expect(attempts).toBe(4);
    client.close();
    raw.closeAllConnections();
    await new Promise((resolve) => raw.close(resolve));
  });

  it('statusOf reads client-node error shapes too', () => {
    expect(statusOf({ code: 410 })).toBe(410);
    expect(statusOf({ statusCode: 404 })).toBe(404);
    expect(statusOf(new Error('x'))).toBeUndefined();
  });
});

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'raw', server, skipTLSVerify: true }],
    users: [{ name: 'tester', token: 'test-token' }],
    contexts: [{ name: 'raw', cluster: 'raw', user: 'tester' }],
    currentContext: 'raw',
  });
  return kc;
}

describe('resourceOfPath', () => {
  it('names the resource and subresource a path addresses, without names or namespaces', () => {
    expect(resourceOfPath('/api/v1/namespaces/apps/secrets')).toBe('secrets');
    expect(resourceOfPath('/api/v1/namespaces/apps/secrets/sh.helm.release.v1.web.v1')).toBe('secrets');
    expect(resourceOfPath('/apis/maglev.io/v1alpha1/namespaces/apps/helmreleases/web/status')).toBe('helmreleases/status');
    expect(resourceOfPath('/api/v1/namespaces/apps/pods/p/log?container=c')).toBe('pods/log');
    expect(resourceOfPath('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y')).toBe('customresourcedefinitions');
    expect(resourceOfPath('/api/v1/namespaces')).toBe('namespaces');
    expect(resourceOfPath('/api/v1/namespaces/apps')).toBe('namespaces');
    expect(resourceOfPath('/apis/apps/v1')).toBe('discovery');
    expect(resourceOfPath('/version')).toBe('other');
  });
});

