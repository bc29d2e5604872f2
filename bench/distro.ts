/**
 * A 20-component distro (5 dependency levels of 4; each component depends on every component of the level
 * below) from `kubectl apply` to Ready, next to its critical-path lower bound measured in the same run with
 * the same operator process: every component installed alone as a plain HelmRelease, one after the other,
 * and the slowest of each level summed over the levels. Two more rows of the same run separate the cost of
 * the distro engine from the cluster's cost of changing four components at once: the levels applied straight
 * to the API server (no operator; next level once every Deployment is Available), and the levels as plain
 * HelmReleases created together by the bench (next level once all are Ready). Three rounds; the median.
 * For each phase it also reports what the cluster had to do: the machine's CPU busy, the operator's requests
 * and CPU time, and kube-controller-manager's writes and time spent waiting on its own client limiter.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { type ChartRepo, startChartRepo } from '../test/e2e/chartrepo.js';
import { metricValue } from '../test/e2e/metric-text.js';
import type { KubeApiClient } from '../src/runtime/client.js';
import { apiRequests, client, clusterUp, ejsChart, sleep, startOperator } from './releases.js';

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

/** What kube-controller-manager's API client has done so far: its writes and its time waiting on its own limiter. */
interface ControllerManagerClient { writes: number; limiterWaitS: number }

/**
 * Reads kube-controller-manager's client metrics on the local control plane (hack/cluster.sh keeps its arguments
 * and the admin certificate next to the kubeconfig), or undefined on another cluster. Its client limiter (default
 * 20 requests/s, burst 30, per controller) is what makes several components at once slower than one alone here.
 */
async function controllerManagerClient(kubeconfig: string): Promise<ControllerManagerClient | undefined> {
  const state = dirname(kubeconfig);
  let port: string | undefined;
  try {
    const args = readFileSync(join(state, 'args.kube-controller-manager'), 'utf8').split('\0');
    port = args[args.indexOf('--secure-port') + 1];
  } catch {
    return undefined;
  }
  const text = await new Promise<string>((resolve, reject) => {
    // The controller-manager serves with a certificate it made itself; this only reads metrics on 127.0.0.1.
    const req = request({ host: '127.0.0.1', port, path: '/metrics', cert: readFileSync(join(state, 'pki', 'admin.crt')), key: readFileSync(join(state, 'pki', 'admin.key')), rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  }).catch(() => undefined);
  if (text === undefined) return undefined;
  const writes = ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((sum, method) => sum + metricValue(text, 'rest_client_requests_total', { method }), 0);
  return { writes, limiterWaitS: metricValue(text, 'rest_client_rate_limiter_duration_seconds_sum') };
}

/** The machine's CPU time so far from /proc/stat, in clock ticks: busy (every state but idle and iowait), and all. */
function cpuTicks(): { busy: number; all: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const all = fields.reduce((a, b) => a + b, 0);
  return { busy: all - (fields[3] ?? 0) - (fields[4] ?? 0), all };
}

/** CPU seconds a process has used (user and system), from /proc/PID/stat; 0 when it is gone. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime and stime, in USER_HZ (100 on Linux)
  } catch {
    return 0;
  }
}

/**
 * What one phase cost: its duration, the machine's CPU busy, the operator's API requests and CPU seconds, and
 * the controller-manager's writes and limiter wait.
 */
interface Phase { s: number; busy: number; opRequests: number; opCpuS: number; cm?: ControllerManagerClient }

interface Operator { proc: { pid?: number | undefined }; metricsPort: () => number | undefined }

async function measured(kubeconfig: string, op: Operator, fn: () => Promise<number>): Promise<Phase> {
  const before = await controllerManagerClient(kubeconfig);
  const byKind = await apiRequests(op.metricsPort());
  const opCpu = processCpuSeconds(op.proc.pid);
  const cpu = cpuTicks();
  const s = await fn();
  const cpuAfter = cpuTicks();
  const opCpuS = processCpuSeconds(op.proc.pid) - opCpu;
  // The operator's requests of this phase by verb and resource; the whole list goes to the progress output.
  const kinds = [...(await apiRequests(op.metricsPort()))].map(([k, v]) => [k, v - (byKind.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
  const opRequests = kinds.reduce((a, [, v]) => a + v, 0);
  process.stdout.write(`    ${s.toFixed(1)} s; operator requests: ${kinds.map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  const after = await controllerManagerClient(kubeconfig);
  const busy = (cpuAfter.busy - cpu.busy) / Math.max(1, cpuAfter.all - cpu.all);
  if (before === undefined || after === undefined) return { s, busy, opRequests, opCpuS };
  return { s, busy, opRequests, opCpuS, cm: { writes: after.writes - before.writes, limiterWaitS: after.limiterWaitS - before.limiterWaitS } };
}

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
  // What each phase (alone, raw, levels, distro) cost, round by round.
  const phases: Record<string, Phase[]> = { alone: [], raw: [], levels: [], distro: [] };
  const keep = (phase: string, m: Phase): number => {
    phases[phase]?.push(m);
    return m.s;
  };
  try {
    await sleep(3_000);
    for (let round = 0; round < ROUNDS; round += 1) {
      const ns = `bench-distro-${round}-${Date.now().toString(36)}`;
      await api.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
      const comps = components(repo) as Comp[];
      // The lower bound: each component alone, one after the other.
      const slowest: number[] = Array.from({ length: LEVELS }, () => 0);
      const alone = keep('alone', await measured(kubeconfig, op, async () => {
        const phaseStarted = Date.now();
        for (const c of comps) {
          const name = `alone-${String(c.name)}`;
          const path = `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases`;
          const started = Date.now();
          await api.request({ method: 'POST', path, body: { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name }, spec: { chart: c.chart, values: c.values } } });
          await waitFor(async () => ready((await api.request({ method: 'GET', path: `${path}/${name}` })) as Obj), name);
          const level = Number(String(c.name).slice(1, 2));
          slowest[level] = Math.max(slowest[level] ?? 0, (Date.now() - started) / 1000);
        }
        return (Date.now() - phaseStarted) / 1000;
      }));
      const bound = slowest.reduce((a, b) => a + b, 0);
      raws.push(keep('raw', await measured(kubeconfig, op, () => rawLevels(api, ns, comps))));
      levelReleases.push(keep('levels', await measured(kubeconfig, op, () => releaseLevels(api, ns, comps))));
      // The distro.
      const path = `/apis/maglev.io/v1alpha1/namespaces/${ns}/maglevdistros`;
      const took = keep('distro', await measured(kubeconfig, op, async () => {
        const started = Date.now();
        await api.request({ method: 'POST', path, body: { apiVersion: 'maglev.io/v1alpha1', kind: 'MaglevDistro', metadata: { name: 'bench' }, spec: { version: '1.0.0', upgrade: { maxParallel: WIDTH }, components: comps } } });
        await waitFor(async () => ready((await api.request({ method: 'GET', path: `${path}/bench` })) as Obj), 'distro Ready');
        return (Date.now() - started) / 1000;
      }));
      bounds.push(bound);
      distros.push(took);
      levelRows.push(`| ${round + 1} | ${slowest.map((s) => s.toFixed(2)).join(' + ')} = ${bound.toFixed(1)} s (all 20 one after the other: ${alone.toFixed(1)} s) | ${(raws.at(-1) ?? 0).toFixed(1)} s | ${(levelReleases.at(-1) ?? 0).toFixed(1)} s | ${took.toFixed(1)} s | ${(took / bound).toFixed(2)}x |`);
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
  const n = LEVELS * WIDTH;
  const phaseRow = (label: string, phase: string): string => {
    const got = phases[phase] ?? [];
    const common = `| ${label} | ${median(got.map((g) => g.s)).toFixed(1)} s | ${Math.round(100 * median(got.map((g) => g.busy)))}% | ${(median(got.map((g) => g.opRequests)) / n).toFixed(1)} | ${median(got.map((g) => g.opCpuS)).toFixed(1)} s |`;
    const cm = got.flatMap((g) => (g.cm === undefined ? [] : [g.cm]));
    if (cm.length === 0) return `${common} not measured (not the local control plane) | |`;
    return `${common} ${(median(cm.map((g) => g.writes)) / n).toFixed(1)} | ${median(cm.map((g) => g.limiterWaitS)).toFixed(1)} s |`;
  };
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
${levelRows.join('\n')}

Each phase as a whole (median of the rounds): its duration; the machine's CPU busy (both cores, from
/proc/stat); the operator's API requests per component and its CPU time; and what kube-controller-manager's
API client did: its writes per component (ReplicaSets, pods, Events, status updates) and the time its
requests spent waiting on its own client limiter (20 requests/s, burst 30 per controller by default), summed
over the requests. The operator's requests do not go through that limiter.

| phase | duration | CPU busy | operator requests / component | operator CPU | controller-manager writes / component | waiting on its limiter |
|---|---|---|---|---|---|---|
${phaseRow('20 components alone, one after the other (the bound)', 'alone')}
${phaseRow('raw levels', 'raw')}
${phaseRow('HelmRelease levels', 'levels')}
${phaseRow('MaglevDistro', 'distro')}`;
}
