/**
 * Many small releases at once: N HelmReleases (ConfigMap + Deployment + Service each) created together
 * against the local control plane (hack/cluster.sh; kwok makes pods Ready), timed until every one is
 * Ready, then deleted and timed until every one is uninstalled; the operator's peak RSS (VmHWM of its
 * process: main thread plus EJS workers; the helm binary it spawns for Go templates is not included).
 * Next to it: `helm upgrade --install --wait` of the same chart for the same N releases, one after another.
 * The operator runs from dist/ (built first) with default flags unless a row says otherwise.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
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
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts (or reuses) the local cluster, applies the CRDs, builds dist/; returns the kubeconfig path. */
export function clusterUp(): string {
  const out = execFileSync('bash', [join(root, 'hack', 'cluster.sh'), 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const kubeconfig = out.trim().split('\n').pop() ?? '';
  execFileSync(tool('kubectl'), ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--force-conflicts', '-k', join(root, 'config', 'crd')], { stdio: 'ignore' });
  execFileSync('npx', ['tsc', '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  return kubeconfig;
}

function client(kubeconfig: string): KubeApiClient {
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

function startOperator(kubeconfig: string, args: string[]): { proc: ChildProcess; tail: () => string } {
  const proc = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'operator', '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--log-level', 'warn', ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer): void => void (out = (out + b.toString()).slice(-20_000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { proc, tail: () => out };
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Math.round(Number(m[1]) / 1024);
}

/** One operator run: N HelmReleases of `chartName` created at once, timed to Ready and to gone. */
export async function operatorRun(kubeconfig: string, repo: ChartRepo, label: string, n: number, chartName: string, args: string[] = []): Promise<Run> {
  const api = client(kubeconfig);
  const ns = `bench-${chartName}-${n}-${Date.now().toString(36)}`;
  await api.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const op = startOperator(kubeconfig, args);
  await sleep(3_000);
  const started = Date.now();
  await pool([...Array(n).keys()], 32, async (i) => {
    const body = { apiVersion: 'maglev.io/v1alpha1', kind: 'HelmRelease', metadata: { name: `r${i}` }, spec: { chart: { repository: repo.url, name: chartName, version: '1.0.0' }, timeout: '5m' } };
    await api.request({ method: 'POST', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases`, body });
  });
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
  return { label, n, readySeconds, deleteSeconds, peakRssMiB: peak };
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

function row(r: Run): string {
  const rate = (r.n / r.readySeconds).toFixed(1);
  const del = r.deleteSeconds === undefined ? '–' : `${r.deleteSeconds.toFixed(0)} s`;
  const rss = r.peakRssMiB === undefined ? '–' : `${r.peakRssMiB} MiB`;
  return `| ${r.label} | ${r.n} | ${r.readySeconds.toFixed(0)} s | ${rate} | ${del} | ${rss} |`;
}

/** The benchmark; see the module comment. `BENCH_RELEASES_HELM=0` skips the helm CLI rows. */
export async function releasesBench(): Promise<string> {
  const kubeconfig = clusterUp();
  const repo = await startChartRepo();
  await repo.add('benchapp', '1.0.0', goChart);
  await repo.add('benchejs', '1.0.0', ejsChart);
  const runs: Run[] = [];
  try {
    runs.push(await operatorRun(kubeconfig, repo, 'operator, Go-template chart', 100, 'benchapp'));
    runs.push(await operatorRun(kubeconfig, repo, 'operator, Go-template chart', 500, 'benchapp'));
    runs.push(await operatorRun(kubeconfig, repo, 'operator, EJS chart', 500, 'benchejs'));
    runs.push(await operatorRun(kubeconfig, repo, 'operator, EJS chart, `--concurrency 16`', 500, 'benchejs', ['--concurrency', '16']));
    if (process.env.BENCH_RELEASES_HELM !== '0') {
      runs.push(await helmRun(kubeconfig, repo, 100));
      runs.push(await helmRun(kubeconfig, repo, 500));
    }
  } finally {
    await repo.close();
  }
  return `## N small releases created at once, until all Ready

Each release: a ConfigMap, a Deployment (1 replica) and a Service, from a chart in a Helm repository served on
127.0.0.1. The operator rows create all N HelmReleases at once (32 creates in flight) in one namespace and
time until every one is Ready at its generation (installed, Deployment available), then delete them all and
time until every one is uninstalled and gone (finalizer). Peak RSS is the operator process's VmHWM (main
thread plus EJS workers; the \`helm template\` processes spawned for Go-template charts are not counted). The
helm rows install the same Go-template chart with \`helm upgrade --install --wait\`, one release after another.
The cluster is the local control plane (\`hack/cluster.sh\`, kwok: pods become Ready at once).

| run | releases | time to all Ready | releases/s | delete until gone | operator peak RSS |
|---|---|---|---|---|---|
${runs.map(row).join('\n')}

The machine runs the whole control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) next to
the operator, so both compete for the same cores. Each operator release waits for its Deployment with a 1 s
readiness poll; \`helm --wait\` polls every 2 s and runs one release at a time.
`;
}
