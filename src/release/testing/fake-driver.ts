/**
 * A fake world for release-driver tests: a HelmRelease in an in-memory object store, the action fakes
 * (records, applier, hooks, waiter: fake-cluster.ts), a chart "repository" whose version and defaults the test
 * sets, a render result the test controls, and logs of renders, events, action metrics and scopes.
 */
import type { Chart } from '../../chart/types.js';
import { sha256Digest } from '../../chart/cache.js';
import type { FetchedChart } from '../../chart/source/common.js';
import { API_VERSION, type HelmRelease, type HelmReleaseSpec } from '../../crds/generated/types.js';
import { ErrorCode, MaglevError } from '../../errors.js';
import type { RenderInput, RenderResult } from '../../render/types.js';
import type { EventInput } from '../../runtime/events.js';
import type { ObjectRef } from '../../runtime/object.js';
import type { ReleaseDriverDeps, ReleaseScope } from '../reconcile/types.js';
import { ReleaseStorage } from '../storage.js';
import { fakeContext, type FakeWorld } from './fake-cluster.js';
import { FakeObjects } from './fake-objects.js';
import { fakeRender, rendered } from './fixtures.js';

/** Namespace and name of the HelmRelease of a {@link driverWorld}. */
export const HR = { namespace: 'apps', name: 'web' } as const;

/** The default rendered objects: a ConfigMap and a Deployment. */
export function defaultObjects(): ReturnType<typeof rendered>[] {
  return [
    rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { a: '1' } }),
    rendered({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1 } }),
  ];
}

/** The fake world; mutate `chart`, `renderResult` or `renderError` to change what the next reconcile sees. */
export interface DriverWorld {
  objects: FakeObjects;
  cluster: FakeWorld;
  deps: ReleaseDriverDeps;
  chart: { version: string; values: Record<string, unknown>; missing?: boolean };
  renderResult: RenderResult;
  renderError: Error | undefined;
  renders: RenderInput[];
  events: { regarding: ObjectRef; event: EventInput }[];
  actions: string[];
  scopes: ReleaseScope[];
  /** The stored HelmRelease (a copy). */
  hr(): HelmRelease;
}

function chartOf(version: string, values: Record<string, unknown>): Chart {
  return { metadata: { apiVersion: 'v2', name: 'web', version, appVersion: `app-${version}` }, values, templates: [], crds: [], files: [], dependencies: [], raw: [] };
}

/** A world with HelmRelease apps/web (spec overridable), the chart web@1.0.0, nothing installed. */
export function driverWorld(spec: Partial<HelmReleaseSpec> = {}, opts: { identity?: string; defaultServiceAccount?: string } = {}): DriverWorld {
  const objects = new FakeObjects();
  objects.put({
    apiVersion: API_VERSION,
    kind: 'HelmRelease',
    metadata: { name: HR.name, namespace: HR.namespace, uid: 'uid-1' },
    spec: { chart: { repository: 'https://charts.example.com', name: 'web', version: '*' }, interval: '10m', timeout: '1m', ...spec },
  });
  const cluster = fakeContext(HR.namespace);
  const w: DriverWorld = {
    objects,
    cluster,
    chart: { version: '1.0.0', values: { replicas: 1 } },
    renderResult: fakeRender(defaultObjects()),
    renderError: undefined,
    renders: [],
    events: [],
    actions: [],
    scopes: [],
    hr: () => structuredClone(objects.peek('HelmRelease', HR.namespace, HR.name)) as unknown as HelmRelease,
    deps: undefined as unknown as ReleaseDriverDeps,
  };
  w.deps = {
    objects,
    contextFor: (scope) => {
      w.scopes.push(scope);
      const storage = new ReleaseStorage(cluster.store, { namespace: scope.release.namespace, maxHistory: scope.maxHistory, clock: cluster.clock, stamp: { ownerUid: scope.ownerUid, writer: 'maglev-0', ...(scope.ownerName === undefined ? {} : { ownerName: scope.ownerName }) } });
      return { ...cluster.ctx, storage, call: scope.impersonate === undefined ? {} : { impersonate: scope.impersonate } };
    },
    fetchChart: () => {
      if (w.chart.missing === true) return Promise.reject(new MaglevError(ErrorCode.ChartNotFound, 'chart "web" not found in repository https://charts.example.com', { where: 'spec.chart.name' }));
      const chart = chartOf(w.chart.version, w.chart.values);
      const fetched: FetchedChart = { chart, archive: Buffer.alloc(0), digest: sha256Digest(Buffer.from(w.chart.version)), name: 'web', version: w.chart.version, source: 'test', cached: false };
      return Promise.resolve(fetched);
    },
    render: (input) => {
      w.renders.push(input);
      return w.renderError === undefined ? Promise.resolve(structuredClone(w.renderResult)) : Promise.reject(w.renderError);
    },
    capabilities: () => Promise.resolve({ kubeVersion: 'v1.35.0', apiVersions: ['v1', 'apps/v1'] }),
    events: {
      record: (regarding, event) => {
        w.events.push({ regarding, event });
        return Promise.resolve();
      },
    },
    onAction: (action, result) => w.actions.push(`${action} ${result}`),
    identity: opts.identity ?? 'maglev-0',
    defaultServiceAccount: opts.defaultServiceAccount,
    now: () => cluster.clock.now(),
    random: () => 0.5,
  };
  return w;
}
