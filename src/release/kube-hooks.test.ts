import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ResourceClient, type TargetRef } from '../runtime/apply.js';
import { KubeApiClient } from '../runtime/client.js';
import { RestMapper } from '../runtime/discovery.js';
import { startFakeApiServer, statusBody, type FakeApiServer, type FakeResponse, type RecordedRequest } from '../runtime/testing/api-server.js';
import { memoryLogger } from '../runtime/testing/logger.js';
import { KubeHookExecutor, kubeApplier } from './kube-hooks.js';
import { hookCompletion } from './wait.js';

const discovery: Record<string, unknown> = {
  '/api/v1': { resources: [{ name: 'pods', kind: 'Pod', namespaced: true }, { name: 'namespaces', kind: 'Namespace', namespaced: false }] },
  '/apis/batch/v1': { resources: [{ name: 'jobs', kind: 'Job', namespaced: true }] },
};
const jobRef = { apiVersion: 'batch/v1', kind: 'Job', namespace: 'apps', name: 'migrate' };
const job = (conditions: unknown[]): Record<string, unknown> => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'apps' }, status: { conditions } });

describe('hookCompletion (Helm rule)', () => {
  it.each([
    [job([{ type: 'Complete', status: 'True' }]), 'done'],
    [job([]), 'running'],
    [job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]), 'failed'],
    [{ kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Succeeded' } }, 'done'],
    [{ kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Running' } }, 'running'],
    [{ kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Failed' } }, 'failed'],
    [{ kind: 'ConfigMap', metadata: { name: 'c' } }, 'done'],
  ])('%o → %s', (obj, state) => {
    expect(hookCompletion(obj).state).toBe(state);
  });
});

describe('KubeHookExecutor against a local API server', () => {
  let server: FakeApiServer;
  let exec: KubeHookExecutor;
  let respond: (req: RecordedRequest) => FakeResponse | undefined;
  const waited: string[] = [];
  const logs = memoryLogger();

  beforeAll(async () => {
    server = await startFakeApiServer((req) => {
      const doc = discovery[req.path];
      if (doc !== undefined) return { status: 200, body: doc };
      return respond(req) ?? { status: 404, body: statusBody(404, 'NotFound', 'not found') };
    });
    const client = new KubeApiClient(server.kubeConfig());
    const mapper = new RestMapper(client);
    const waiter = {
      waitHook: (ref: TargetRef, ms: number) => Promise.resolve(void waited.push(`hook ${ref.kind} ${ref.namespace}/${ref.name} ${ms}`)),
      waitDeleted: (refs: readonly TargetRef[], ms: number) => Promise.resolve(void waited.push(`deleted ${refs.map((r) => `${r.kind} ${r.namespace}/${r.name}`).join()} ${ms}`)),
    };
    exec = new KubeHookExecutor({ client, mapper, resources: new ResourceClient(client, mapper, 'maglev-operator'), waiter, impersonate: 'system:serviceaccount:apps:sa', log: logs.logger });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    respond = () => undefined;
  });

  const calls = (): string[] => server.requests.filter((r) => !(r.path in discovery)).map((r) => `${r.method} ${r.path}`);

  it('creates with a POST to the collection, as the impersonated user', async () => {
    respond = (req) => (req.method === 'POST' ? { status: 201, body: req.body } : undefined);
    await exec.create(job([]));
    expect(calls()).toEqual(['POST /apis/batch/v1/namespaces/apps/jobs']);
    expect(server.requests.at(-1)?.headers['impersonate-user']).toBe('system:serviceaccount:apps:sa');
  });

  it('waits for Jobs and Pods through the release waiter, not for other kinds; deletes, then waits until gone', async () => {
    waited.length = 0;
    await exec.waitComplete(jobRef, 10_000);
    await exec.waitComplete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'c' }, 10);
    respond = (req) => (req.method === 'DELETE' ? { status: 200, body: {} } : undefined);
    await exec.deleteAndWait(jobRef, 10_000);
    expect(calls()).toEqual(['DELETE /apis/batch/v1/namespaces/apps/jobs/migrate']);
    server.requests.length = 0;
    respond = () => undefined;
    await exec.deleteAndWait(jobRef, 5_000);
    expect(waited).toEqual(['hook Job apps/migrate 10000', 'deleted Job apps/migrate 10000']);
  });

  it('copies the logs of a Job’s pods to the logger', async () => {
    respond = (req) => {
      if (req.path === '/api/v1/namespaces/apps/pods') return { status: 200, body: { items: [{ metadata: { name: 'migrate-x1' } }] } };
      if (req.path === '/api/v1/namespaces/apps/pods/migrate-x1/log') return { status: 200, body: 'migrated 3 tables' };
      return undefined;
    };
    await exec.outputLogs(jobRef);
    expect(server.requests.find((r) => r.path === '/api/v1/namespaces/apps/pods')?.query.get('labelSelector')).toBe('job-name=migrate');
    expect(logs.lines.at(-1)).toMatchObject({ msg: 'hook output', pod: 'migrate-x1', output: 'migrated 3 tables' });
  });
});

describe('kubeApplier', () => {
  it('answers scope from discovery; awaitServed re-reads discovery past the cache', async () => {
    const server = await startFakeApiServer((req) => (discovery[req.path] !== undefined ? { status: 200, body: discovery[req.path] } : { status: 404 }));
    try {
      const client = new KubeApiClient(server.kubeConfig());
      const mapper = new RestMapper(client);
      const applier = kubeApplier(new ResourceClient(client, mapper, 'maglev-operator'), mapper, { read: () => Promise.resolve([]) });
      expect(await applier.namespaced('batch/v1', 'Job')).toBe(true);
      expect(await applier.namespaced('v1', 'Namespace')).toBe(false);
      await applier.awaitServed([{ apiVersion: 'v1', kind: 'Pod' }], 5_000);
      expect(await applier.namespaced('v1', 'Pod')).toBe(true);
      expect(server.requests.filter((r) => r.path === '/api/v1')).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});
