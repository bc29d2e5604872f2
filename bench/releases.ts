/**
 * Many small releases at once: N HelmReleases (ConfigMap + Deployment + Service each) created together
 * against the local control plane (hack/cluster.sh; kwok makes pods Ready), timed until every one is
 * Ready, then deleted and timed until every one is uninstalled; the operator's peak RSS (VmHWM of its
 * process, main thread plus EJS workers, plus that of its Go-template renderer process) and
 * its API requests per release. Next to it, in the same run: the floor (the same objects applied straight
 * to the API server by the bench), a head-of-line pair (100 good releases with and without 8 never-ready
 * ones created first), and `helm upgrade --install --wait` of the same chart, one release after another.
 * The operator runs from dist/ (built first) with default flags.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { OPERATOR_NODE_OPTIONS } from '../src/cli/node-options.js';
import { KubeApiClient } from '../src/runtime/client.js';
import { startChartRepo, type ChartRepo } from '../test/e2e/chartrepo.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tool = (name: string): string => join(process.env.MAGLEV_CACHE ?? join(homedir(), '.cache', 'maglev-operator'), 'current', name);

/** The benchmark chart in Go templates (`benchEjs` is its EJS twin). */
export const goChart = {
  'values.yaml': 'replicas: 1\nmessage: hello\n',
  'templates/all.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: {{ .Release.Name }} }
data: { message: {{ .Values.message | quote }} }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: {{ .Release.Name }} }
spec:
  replicas: {{ .Values.replicas }}
  selector: { matchLabels: { app: {{ .Release.Name }} } }
  template:
    metadata: { labels: { app: {{ .Release.Name }} } }
    spec: { containers: [ { name: app, image: "example.com/app:1" } ] }
---
apiVersion: v1
kind: Service
metadata: { name: {{ .Release.Name }} }
spec: { selector: { app: {{ .Release.Name }} }, ports: [ { port: 80 } ] }
`,
};

/** The EJS twin of {@link goChart}. */
export const ejsChart = {
  'values.yaml': goChart['values.yaml'],
  'templates/all.yaml.ejs': goChart['templates/all.yaml']
    .replaceAll('{{ .Release.Name }}', '<%= Release.Name %>')
    .replace('{{ .Values.message | quote }}', '<%= quote(Values.message) %>')
    .replace('{{ .Values.replicas }}', '<%= Values.replicas %>'),
};

interface Run {
  label: string;
  n: number;
  readySeconds: number;
  deleteSeconds?: number;
  peakRssMiB?: number;
  /** API requests the operator sent per release until all were Ready. */
  requestsPerRelease?: number;
  /** The same, by `VERB resource` (e.g. `PATCH helmreleases/status`). */
  requestsByKind?: Map<string, number>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts (or reuses) the local cluster, applies the CRDs, builds dist/; returns the kubeconfig path. */
export function clusterUp(): string {
  const out = execFileSync('bash', [join(root, 'hack', 'cluster.sh'), 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const kubeconfig = out.trim().split('\n').pop() ?? '';
  execFileSync(tool('kubectl'), ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--force-conflicts', '-k', join(root, 'config', 'crd')], { stdio: 'ignore' });
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
  return kubeconfig;
}

export function client(kubeconfig: string): KubeApiClient {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return new KubeApiClient(kc, { timeoutMs: 120_000 });
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

interface Hr { metadata: { generation?: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] } }

async function countReady(api: KubeApiClient, ns: string): Promise<{ total: number; ready: number }> {
  const list = (await api.request({ method: 'GET', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases` })) as { items: Hr[] };
  const ready = list.items.filter((h) => h.status?.observedGeneration === h.metadata.generation && h.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  return { total: list.items.length, ready };
}

/**
 * The V8 heap limit the operator gets in its pod, MiB. Node.js sizes its heap from the container's memory limit
 * (a quarter of it, at least 256 MiB on 64-bit; checked here in a memory cgroup of 512 MiB: heap_size_limit
 * 259 MiB), while the bench's operator runs on the host, whose 24 GiB would give it 4 GiB and let V8 grow its
 * heap up to 4x the live data between full collections. The bench passes the pod's limit explicitly
 * (`--max-old-space-size`), derived from the chart's default `resources.limits.memory`.
 */
export function podHeapLimitMiB(): number {
  const values = yaml.load(readFileSync(join(root, 'charts', 'maglev-operator', 'values.yaml'), 'utf8')) as { resources?: { limits?: { memory?: string } } };
  const limit = values.resources?.limits?.memory ?? '';
  const m = /^(\d+)(Mi|Gi)$/.exec(limit);
  if (m === null) throw new Error(`charts/maglev-operator/values.yaml: resources.limits.memory ${JSON.stringify(limit)} is not in Mi or Gi`);
  const mib = Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
  return Math.max(256, Math.floor(mib / 4));
}

export function startOperator(kubeconfig: string, args: string[]): { proc: ChildProcess; tail: () => string; metricsPort: () => number | undefined } {
  const proc = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'operator', '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--log-level', 'info', ...args], {
    // As the image runs it (src/cli/node-options.ts) in a pod with the chart's default memory limit.
    env: { ...process.env, KUBECONFIG: kubeconfig, NODE_OPTIONS: `${OPERATOR_NODE_OPTIONS} --max-old-space-size=${podHeapLimitMiB()}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let port: number | undefined;
  const keep = (b: Buffer): void => {
    const text = b.toString();
    const m = /"metricsPort":(\d+)/.exec(text);
    if (m !== null) port = Number(m[1]);
    out = (out + text).slice(-20_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { proc, tail: () => out, metricsPort: () => port };
}

/** `maglev_api_requests_total` by `VERB resource` (every code, dry runs included; watches are not requests). */
export async function apiRequests(port: number | undefined): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (port === undefined) return out;
  const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const line of page.split('\n').filter((l) => l.startsWith('maglev_api_requests_total{'))) {
    const label = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? '?';
    const key = `${label('verb')} ${label('resource')}${label('dry_run') === 'true' ? ' (dry run)' : ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** VmHWM of a process in KiB (0 when it is gone). */
function hwmKiB(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Peak RSS of the operator plus its child processes (the Go-template renderer), in MiB. */
function peakRssMiB(pid: number): number {
  let children: number[] = [];
  try {
    children = readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter((c) => c !== '').map(Number));
  } catch {
    // the process is gone; its own status read below gives 0 too
  }
  return Math.round([pid, ...children].reduce((sum, p) => sum + hwmKiB(p), 0) / 1024);
}

/**
 * spec.timeout of the bench's releases: longer than the cluster itself needs to make N Deployments available
 * (the floor: 8 min at N = 2000 on this control plane), so no release fails because the cluster is slow.
 */
const RELEASE_TIMEOUT = '30m';

/** Creates N HelmReleases r0…r(N-1) of `chartName` in `ns`, 32 creates in flight; `values` for each. */
async function createReleases(api: KubeApiClient, repo: ChartRepo, ns: string, n: number, chartName: string, extra: Record<string, unknown> = {}, prefix = 'r'): Promise<void> {
  await pool([...Array(n).keys()], 32, async (i) => {
    const body = { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name: `${prefix}${i}` }, spec: { chart: { repository: repo.url, name: chartName, version: '1.0.0' }, timeout: RELEASE_TIMEOUT, ...extra } };
    await api.request({ method: 'POST', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases`, body });
  });
}

/**
 * One operator run: N HelmReleases of `chartName` created at once, timed to Ready and to gone. With
 * `blockers`, that many releases whose Deployment never becomes ready (timeout 10m) are created first, and
 * only the N good ones are waited for (the head-of-line row).
 */
export async function operatorRun(kubeconfig: string, repo: ChartRepo, label: string, n: number, chartName: string, args: string[] = [], blockers = 0): Promise<Run> {
  const api = client(kubeconfig);
  const ns = `bench-${chartName}-${n}-${Date.now().toString(36)}`;
  await api.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const op = startOperator(kubeconfig, args);
  await sleep(3_000);
  if (blockers > 0) {
    await createReleases(api, repo, ns, blockers, 'benchhang', { timeout: '10m' }, 'blocked');
    await sleep(2_000);
  }
  const started = Date.now();
  await createReleases(api, repo, ns, n, chartName);
  for (let last = -1; ; ) {
    const { ready } = await countReady(api, ns);
    if (ready !== last) process.stdout.write(`  ${label}: ${ready}/${n} Ready after ${Math.round((Date.now() - started) / 1000)} s\n`);
    last = ready;
    if (ready === n) break;
    if (Date.now() - started > 30 * 60_000) throw new Error(`${label}: only ${ready}/${n} Ready after 30 min\n${op.tail()}`);
    await sleep(1_000);
  }
  const readySeconds = (Date.now() - started) / 1000;
  const peak = peakRssMiB(op.proc.pid ?? 0);
  const byKind = await apiRequests(op.metricsPort());
  const requestsByKind = new Map([...byKind].map(([k, v]) => [k, v / (n + blockers)]));
  const requestsPerRelease = [...requestsByKind.values()].reduce((a, b) => a + b, 0);
  const deleting = Date.now();
  await api.request({ method: 'DELETE', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases` });
  while ((await countReady(api, ns)).total > 0) {
    if (Date.now() - deleting > 30 * 60_000) throw new Error(`${label}: HelmReleases not gone after 30 min\n${op.tail()}`);
    await sleep(1_000);
  }
  const deleteSeconds = (Date.now() - deleting) / 1000;
  op.proc.kill('SIGTERM');
  await new Promise((r) => op.proc.once('exit', r));
  await api.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  return { label, n, readySeconds, deleteSeconds, peakRssMiB: peak, requestsPerRelease, requestsByKind };
}

/**
 * The floor: the same N x (ConfigMap, Deployment, Service) server-side applied straight to the API server by
 * the bench (32 in flight), timed until every Deployment is Available. No operator is involved.
 */
async function floorRun(kubeconfig: string, n: number): Promise<Run> {
  const api = client(kubeconfig);
  const ns = `bench-floor-${n}-${Date.now().toString(36)}`;
  await api.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const apply = (path: string, body: unknown) =>
    api.request({ method: 'PATCH', path, query: { fieldManager: 'bench', force: true }, body, contentType: 'application/apply-patch+yaml' });
  const started = Date.now();
  await pool([...Array(n).keys()], 32, async (i) => {
    const name = `r${i}`;
    await apply(`/api/v1/namespaces/${ns}/configmaps/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { message: 'hello' } });
    await apply(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example.com/app:1' }] } } },
    });
    await apply(`/api/v1/namespaces/${ns}/services/${name}`, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
  });
  type Deploy = { status?: { availableReplicas?: number; conditions?: { type: string; status: string }[] } };
  for (let last = -1; ; ) {
    const list = (await api.request({ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments` })) as { items: Deploy[] };
    const ready = list.items.filter((d) => (d.status?.availableReplicas ?? 0) >= 1 && d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True')).length;
    if (ready !== last) process.stdout.write(`  floor: ${ready}/${n} Available after ${Math.round((Date.now() - started) / 1000)} s\n`);
    last = ready;
    if (ready === n) break;
    if (Date.now() - started > 30 * 60_000) throw new Error(`floor: only ${ready}/${n} Available after 30 min`);
    await sleep(1_000);
  }
  const readySeconds = (Date.now() - started) / 1000;
  await api.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  return { label: 'floor: the same objects server-side applied by the bench, no operator', n, readySeconds };
}

async function helmRun(kubeconfig: string, repo: ChartRepo, n: number): Promise<Run> {
  const api = client(kubeconfig);
  const ns = `bench-helm-${n}-${Date.now().toString(36)}`;
  await api.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const chart = repo.file('benchapp', '1.0.0');
  const started = Date.now();
  for (let i = 0; i < n; i++) {
    execFileSync(tool('helm'), ['upgrade', '--install', `r${i}`, chart, '-n', ns, '--wait', '--timeout', '5m', '--kubeconfig', kubeconfig], { stdio: 'ignore' });
    if ((i + 1) % 50 === 0) process.stdout.write(`  helm: ${i + 1}/${n} after ${Math.round((Date.now() - started) / 1000)} s\n`);
  }
  const readySeconds = (Date.now() - started) / 1000;
  await api.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  return { label: '`helm upgrade --install --wait`, one after another', n, readySeconds };
}

function row(r: Run, floor?: Run): string {
  const rate = (r.n / r.readySeconds).toFixed(1);
  const del = r.deleteSeconds === undefined ? '–' : `${r.deleteSeconds.toFixed(0)} s`;
  const rss = r.peakRssMiB === undefined ? '–' : `${r.peakRssMiB} MiB`;
  const vsFloor = floor === undefined || floor === r ? '–' : `${(r.readySeconds / floor.readySeconds).toFixed(2)}x`;
  const requests = r.requestsPerRelease === undefined ? '–' : r.requestsPerRelease.toFixed(1);
  return `| ${r.label} | ${r.n} | ${r.readySeconds.toFixed(0)} s | ${vsFloor} | ${rate} | ${del} | ${rss} | ${requests} |`;
}

/** The never-ready chart of the head-of-line row: its Deployment's pods are held Pending by kwok. */
const hangChart = {
  'values.yaml': ejsChart['values.yaml'],
  'templates/all.yaml.ejs': ejsChart['templates/all.yaml.ejs'].replace(
    'metadata: { labels: { app: <%= Release.Name %> } }',
    'metadata: { labels: { app: <%= Release.Name %> }, annotations: { kwok.maglev.io/outcome: hang } }',
  ),
};

/**
 * The benchmark; see the module comment. `BENCH_RELEASES_SIZES` (default `100,500,1000,2000`) picks N;
 * `BENCH_RELEASES_HELM_SIZES` (default `100`: the helm loop runs at about 0.5 releases/s) the helm CLI rows,
 * and `BENCH_RELEASES_HELM=0` skips them.
 */
export async function releasesBench(): Promise<string> {
  const kubeconfig = clusterUp();
  const repo = await startChartRepo();
  await repo.add('benchapp', '1.0.0', goChart);
  await repo.add('benchejs', '1.0.0', ejsChart);
  await repo.add('benchhang', '1.0.0', hangChart);
  const sizes = (process.env.BENCH_RELEASES_SIZES ?? '100,500,1000,2000').split(',').map(Number).filter((n) => n > 0);
  const lines: string[] = [];
  let listed: Run | undefined;
  try {
    for (const n of sizes) {
      const floor = await floorRun(kubeconfig, n);
      lines.push(row(floor, floor));
      const ejs = await operatorRun(kubeconfig, repo, 'operator, EJS chart', n, 'benchejs');
      if (listed === undefined || n <= 500) listed = ejs;
      lines.push(row(ejs, floor));
      lines.push(row(await operatorRun(kubeconfig, repo, 'operator, Go-template chart', n, 'benchapp'), floor));
    }
    const alone = await operatorRun(kubeconfig, repo, 'head of line: 100 good releases, none blocked', 100, 'benchejs');
    const blocked = await operatorRun(kubeconfig, repo, 'head of line: 100 good releases after 8 never-ready ones (timeout 10m); "vs" is against the row above', 100, 'benchejs', [], 8);
    lines.push(row(alone), row(blocked, alone));
    if (process.env.BENCH_RELEASES_HELM !== '0') {
      const helmSizes = (process.env.BENCH_RELEASES_HELM_SIZES ?? '100').split(',').map(Number).filter((n) => n > 0);
      for (const n of helmSizes) lines.push(row(await helmRun(kubeconfig, repo, n)));
    }
  } finally {
    await repo.close();
  }
  return `## N small releases created at once, until all Ready

Each release: a ConfigMap, a Deployment (1 replica) and a Service, from a chart in a Helm repository served on
127.0.0.1. The **floor** rows apply the same objects server-side straight to the API server (32 in flight, no
operator) and time until every Deployment is Available: the cluster's own speed (on this control plane it is
set by kube-controller-manager's client rate limit, left at its defaults). The operator rows create all N
HelmReleases at once (32 creates in flight, \`timeout: ${RELEASE_TIMEOUT}\`) in one namespace with default flags and time until every one is
Ready at its generation (installed, Deployment available), then delete them all and time until every one is
uninstalled and gone (finalizer). "vs floor" divides by the floor row of the same N in the same run. Peak RSS is
the operator process's VmHWM (main thread plus EJS workers) plus that of its Go-template renderer process
(one long-lived process, started on the first Go-template render). Requests/release is \`maglev_api_requests_total\` (every verb, drift dry
runs included; watch streams are not requests) until all were Ready, divided by the releases. The head-of-line
rows time 100 good releases with and without 8 never-ready releases (timeout 10m) created first. The helm rows
install the Go-template chart with \`helm upgrade --install --wait\`, one release after another.

| run | releases | time to all Ready | vs floor | releases/s | delete until gone | operator peak RSS | requests/release |
|---|---|---|---|---|---|---|---|
${lines.join('\n')}

API requests per release until all were Ready, by verb and resource, in the EJS run of ${listed?.n ?? '–'} releases:

| request | per release |
|---|---|
${[...(listed?.requestsByKind ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).map(([k, v]) => `| ${k} | ${v.toFixed(2)} |`).join('\n')}

The machine runs the whole control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) next to
the operator, so both compete for the same cores. Readiness is watched (one list and one watch per kind and
namespace, shared by all waits); a release waiting for its objects holds no worker.
`;
}
