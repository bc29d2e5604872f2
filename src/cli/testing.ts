/**
 * A fake cluster for the day-2 command tests: the real local fake API server (src/runtime/testing) serving
 * discovery of maglev.io/v1alpha1, get and list (per namespace and across them) of HelmReleases and
 * MaglevDistros from a map, and JSON merge patches applied with the real RFC 7396 semantics (generation
 * bumped on a spec change), plus a kubeconfig file pointing at it with two contexts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMergePatch } from '../release/testing/fake-objects.js';
import { startFakeApiServer, statusBody, type FakeApiServer, type FakeResponse, type RecordedRequest } from '../runtime/testing/index.js';
import type { HelmRelease, MaglevDistro } from '../crds/index.js';
import type { Managed } from './kube.js';

/** A running fake cluster. */
export interface FakeCluster {
  server: FakeApiServer;
  /** Objects by `plural/namespace/name`. */
  objects: Map<string, Managed>;
  /** A kubeconfig file: context `main` (namespace `team`, current) and `other` (namespace `other-ns`). */
  kubeconfig: string;
  /** Called after each merge patch with the patched object; may change it (an operator's answer). */
  afterPatch?: (obj: Managed) => void;
  /** Called before each get of one object; may change it (an operator's progress). */
  beforeGet?: (obj: Managed) => void;
  /** Stores an object (its kind picks the plural). */
  put(obj: Managed): void;
  /** The merge patches sent, as `plural/namespace/name` and body. */
  patches(): { key: string; body: unknown }[];
  close(): Promise<void>;
}

const GROUP_PATH = '/apis/maglev.io/v1alpha1';

const discovery = {
  kind: 'APIResourceList',
  groupVersion: 'maglev.io/v1alpha1',
  resources: [
    { name: 'helmreleases', kind: 'HelmRelease', namespaced: true, verbs: ['get', 'list', 'patch'] },
    { name: 'maglevdistros', kind: 'MaglevDistro', namespaced: true, verbs: ['get', 'list', 'patch'] },
  ],
};

function pluralOf(obj: Managed): string {
  return obj.kind === 'MaglevDistro' ? 'maglevdistros' : 'helmreleases';
}

/** Starts a fake cluster; close it after the test. */
export async function startFakeCluster(): Promise<FakeCluster> {
  const objects = new Map<string, Managed>();
  const cluster: FakeCluster = {
    server: undefined as unknown as FakeApiServer,
    objects,
    kubeconfig: '',
    put: (obj) => void objects.set(`${pluralOf(obj)}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`, obj),
    patches: () =>
      cluster.server.requests.filter((r) => r.method === 'PATCH').map((r) => ({ key: r.path.slice(GROUP_PATH.length + '/namespaces/'.length).replace(/^([^/]+)\/([^/]+)\/([^/]+)$/, '$2/$1/$3'), body: r.body })),
    close: () => cluster.server.close(),
  };
  const handle = (req: RecordedRequest): FakeResponse => {
    if (req.path === GROUP_PATH) return { status: 200, body: discovery };
    const all = /^\/apis\/maglev\.io\/v1alpha1\/(helmreleases|maglevdistros)$/.exec(req.path);
    const scoped = /^\/apis\/maglev\.io\/v1alpha1\/namespaces\/([^/]+)\/(helmreleases|maglevdistros)(?:\/([^/]+))?$/.exec(req.path);
    if (all !== null || (scoped !== null && scoped[3] === undefined)) {
      const prefix = all !== null ? `${all[1] ?? ''}/` : `${scoped?.[2] ?? ''}/${scoped?.[1] ?? ''}/`;
      return { status: 200, body: { kind: 'List', items: [...objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, o]) => o) } };
    }
    if (scoped === null) return { status: 404, body: statusBody(404, 'NotFound', `no route ${req.path}`) };
    const key = `${scoped[2] ?? ''}/${scoped[1] ?? ''}/${scoped[3] ?? ''}`;
    const obj = objects.get(key);
    if (obj === undefined) return { status: 404, body: statusBody(404, 'NotFound', `${key} not found`) };
    if (req.method === 'GET') {
      cluster.beforeGet?.(obj);
      return { status: 200, body: obj };
    }
    if (req.method === 'PATCH') {
      const next = applyMergePatch(obj, req.body) as Managed;
      if (JSON.stringify(next.spec) !== JSON.stringify(obj.spec)) next.metadata.generation = (obj.metadata.generation ?? 0) + 1;
      cluster.afterPatch?.(next);
      objects.set(key, next);
      return { status: 200, body: next };
    }
    return { status: 405, body: statusBody(405, 'MethodNotAllowed', req.method) };
  };
  cluster.server = await startFakeApiServer(handle);
  const dir = mkdtempSync(join(tmpdir(), 'maglev-cli-'));
  cluster.kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    cluster.kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: cluster.server.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'tester', user: { token: 'test-token' } }],
      contexts: [
        { name: 'main', context: { cluster: 'fake', user: 'tester', namespace: 'team' } },
        { name: 'other', context: { cluster: 'fake', user: 'tester', namespace: 'other-ns' } },
      ],
      'current-context': 'main',
    }),
  );
  return cluster;
}

/** What a command wrote and returned. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs a command function with captured output (and `confirm` when given). */
export async function capture(fn: (argv: string[], io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown }; confirm?: (q: string) => Promise<boolean> }) => Promise<number>, argv: string[], confirm?: (q: string) => Promise<boolean>): Promise<CliResult> {
  let out = '';
  let err = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, ...(confirm === undefined ? {} : { confirm }) };
  const code = await fn(argv, io);
  return { code, out, err };
}

/** A HelmRelease as the operator leaves it after a successful install at generation 1. */
export function aRelease(name: string, namespace: string, status: Partial<NonNullable<HelmRelease['status']>> = {}): HelmRelease {
  return {
    apiVersion: 'maglev.io/v1alpha1',
    kind: 'HelmRelease',
    metadata: { name, namespace, generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { chart: { repository: 'https://charts.example.com', name: 'podinfo', version: '6.x' } },
    status: {
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'True', reason: 'InstallSucceeded', message: 'Helm install succeeded for release podinfo-6.5.0', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:10Z' }],
      releaseName: name,
      releaseNamespace: namespace,
      releaseRevision: 1,
      chartName: 'podinfo',
      chartVersion: '6.5.0',
      ...status,
    },
  };
}

/** A MaglevDistro at version 1.0.0 revision 1 whose spec asks for 1.1.0: a plan upgrading the Manual db and web, awaiting approval. */
export function aDistroAwaitingApproval(name: string, namespace: string): MaglevDistro {
  const planId = `sha256:${'ab12'.repeat(16)}`;
  const message = `plan ${planId} changes Manual components db; approve it with: kubectl patch ...`;
  const at = '2026-01-01T00:00:10Z';
  return {
    apiVersion: 'maglev.io/v1alpha1',
    kind: 'MaglevDistro',
    metadata: { name, namespace, generation: 2, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      version: '1.1.0',
      components: [
        { name: 'pki', chart: { repository: 'https://charts.example.com', name: 'pki', version: '1.0.0' } },
        { name: 'db', upgradePolicy: 'Manual', dependsOn: ['pki'], chart: { repository: 'https://charts.example.com', name: 'db', version: '1.1.0' } },
        { name: 'web', dependsOn: ['db'], chart: { repository: 'https://charts.example.com', name: 'web', version: '1.1.0' } },
      ],
    },
    status: {
      observedGeneration: 2,
      version: '1.0.0',
      revision: 1,
      conditions: [
        { type: 'Stalled', status: 'True', reason: 'AwaitingApproval', message, observedGeneration: 2, lastTransitionTime: at },
        { type: 'Ready', status: 'False', reason: 'AwaitingApproval', message, observedGeneration: 2, lastTransitionTime: at },
        { type: 'AwaitingApproval', status: 'True', reason: 'AwaitingApproval', message, observedGeneration: 2, lastTransitionTime: at },
      ],
      plan: {
        id: planId,
        steps: [
          { component: 'pki', action: 'none', from: '1.0.0', to: '1.0.0', level: 0 },
          { component: 'db', action: 'upgrade', from: '1.0.0', to: '1.1.0', level: 1 },
          { component: 'web', action: 'upgrade', from: '1.0.0', to: '1.1.0', level: 2 },
        ],
      },
      components: [
        { name: 'pki', phase: 'Ready', chartVersion: '1.0.0', releaseRevision: 1 },
        { name: 'db', phase: 'AwaitingApproval', chartVersion: '1.0.0', releaseRevision: 1, message: 'Manual component: upgrade 1.0.0 -> 1.1.0 waits for spec.approvedPlan' },
        { name: 'web', phase: 'Blocked', chartVersion: '1.0.0', releaseRevision: 1, blockedBy: ['db'] },
      ],
      history: [{ revision: 1, version: '1.0.0', status: 'deployed', deployedAt: '2026-01-01T00:00:09Z', planId: `sha256:${'cd34'.repeat(16)}`, components: [{ name: 'pki', chartVersion: '1.0.0', releaseRevision: 1 }, { name: 'db', chartVersion: '1.0.0', releaseRevision: 1 }, { name: 'web', chartVersion: '1.0.0', releaseRevision: 1 }] }],
    },
  };
}
