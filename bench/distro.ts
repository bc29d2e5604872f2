/**
 * A 20-component distro (5 dependency levels of 4; each component depends on every component of the level
 * below) from `kubectl apply` to Ready, next to its critical-path lower bound measured in the same run with
 * the same operator process: every component installed alone as a plain HelmRelease, one after the other,
 * and the slowest of each level summed over the levels. Two more rows of the same run separate the cost of
 * the distro engine from the cluster's cost of changing four components at once: the levels applied straight
 * to the API server (no operator; next level once every Deployment is Available), and the levels as plain
 * HelmReleases created together by the bench (next level once all are Ready). Three rounds; the median.
 */
import { type ChartRepo, startChartRepo } from '../test/e2e/chartrepo.js';
import type { KubeApiClient } from '../src/runtime/client.js';
import { client, clusterUp, ejsChart, sleep, startOperator } from './releases.js';

const LEVELS = 5;
const WIDTH = 4;
const ROUNDS = 3;

interface Obj { metadata: { generation?: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] } }

function ready(o: Obj | undefined): boolean {
  return o !== undefined && o.status?.observedGeneration === o.metadata.generation && (o.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function components(repo: ChartRepo): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let l = 0; l < LEVELS; l += 1) {
    for (let i = 0; i < WIDTH; i += 1) {
      const dependsOn = l === 0 ? [] : Array.from({ length: WIDTH }, (_, j) => `l${l - 1}c${j}`);
      out.push({ name: `l${l}c${i}`, dependsOn, chart: { repository: repo.url, name: 'benchejs', version: '1.0.0' }, values: { replicas: 1 + (i % 3) } });
    }
  }
  return out;
}

async function waitFor(probe: () => Promise<boolean>, what: string, limitMs = 600_000): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

type Comp = { name: string; values: { replicas: number }; chart: unknown };

/** Level by level, the objects of every component of the level server-side applied, until all are Available. */
async function rawLevels(api: KubeApiClient, ns: string, comps: Comp[]): Promise<number> {
  const apply = (path: string, body: unknown) => api.request({ method: 'PATCH', path, query: { fieldManager: 'bench', force: true }, body, contentType: 'application/apply-patch+yaml' });
  const started = Date.now();
  for (let l = 0; l < LEVELS; l += 1) {
    const level = comps.filter((c) => c.name.startsWith(`l${l}`));
    await Promise.all(level.map(async (c) => {
      const name = `raw-${c.name}`;
      await apply(`/api/v1/namespaces/${ns}/configmaps/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { message: 'hello' } });
      await apply(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`, {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
        spec: { replicas: c.values.replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example.com/app:1' }] } } },
      });
      await apply(`/api/v1/namespaces/${ns}/services/${name}`, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
    }));
    type Deploy = { status?: { readyReplicas?: number; updatedReplicas?: number; conditions?: { type: string; status: string }[] }; spec: { replicas: number } };
    await waitFor(async () => {
      const list = (await api.request({ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments`, query: { labelSelector: '' } })) as { items: (Deploy & { metadata: { name: string } })[] };
      const mine = list.items.filter((d) => d.metadata.name.startsWith(`raw-l${l}`));
      return mine.length === level.length && mine.every((d) => (d.status?.readyReplicas ?? 0) >= d.spec.replicas && (d.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True'));
    }, `raw level ${l}`);
  }
  return (Date.now() - started) / 1000;
}

/** Level by level, plain HelmReleases created together, until all of the level are Ready. */
async function releaseLevels(api: KubeApiClient, ns: string, comps: Comp[]): Promise<number> {
  const path = `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases`;
  const started = Date.now();
  for (let l = 0; l < LEVELS; l += 1) {
    const level = comps.filter((c) => c.name.startsWith(`l${l}`));
    await Promise.all(level.map((c) => api.request({ method: 'POST', path, body: { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name: `lvl-${c.name}` }, spec: { chart: c.chart, values: c.values } } })));
    await waitFor(async () => {
      const list = (await api.request({ method: 'GET', path })) as { items: (Obj & { metadata: { name: string } })[] };
      return list.items.filter((h) => h.metadata.name.startsWith(`lvl-l${l}`) && ready(h)).length === level.length;
    }, `release level ${l}`);
  }
  return (Date.now() - started) / 1000;
}

/** The benchmark; see the module comment. */
export async function distroBench(): Promise<string> {
  const kubeconfig = clusterUp();
  const api = client(kubeconfig);
  const repo = await startChartRepo();
  await repo.add('benchejs', '1.0.0', ejsChart);
  const op = startOperator(kubeconfig, []);
  const bounds: number[] = [];
  const distros: number[] = [];
  const raws: number[] = [];
  const levelReleases: number[] = [];
  const levelRows: string[] = [];
  try {
    await sleep(3_000);
    for (let round = 0; round < ROUNDS; round += 1) {
      const ns = `bench-distro-${round}-${Date.now().toString(36)}`;
      await api.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
      const comps = components(repo) as Comp[];
      // The lower bound: each component alone, one after the other.
      const slowest: number[] = Array.from({ length: LEVELS }, () => 0);
      for (const c of comps) {
        const name = `alone-${String(c.name)}`;
        const path = `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases`;
        const started = Date.now();
        await api.request({ method: 'POST', path, body: { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name }, spec: { chart: c.chart, values: c.values } } });
        await waitFor(async () => ready((await api.request({ method: 'GET', path: `${path}/${name}` })) as Obj), name);
        const level = Number(String(c.name).slice(1, 2));
        slowest[level] = Math.max(slowest[level] ?? 0, (Date.now() - started) / 1000);
      }
      const bound = slowest.reduce((a, b) => a + b, 0);
      raws.push(await rawLevels(api, ns, comps));
      levelReleases.push(await releaseLevels(api, ns, comps));
      // The distro.
      const path = `/apis/maglev.io/v1alpha1/namespaces/${ns}/maglevdistros`;
      const started = Date.now();
      await api.request({ method: 'POST', path, body: { apiVersion: 'maglev.io/v1alpha1', kind: 'MaglevDistro', metadata: { name: 'bench' }, spec: { version: '1.0.0', upgrade: { maxParallel: WIDTH }, components: comps } } });
      await waitFor(async () => ready((await api.request({ method: 'GET', path: `${path}/bench` })) as Obj), 'distro Ready');
      const took = (Date.now() - started) / 1000;
      bounds.push(bound);
      distros.push(took);
      levelRows.push(`| ${round + 1} | ${slowest.map((s) => s.toFixed(2)).join(' + ')} = ${bound.toFixed(1)} s | ${(raws.at(-1) ?? 0).toFixed(1)} s | ${(levelReleases.at(-1) ?? 0).toFixed(1)} s | ${took.toFixed(1)} s | ${(took / bound).toFixed(2)}x |`);
      process.stdout.write(`  round ${round + 1}: lower bound ${bound.toFixed(1)} s, raw levels ${(raws.at(-1) ?? 0).toFixed(1)} s, HelmRelease levels ${(levelReleases.at(-1) ?? 0).toFixed(1)} s, distro ${took.toFixed(1)} s\n`);
      await api.request({ method: 'DELETE', path: `${path}/bench` });
      await api.request({ method: 'DELETE', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases` }).catch(() => undefined);
      await waitFor(async () => ((await api.request({ method: 'GET', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases` })) as { items: unknown[] }).items.length === 0, 'cleanup');
      await api.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
      // The next round starts on a quiet cluster: the namespace gone and its objects collected.
      await waitFor(async () => {
        try {
          await api.request({ method: 'GET', path: `/api/v1/namespaces/${ns}` });
          return false;
        } catch {
          return true;
        }
      }, `namespace ${ns} gone`);
      await sleep(2_000);
    }
  } finally {
    op.proc.kill('SIGTERM');
    await repo.close();
  }
  const b = median(bounds);
  const d = median(distros);
  const r = median(raws);
  const h = median(levelReleases);
  return `## A 20-component distro, 5 levels, from apply to Ready

${LEVELS} levels of ${WIDTH} components; each component depends on every component of the level below and is a
ConfigMap, a Deployment (1 to 3 replicas) and a Service (EJS chart from a Helm repository on 127.0.0.1),
\`maxParallel: ${WIDTH}\`. **Lower bound**: each component installed alone as a plain HelmRelease by the same operator,
one after the other, then the slowest of each level summed over the levels (a level cannot start before the one
below is Ready). **Distro**: the MaglevDistro created, timed until Ready=True. ${ROUNDS} rounds; the median.

| | time | vs lower bound |
|---|---|---|
| critical-path lower bound (sum of the slowest of each level, installed alone) | ${b.toFixed(1)} s | 1.00x |
| the levels' objects applied straight to the API server, 4 at once, no operator | ${r.toFixed(1)} s | ${(r / b).toFixed(2)}x |
| the levels as plain HelmReleases created together by the bench | ${h.toFixed(1)} s | ${(h / b).toFixed(2)}x |
| MaglevDistro, apply to Ready | ${d.toFixed(1)} s | ${(d / b).toFixed(2)}x (target ≤ 1.2x); ${(d / h).toFixed(2)}x the HelmRelease levels |

| round | lower bound (level 0 + … + level 4) | raw levels | HelmRelease levels | distro | distro / bound |
|---|---|---|---|---|---|
${levelRows.join('\n')}`;
}
