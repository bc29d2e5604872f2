/**
 * Parity with `helm install`: each chart of the corpus in test/e2e/parity (written to do what popular public
 * charts do) goes through install, upgrade and uninstall twice on the same cluster, once with the helm CLI
 * (`--wait`) and once through a HelmRelease, in two namespaces of the same name length. After each step the
 * two runs must agree on everything a user can see: the objects in the cluster (content, not only names), what
 * `helm list/history/status/get manifest/notes/hooks/values` print, the hooks' recorded phases, and what an
 * uninstall leaves behind. Only what differs by nature between two installs is normalized: the namespace name,
 * server-assigned fields (uid, resourceVersion, timestamps, cluster IPs, node ports, bound volume names), and
 * the bytes of Secret values (generated passwords), which are compared by length and checked per run.
 *
 * The two runs go one after the other, so cluster-scoped objects (CRDs, ClusterRoles, webhooks) keep the
 * names the charts give them; what is left of the first run is removed before the second.
 */
import { readdirSync, readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import { startOperator, testNamespace, waitFor } from './harness.js';
import { repoRoot } from './paths.js';
import { api, createRelease, deleteRelease, helm, helmJson, patchRelease, readRecord, recordNames, waitGone, waitReady } from './releases.js';

type Obj = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string } & Record<string, unknown> };
type Values = Record<string, unknown>;

const corpus = join(repoRoot, 'test', 'e2e', 'parity');

/** Every file under `dir`, as chart path → content. */
function readTree(dir: string, base = dir): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) Object.assign(out, readTree(path, base));
    else out[relative(base, path)] = readFileSync(path);
  }
  return out;
}

/** One chart of the corpus: the release name, the values of each step, and what must hold in both runs. */
interface Case {
  chart: string;
  release: string;
  install: Values;
  upgrade: Values;
  /** Objects (kind/name) that the install must have created, so two empty snapshots cannot agree. */
  expectInstalled: string[];
  /** Objects an uninstall leaves, in both runs. */
  expectLeftovers: string[];
  /** Checks of one run against the raw cluster state. */
  check?: (step: 'install' | 'upgrade', raw: Map<string, Obj>, previous: Map<string, Obj> | undefined) => void;
}

const cases: Case[] = [
  {
    chart: 'libapp',
    release: 'plib',
    install: {},
    upgrade: { mode: 'strict', backend: { enabled: false } },
    expectInstalled: [
      'ConfigMap/plib-libapp-config', 'ConfigMap/plib-libapp-info', 'Deployment/plib-libapp', 'PodDisruptionBudget/plib-libapp',
      'Deployment/plib-frontend', 'Service/plib-frontend', 'Deployment/plib-backend', 'Service/plib-backend',
    ],
    expectLeftovers: [],
    check: (step, raw) => {
      const info = raw.get('ConfigMap/plib-libapp-info')?.data as Record<string, string>;
      expect(info).toMatchObject({ hasPdbKind: 'true', hasPolicyV1: 'true', hasMissingGroup: 'false', kubeAtLeast121: 'true', service: 'Helm', isInstall: String(step === 'install') });
      expect(raw.has('ConfigMap/plib-from-library')).toBe(false);
      expect(raw.has('Deployment/plib-backend')).toBe(step === 'install');
    },
  },
  {
    chart: 'webhookapp',
    release: 'pedge',
    install: {},
    upgrade: { controller: { replicas: 2, metrics: { enabled: true } } },
    expectInstalled: ['Deployment/pedge-webhookapp-controller', 'Service/pedge-webhookapp-controller', 'Service/pedge-webhookapp-admission', 'ValidatingWebhookConfiguration/pedge-webhookapp-admission'],
    expectLeftovers: [],
    check: (step, raw) => {
      // The hook Jobs and their RBAC deleted themselves (TTL 0 and hook-succeeded); the LoadBalancer has an address.
      expect([...raw.keys()].filter((k) => k.includes('admission-') || k.startsWith('Job/'))).toEqual([]);
      const lb = raw.get('Service/pedge-webhookapp-controller') as { status?: { loadBalancer?: { ingress?: { ip?: string }[] } } };
      expect(lb.status?.loadBalancer?.ingress?.[0]?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(raw.has('Service/pedge-webhookapp-metrics')).toBe(step === 'upgrade');
    },
  },
  {
    chart: 'dbapp',
    release: 'pgdb',
    install: {},
    upgrade: { primary: { replicas: 2 }, tuning: { maxConnections: 200 } },
    expectInstalled: ['Secret/pgdb-dbapp', 'ConfigMap/pgdb-dbapp-configuration', 'StatefulSet/pgdb-dbapp', 'Service/pgdb-dbapp', 'Service/pgdb-dbapp-hl', 'PersistentVolumeClaim/data-pgdb-dbapp-0'],
    expectLeftovers: ['PersistentVolumeClaim/data-pgdb-dbapp-0', 'PersistentVolumeClaim/data-pgdb-dbapp-1'],
    check: (step, raw, previous) => {
      const password = (m: Map<string, Obj> | undefined): string | undefined => (m?.get('Secret/pgdb-dbapp')?.data as Record<string, string> | undefined)?.password;
      expect(Buffer.from(password(raw) ?? '', 'base64').toString()).toMatch(/^[A-Za-z0-9]{20}$/);
      // The generated password survives the upgrade: lookup saw the Secret of the first revision.
      if (step === 'upgrade') expect(password(raw)).toBe(password(previous));
      const claims = [...raw.entries()].filter(([k]) => k.startsWith('PersistentVolumeClaim/'));
      expect(claims.map(([, c]) => (c.status as { phase?: string }).phase)).toEqual(step === 'install' ? ['Bound'] : ['Bound', 'Bound']);
    },
  },
  {
    chart: 'operatorapp',
    release: 'pop',
    install: {},
    upgrade: { widget: { size: 5 }, legacy: { enabled: false } },
    expectInstalled: [
      'CustomResourceDefinition/widgets.parity.maglev.io', 'CustomResourceDefinition/gadgets.parity.maglev.io', 'Widget/pop-default',
      'ClusterRole/pop-manager', 'ClusterRoleBinding/pop-manager', 'Deployment/pop-manager', 'ConfigMap/pop-state', 'ConfigMap/pop-legacy',
    ],
    // crds/ is never deleted by Helm; keep-policy objects stay, also one the upgrade stopped rendering.
    expectLeftovers: ['ConfigMap/pop-legacy-kept', 'ConfigMap/pop-state', 'CustomResourceDefinition/widgets.parity.maglev.io'],
    check: (step, raw) => {
      expect((raw.get('Widget/pop-default')?.spec as Record<string, unknown>)).toEqual({ size: step === 'install' ? 3 : 5, color: 'blue' });
      expect(raw.has('ConfigMap/pop-legacy')).toBe(step === 'install');
      expect(raw.has('ConfigMap/pop-legacy-kept')).toBe(true);
    },
  },
];

/** Where objects are listed: every kind the corpus creates, namespaced ones in the run's namespace. */
const namespaced = [
  '/api/v1/configmaps', '/api/v1/secrets', '/api/v1/services', '/api/v1/serviceaccounts', '/api/v1/persistentvolumeclaims',
  '/apis/apps/v1/deployments', '/apis/apps/v1/statefulsets', '/apis/batch/v1/jobs', '/apis/policy/v1/poddisruptionbudgets',
  '/apis/rbac.authorization.k8s.io/v1/roles', '/apis/rbac.authorization.k8s.io/v1/rolebindings',
  '/apis/parity.maglev.io/v1/widgets', '/apis/parity.maglev.io/v1/gadgets',
];
const clusterScoped = [
  '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
];

function inNamespace(path: string, ns: string): string {
  const at = path.lastIndexOf('/');
  return `${path.slice(0, at)}/namespaces/${ns}${path.slice(at)}`;
}

async function list(path: string): Promise<Obj[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = (await api().request({ method: 'GET', path })) as { kind: string; apiVersion: string; items: Obj[] };
      const kind = res.kind.replace(/List$/, '');
      return res.items.map((o) => ({ ...o, kind, apiVersion: res.apiVersion }));
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) return []; // a CRD that is not installed (yet, or any more)
      // Right after a CRD is created its storage answers 429/503 "storage is (re)initializing" for a moment.
      if ((status === 429 || status === 503) && attempt < 50) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      throw err;
    }
  }
}

/** The cluster objects of one run: its namespace's, and the cluster-scoped ones belonging to the release. */
async function objects(ns: string, release: string): Promise<Map<string, Obj>> {
  const found: Obj[] = [];
  for (const p of namespaced) found.push(...(await list(inNamespace(p, ns))));
  for (const p of clusterScoped) {
    for (const o of await list(p)) {
      const name = o.metadata?.name ?? '';
      const crdGroup = (o.spec as { group?: string } | undefined)?.group;
      if (o.kind === 'CustomResourceDefinition' ? crdGroup === 'parity.maglev.io' : name.startsWith(`${release}-`)) found.push(o);
    }
  }
  const out = new Map<string, Obj>();
  for (const o of found) {
    const name = String(o.metadata?.name);
    const type = (o as { type?: string }).type;
    // Not the release's: the namespace's own objects and the release records (compared through helm instead).
    if ((o.kind === 'ConfigMap' && name === 'kube-root-ca.crt') || (o.kind === 'ServiceAccount' && name === 'default') || type === 'helm.sh/release.v1') continue;
    out.set(`${o.kind}/${name}`, o);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

const volatileAnnotations = /^(deployment\.kubernetes\.io\/revision|pv\.kubernetes\.io\/|volume\.(beta\.)?kubernetes\.io\/|kubectl\.kubernetes\.io\/last-applied-configuration)/;

/** An object as far as it must be equal between the two runs (see the file comment for what is dropped). */
function normalize(o: Obj, ns: string): unknown {
  const { metadata = {}, status: _status, ...rest } = o;
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, generation: _g, namespace: _n, selfLink: _s, finalizers, ownerReferences, annotations, labels, ...meta } = metadata as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...rest, metadata: { ...meta } };
  const m = copy.metadata as Record<string, unknown>;
  if (labels !== undefined) m.labels = labels;
  const kept = Object.entries((annotations ?? {}) as Record<string, string>).filter(([k]) => !volatileAnnotations.test(k));
  if (kept.length > 0) m.annotations = Object.fromEntries(kept);
  if (Array.isArray(ownerReferences)) m.ownerReferences = (ownerReferences as { kind: string; name: string }[]).map((r) => `${r.kind}/${r.name}`);
  if (Array.isArray(finalizers) && o.kind !== 'PersistentVolumeClaim') m.finalizers = finalizers;
  if (o.kind === 'Service') {
    const spec = { ...(copy.spec as Record<string, unknown>) };
    delete spec.clusterIP;
    delete spec.clusterIPs;
    delete spec.healthCheckNodePort;
    spec.ports = (spec.ports as Record<string, unknown>[] | undefined)?.map(({ nodePort: _np, ...p }) => p);
    copy.spec = spec;
  }
  if (o.kind === 'PersistentVolumeClaim') copy.spec = { ...(copy.spec as Record<string, unknown>), volumeName: undefined };
  if (o.kind === 'Secret' && copy.data !== undefined) copy.data = maskSecret(copy.data as Record<string, string>);
  return JSON.parse(JSON.stringify(copy).replaceAll(ns, '<ns>'));
}

function maskSecret(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, `<${Buffer.from(v, 'base64').length} bytes>`]));
}

/** A manifest (helm get manifest / hooks) as sorted documents, normalized like the objects. */
function manifestDocs(text: string, ns: string): unknown[] {
  const docs = (yaml.loadAll(text) as (Obj | null)[]).filter((d): d is Obj => d !== null);
  const masked = docs.map((d) => (d.kind === 'Secret' && d.data !== undefined ? { ...d, data: maskSecret(d.data as Record<string, string>) } : d));
  return masked.map((d) => JSON.parse(JSON.stringify(d).replaceAll(ns, '<ns>')) as unknown).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

interface HelmHistoryItem { revision: number; status: string; chart: string; app_version: string; description: string }

/** What the helm CLI says about the release, normalized. */
async function helmView(ns: string, release: string): Promise<Record<string, unknown>> {
  const flags = [release, '-n', ns];
  const listed = await helmJson<Record<string, unknown>[]>(['list', '-n', ns, '--all']);
  const history = await helmJson<HelmHistoryItem[]>(['history', ...flags]);
  const status = await helmJson<{ version: number; info: { status: string; description: string; notes?: string } }>(['status', ...flags]);
  const newest = history.at(-1)!.revision;
  const record = await readRecord(ns, release, newest);
  return {
    list: listed.map(({ name, namespace, revision, status: s, chart, app_version }) => ({ name, namespace: String(namespace).replaceAll(ns, '<ns>'), revision, status: s, chart, app_version })),
    history: history.map(({ revision, status: s, chart, app_version, description }) => ({ revision, status: s, chart, app_version, description })),
    status: { version: status.version, status: status.info.status, description: status.info.description, notes: (status.info.notes ?? '').replaceAll(ns, '<ns>') },
    values: (await helmJson<Values | null>(['get', 'values', ...flags])) ?? {},
    allValues: JSON.parse(JSON.stringify(await helmJson<Values>(['get', 'values', '--all', ...flags])).replaceAll(ns, '<ns>')) as unknown,
    manifest: manifestDocs(await helm(['get', 'manifest', ...flags]), ns),
    hooks: manifestDocs(await helm(['get', 'hooks', ...flags]), ns),
    // The chart as stored: dependency processing rewrites its metadata and values before Helm records it.
    storedChart: JSON.parse(JSON.stringify({ metadata: record.chart?.metadata, values: record.chart?.values }).replaceAll(ns, '<ns>')) as unknown,
    // Helm leaves `hooks` out of a record whose chart has none.
    hookRuns: ((record.hooks as typeof record.hooks | undefined) ?? []).map((h) => `${h.name} ${h.events.join(',')} ${h.last_run.phase}`).sort(),
  };
}

interface Step { objects: Record<string, unknown>; helm?: Record<string, unknown> }
type Run = Record<'installed' | 'upgraded' | 'uninstalled', Step>;

async function snapshot(ns: string, c: Case, raw: Map<string, Obj>, withHelm: boolean): Promise<Step> {
  return {
    objects: Object.fromEntries([...raw.entries()].map(([k, o]) => [k, normalize(o, ns)])),
    ...(withHelm ? { helm: await helmView(ns, c.release) } : {}),
  };
}

/** Removes what an earlier run (or an earlier test run on a reused cluster) left outside its namespace. */
async function removeClusterLeftovers(c: Case): Promise<void> {
  const gone: string[] = [];
  for (const p of clusterScoped) {
    for (const o of await list(p)) {
      const name = o.metadata?.name ?? '';
      const group = (o.spec as { group?: string } | undefined)?.group;
      if (o.kind === 'CustomResourceDefinition' ? group === 'parity.maglev.io' : name.startsWith(`${c.release}-`)) {
        await api().request({ method: 'DELETE', path: `${p}/${name}` }).catch(() => undefined);
        gone.push(`${p}/${name}`);
      }
    }
  }
  for (const path of gone) {
    await waitFor(`${path} deleted`, async () => {
      try {
        await api().request({ method: 'GET', path });
        return undefined;
      } catch (err) {
        return (err as { status?: number }).status === 404 ? true : undefined;
      }
    }, 60_000);
  }
}

const valuesDir = mkdtempSync(join(tmpdir(), 'maglev-parity-'));
function valuesFile(values: Values): string {
  const file = join(valuesDir, `values-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml.dump(values));
  return file;
}

async function runWithHelm(c: Case): Promise<Run> {
  await removeClusterLeftovers(c);
  const ns = await testNamespace('parity');
  const install = await helm(['install', c.release, repo.file(c.chart, '1.0.0'), '-n', ns, '-f', valuesFile(c.install), '--wait', '--timeout', '120s']);
  expect(install).toContain('STATUS: deployed');
  const installed = await objects(ns, c.release);
  c.check?.('install', installed, undefined);
  await helm(['upgrade', c.release, repo.file(c.chart, '1.1.0'), '-n', ns, '-f', valuesFile(c.upgrade), '--wait', '--timeout', '120s']);
  const upgraded = await objects(ns, c.release);
  c.check?.('upgrade', upgraded, installed);
  const run: Run = {
    installed: await snapshot(ns, c, installed, false),
    upgraded: await snapshot(ns, c, upgraded, true),
    uninstalled: { objects: {} },
  };
  // The install step's helm view is read after the upgrade in both runs: history then shows both revisions.
  await helm(['uninstall', c.release, '-n', ns, '--wait', '--timeout', '120s']);
  run.uninstalled = await snapshot(ns, c, await objects(ns, c.release), false);
  expect(await recordNames(ns, c.release)).toEqual([]);
  return run;
}

async function runWithOperator(c: Case): Promise<Run> {
  await removeClusterLeftovers(c);
  const ns = await testNamespace('parity');
  startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--watch-namespace', ns]);
  const chart = (version: string): Values => ({ repository: repo.url, name: c.chart, version });
  await createRelease(ns, c.release, { chart: chart('1.0.0'), values: c.install, timeout: '120s' });
  let hr = await waitReady(ns, c.release, 'True', 'InstallSucceeded', 150_000);
  expect(hr.status?.releaseRevision).toBe(1);
  const installed = await objects(ns, c.release);
  c.check?.('install', installed, undefined);
  await patchRelease(ns, c.release, { spec: { chart: chart('1.1.0'), values: c.upgrade } });
  hr = await waitReady(ns, c.release, 'True', 'UpgradeSucceeded', 150_000);
  expect(hr.status?.releaseRevision).toBe(2);
  const upgraded = await objects(ns, c.release);
  c.check?.('upgrade', upgraded, installed);
  const run: Run = {
    installed: await snapshot(ns, c, installed, false),
    upgraded: await snapshot(ns, c, upgraded, true),
    uninstalled: { objects: {} },
  };
  await deleteRelease(ns, c.release);
  await waitGone(ns, c.release, 150_000);
  run.uninstalled = await snapshot(ns, c, await objects(ns, c.release), false);
  expect(await recordNames(ns, c.release)).toEqual([]);
  return run;
}

let repo: ChartRepo;
beforeAll(async () => {
  repo = await startChartRepo();
  for (const c of cases) {
    const files = readTree(join(corpus, c.chart));
    await repo.addChart(files, '1.0.0');
    await repo.addChart(files, '1.1.0');
  }
});
afterAll(async () => {
  for (const c of cases) await removeClusterLeftovers(c).catch(() => undefined);
  await repo.close();
});

describe('parity with helm install', () => {
  for (const c of cases) {
    it(`${c.chart}: install, upgrade and uninstall through a HelmRelease match helm's, object for object`, async () => {
      const byHelm = await runWithHelm(c);
      expect(Object.keys(byHelm.installed.objects)).toEqual(expect.arrayContaining(c.expectInstalled));
      expect(Object.keys(byHelm.uninstalled.objects)).toEqual(c.expectLeftovers);
      const byOperator = await runWithOperator(c);
      expect(byOperator.installed).toEqual(byHelm.installed);
      expect(byOperator.upgraded).toEqual(byHelm.upgraded);
      expect(byOperator.uninstalled).toEqual(byHelm.uninstalled);
    }, 600_000);
  }
});
