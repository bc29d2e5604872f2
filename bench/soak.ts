/**
 * The chaos soak (`npm run soak`, and test/e2e/soak.test.ts with small numbers): N HelmReleases install and
 * then upgrade twice on the local cluster while a chaos loop, for a fixed number of rounds, SIGKILLs an
 * operator replica at a random moment (and starts it again), stops kube-apiserver once for a while, and takes
 * the leader Lease away from the leading replica once. Two replicas run with leader election, so every kill
 * of the leader is also a failover. When the rounds are over and every release has settled, it checks:
 * - every release Ready at its final spec (observedGeneration current, the stage-3 values applied);
 * - per release, the Helm records: revisions contiguous from 1, none pending, exactly one deployed (the
 *   newest), and `helm history` reading the same revisions and statuses;
 * - the objects: the final ConfigMap content and Deployment template, the stage-1-only ConfigMap pruned;
 * - the pre-upgrade hook: created at most once per revision (counted from a watch on Jobs for the whole
 *   run), exactly once for the final revision, recorded Succeeded and deleted (hook-succeeded);
 * - with `distroComponents`, a MaglevDistro of that many components in four dependency levels goes
 *   through the same three stages (versions 1.0.0, 1.1.0, 1.2.0 of the chart): Ready at 1.2.0, its history
 *   revisions 3 deployed, 2 and 1 superseded, nothing rolled back, and each child passes the release checks.
 * Pods become ready a little later than at once (kwok's `kwok.maglev.io/ready-after`), so kills and the
 * outage land inside readiness and hook waits.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { KubeApiClient } from '../src/runtime/client.js';
import { startChartRepo, type ChartRepo } from '../test/e2e/chartrepo.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** Options of one soak. */
export interface SoakOptions {
  kubeconfig: string;
  api: KubeApiClient;
  /** The helm binary (to read `helm history`). */
  helm: string;
  releases: number;
  /** Components of the MaglevDistro that goes through the stages too (0: none). */
  distroComponents?: number;
  rounds: number;
  /** How long kube-apiserver stays down in its round (0: no outage). */
  apiserverDownSeconds: number;
  /** Starts an operator replica with these extra arguments; returns the process. */
  startOperator: (args: string[]) => Replica;
  /** How long the releases may take to settle after the last round (default 10 min). */
  settleMs?: number;
  /** Pause before each chaos round: a random time between these (default 4 to 12 s). */
  pauseMs?: [number, number];
  log?: (line: string) => void;
}

/** An operator replica as the soak drives it. */
export interface Replica {
  pid: number | undefined;
  exited: () => boolean;
  kill: (signal: NodeJS.Signals) => Promise<void>;
  tail: () => string;
}

/** What one soak saw. */
export interface SoakResult {
  releases: number;
  distroComponents: number;
  rounds: number;
  kills: number;
  leaseTakeovers: number;
  apiserverDownSeconds: number;
  seconds: number;
  jobsCreated: number;
  /** True when the Job watch had to re-list (its counts may miss a Job that came and went meanwhile). */
  jobWatchGaps: number;
  violations: string[];
}

const NS_PREFIX = 'soak';
const LEASE = 'maglev-operator';

/** The soak chart: stage 1 has an extra ConfigMap later stages drop; every upgrade runs a pre-upgrade hook. */
const soakChart: Record<string, string> = {
  'values.yaml': 'stage: 1\nreadyAfter: "2s"\n',
  'templates/configmap.yaml.ejs': `apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-config
data:
  stage: "<%= Values.stage %>"
`,
  'templates/extra.yaml.ejs': `<% if (Values.stage === 1) { -%>
apiVersion: v1
kind: ConfigMap
metadata:
  name: <%= Release.Name %>-extra
data:
  only: stage-1
<% } -%>
`,
  'templates/deployment.yaml.ejs': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: <%= Release.Name %>
spec:
  replicas: 1
  selector:
    matchLabels: { app: <%= Release.Name %> }
  template:
    metadata:
      labels: { app: <%= Release.Name %> }
      annotations:
        stage: "<%= Values.stage %>"
        kwok.maglev.io/ready-after: <%= quote(Values.readyAfter) %>
    spec:
      containers:
        - name: app
          image: example.com/app:<%= Values.stage %>
`,
  'templates/migrate.yaml.ejs': `apiVersion: batch/v1
kind: Job
metadata:
  name: <%= Release.Name %>-migrate
  labels: { soak.maglev.io/release: <%= Release.Name %>, soak.maglev.io/revision: "<%= Release.Revision %>" }
  annotations:
    helm.sh/hook: pre-upgrade
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: { kwok.maglev.io/ready-after: "1s" }
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: example.com/migrate:1
`,
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rand = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));

interface Hr {
  metadata: { name: string; generation?: number };
  spec?: { values?: { stage?: number } };
  status?: { observedGeneration?: number; releaseRevision?: number; conditions?: { type: string; status: string; reason?: string }[] };
}

/** Runs one soak; see the module comment. Leaves its namespace behind only when a violation was found. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = Date.now();
  const ns = `${NS_PREFIX}-${Date.now().toString(36)}`;
  await o.api.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns, labels: { 'maglev.io/e2e': 'true' } } } });
  const repo: ChartRepo = await startChartRepo();
  for (const version of ['1.0.0', '1.1.0', '1.2.0']) await repo.add('soakapp', version, soakChart);
  const names = Array.from({ length: o.releases }, (_, i) => `r${String(i).padStart(3, '0')}`);
  const components = o.distroComponents ?? 0;
  const children = Array.from({ length: components }, (_, i) => `${DISTRO}-c${i}`);
  const jobs = watchJobs(o.kubeconfig, ns);
  const leaseArgs = ['--leader-elect', '--leader-election-namespace', ns, '--lease-duration', '6s', '--renew-deadline', '4s', '--retry-period', '1s', '--watch-namespace', ns];
  const replicas: Replica[] = [o.startOperator([...leaseArgs, '--identity', 'soak-a']), o.startOperator([...leaseArgs, '--identity', 'soak-b'])];
  const identities = ['soak-a', 'soak-b'];
  const result: SoakResult = { releases: o.releases, distroComponents: components, rounds: o.rounds, kills: 0, leaseTakeovers: 0, apiserverDownSeconds: 0, seconds: 0, jobsCreated: 0, jobWatchGaps: 0, violations: [] };
  try {
    // The change driver: stage 1 (install), then 2 and 3 (upgrades), each once the previous settled.
    let stageNow = 1;
    let driving = true;
    const driver = (async () => {
      if (components > 0) await retrying(() => o.api.request({ method: 'POST', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/maglevdistros`, body: distro(repo.url, components, 1) }));
      await pool(names, 16, (name) => createRelease(o.api, ns, name, repo.url));
      for (const stage of [2, 3]) {
        await settled(o.api, ns, names.length + children.length, stage - 1, 15 * 60_000);
        if (components > 0) await distroSettled(o.api, ns, stage - 1, 15 * 60_000);
        log(`[soak] stage ${stage - 1} settled; upgrading to stage ${stage}`);
        stageNow = stage;
        if (components > 0) {
          const spec = (distro(repo.url, components, stage) as { spec: unknown }).spec;
          await retrying(() => o.api.request({ method: 'PATCH', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/maglevdistros/${DISTRO}`, body: { spec }, contentType: 'application/merge-patch+json' }));
        }
        await pool(names, 16, (name) => patchValues(o.api, ns, name, { stage }));
      }
    })().finally(() => (driving = false));
    // The chaos loop: at least `rounds` rounds, and on until the last stage has been applied, so that every
    // stage runs under it. The outage comes with the first round after the upgrades to stage 2 began, the
    // Lease takeover with the first one after those to stage 3 began (installs are under plain kills).
    let outageDone = o.apiserverDownSeconds <= 0;
    let leaseDone = false;
    for (let round = 0; round < o.rounds || driving; round++) {
      await sleep(rand(o.pauseMs?.[0] ?? 4_000, o.pauseMs?.[1] ?? 12_000));
      result.rounds = round + 1;
      if (!outageDone && stageNow >= 2) {
        outageDone = true;
        log(`[soak] round ${round}: kube-apiserver down for ${o.apiserverDownSeconds}s`);
        await run('bash', [join(root, 'hack', 'cluster.sh'), 'restart', 'kube-apiserver', String(o.apiserverDownSeconds)], { timeout: (o.apiserverDownSeconds + 120) * 1000 });
        result.apiserverDownSeconds = o.apiserverDownSeconds;
        continue;
      }
      if (!leaseDone && stageNow >= 3) {
        const holder = await leaseHolder(o.api, ns);
        if (holder !== undefined) {
          leaseDone = true;
          log(`[soak] round ${round}: lease taken from ${holder}`);
          await o.api.request({
            method: 'PATCH',
            path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${LEASE}`,
            body: { spec: { holderIdentity: 'soak-intruder', renewTime: new Date().toISOString().replace('Z', '000Z') } },
            contentType: 'application/merge-patch+json',
          });
          result.leaseTakeovers++;
          await sleep(8_000);
          for (let i = 0; i < replicas.length; i++) {
            if (replicas[i]!.exited()) replicas[i] = o.startOperator([...leaseArgs, '--identity', identities[i]!]);
          }
          continue;
        }
      }
      // Kill the leader most of the time, else the other replica.
      const holder = await leaseHolder(o.api, ns).catch(() => undefined);
      const leaderIndex = identities.indexOf(holder ?? '');
      const i = leaderIndex >= 0 && Math.random() < 0.75 ? leaderIndex : rand(0, replicas.length - 1);
      log(`[soak] round ${round}: SIGKILL ${identities[i]}${i === leaderIndex ? ' (leader)' : ''}`);
      await replicas[i]!.kill('SIGKILL');
      result.kills++;
      await sleep(rand(0, 2_000));
      replicas[i] = o.startOperator([...leaseArgs, '--identity', identities[i]!]);
    }
    log('[soak] chaos over; waiting for the releases to settle');
    await driver;
    await settled(o.api, ns, names.length + children.length, 3, o.settleMs ?? 10 * 60_000).catch((err: unknown) => result.violations.push(String(err)));
    if (components > 0) await distroSettled(o.api, ns, 3, 60_000).catch((err: unknown) => result.violations.push(String(err)));
    // Exited replicas (a lost lease) come back, as a Deployment would restart them, so nothing is left undone.
    for (let i = 0; i < replicas.length; i++) if (replicas[i]!.exited()) replicas[i] = o.startOperator([...leaseArgs, '--identity', identities[i]!]);
    await sleep(3_000);
    const counts = jobs.stop();
    result.jobsCreated = [...counts.created.values()].reduce((a, b) => a + b, 0);
    result.jobWatchGaps = counts.gaps;
    for (const name of [...names, ...children]) result.violations.push(...(await checkRelease(o, ns, name, counts.created)));
    if (components > 0) result.violations.push(...(await checkDistro(o.api, ns)));
  } finally {
    jobs.stop();
    for (const r of replicas) await r.kill('SIGKILL');
    await repo.close();
    result.seconds = Math.round((Date.now() - started) / 1000);
  }
  if (result.violations.length === 0) {
    await o.api.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  } else {
    log(`[soak] violations found; namespace ${ns} is kept for inspection`);
  }
  return result;
}

const DISTRO = 'soakdistro';

/** The soak distro at `stage`: components c0..cN-1 in four levels (each depends on one of the level before). */
function distro(repoUrl: string, components: number, stage: number): Record<string, unknown> {
  const version = `1.${stage - 1}.0`;
  const first = [0, 1, 3, 6];
  const level = (i: number): number => (i === 0 ? 0 : i < 3 ? 1 : i < 6 ? 2 : 3);
  const list = Array.from({ length: components }, (_, i) => {
    const l = level(i);
    const width = l === 0 ? 1 : first[l]! - first[l - 1]!;
    const dependsOn = l === 0 ? [] : [`c${first[l - 1]! + (i % width)}`];
    return { name: `c${i}`, dependsOn, chart: { repository: repoUrl, name: 'soakapp', version }, release: { timeout: '10m' } };
  });
  return { apiVersion: 'maglev.io/v1alpha1', kind: 'MaglevDistro', metadata: { name: DISTRO }, spec: { version, values: { stage }, components: list } };
}

interface Distro {
  metadata: { generation?: number };
  status?: { observedGeneration?: number; version?: string; conditions?: { type: string; status: string; reason?: string }[]; history?: { revision: number; status: string; version?: string }[] };
}

async function distroSettled(api: KubeApiClient, ns: string, stage: number, timeoutMs: number): Promise<void> {
  const want = `1.${stage - 1}.0`;
  const until = Date.now() + timeoutMs;
  let last: Distro | undefined;
  for (;;) {
    try {
      last = (await api.request({ method: 'GET', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/maglevdistros/${DISTRO}` })) as Distro;
      const ready = last.status?.conditions?.find((c) => c.type === 'Ready');
      if (last.status?.observedGeneration === last.metadata.generation && ready?.status === 'True' && last.status?.version === want) return;
    } catch {
      // the API server is away (outage round)
    }
    if (Date.now() > until) throw new Error(`distro not Ready at ${want} after ${Math.round(timeoutMs / 1000)}s: ${JSON.stringify(last?.status?.conditions)}`);
    await sleep(2_000);
  }
}

/** The distro after the soak: Ready at 1.2.0, history 3 deployed, 2 and 1 superseded. */
async function checkDistro(api: KubeApiClient, ns: string): Promise<string[]> {
  const d = (await api.request({ method: 'GET', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/maglevdistros/${DISTRO}` })) as Distro;
  const out: string[] = [];
  if (d.status?.version !== '1.2.0') out.push(`${DISTRO}: status.version ${d.status?.version}`);
  const history = (d.status?.history ?? []).map((h) => `${h.revision}:${h.status}:${h.version}`).join(' ');
  if (history !== '3:deployed:1.2.0 2:superseded:1.1.0 1:superseded:1.0.0') out.push(`${DISTRO}: history "${history}"`);
  return out;
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

/** Retries `fn` while the API server is away (the outage round), for up to 5 min. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  const until = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(1_000);
    }
  }
}

async function createRelease(api: KubeApiClient, ns: string, name: string, repoUrl: string): Promise<void> {
  await retrying(() =>
    api.request({
      method: 'POST',
      path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases`,
      body: {
        apiVersion: 'maglev.io/v1alpha1',
        kind: 'HelmRelease',
        metadata: { name },
        spec: { chart: { repository: repoUrl, name: 'soakapp', version: '1.0.0' }, values: { stage: 1 }, timeout: '10m' },
      },
    }).catch((err: unknown) => {
      if ((err as { status?: number }).status === 409) return undefined;
      throw err;
    }),
  );
}

async function patchValues(api: KubeApiClient, ns: string, name: string, values: Record<string, unknown>): Promise<void> {
  await retrying(() =>
    api.request({ method: 'PATCH', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases/${name}`, body: { spec: { values } }, contentType: 'application/merge-patch+json' }),
  );
}

async function leaseHolder(api: KubeApiClient, ns: string): Promise<string | undefined> {
  try {
    const lease = (await api.request({ method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${LEASE}` })) as { spec?: { holderIdentity?: string } };
    return lease.spec?.holderIdentity;
  } catch {
    return undefined;
  }
}

function isSettled(h: Hr, stage: number): boolean {
  const ready = h.status?.conditions?.find((c) => c.type === 'Ready');
  return h.spec?.values?.stage === stage && h.status?.observedGeneration === h.metadata.generation && ready?.status === 'True';
}

/** Waits until all `count` releases are Ready at `stage`; rejects naming the ones that are not. */
async function settled(api: KubeApiClient, ns: string, count: number, stage: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: Hr[] = [];
  for (;;) {
    try {
      last = ((await api.request({ method: 'GET', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases` })) as { items: Hr[] }).items;
      if (last.length === count && last.every((h) => isSettled(h, stage))) return;
    } catch {
      // the API server is away (outage round)
    }
    if (Date.now() > until) {
      const not = last.filter((h) => !isSettled(h, stage)).map((h) => `${h.metadata.name} (${h.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? 'no Ready'})`);
      throw new Error(`not settled at stage ${stage} after ${Math.round(timeoutMs / 1000)}s: ${not.slice(0, 10).join(', ')}${not.length > 10 ? ` and ${not.length - 10} more` : ''}`);
    }
    await sleep(2_000);
  }
}

/** Counts Job creations per `<release> <revision>` for the whole soak, re-watching after every break. */
function watchJobs(kubeconfig: string, ns: string): { stop: () => { created: Map<string, number>; gaps: number } } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const watch = new Watch(kc);
  const seen = new Set<string>();
  const created = new Map<string, number>();
  let gaps = 0;
  let stopped = false;
  let resourceVersion = '';
  let current: AbortController | undefined;
  const start = async (): Promise<void> => {
    while (!stopped) {
      try {
        await new Promise<void>((resolve) => {
          void watch
            .watch(
              `/apis/batch/v1/namespaces/${ns}/jobs`,
              { allowWatchBookmarks: true, ...(resourceVersion === '' ? {} : { resourceVersion }) },
              (phase: string, obj: { metadata?: { uid?: string; resourceVersion?: string; labels?: Record<string, string> }; code?: number }) => {
                if (phase === 'ERROR') {
                  if (obj.code === 410) {
                    gaps++;
                    resourceVersion = '';
                  }
                  return;
                }
                if (obj.metadata?.resourceVersion !== undefined) resourceVersion = obj.metadata.resourceVersion;
                const uid = obj.metadata?.uid;
                const labels = obj.metadata?.labels ?? {};
                if (phase === 'ADDED' && uid !== undefined && !seen.has(uid) && labels['soak.maglev.io/release'] !== undefined) {
                  seen.add(uid);
                  const key = `${labels['soak.maglev.io/release']} ${labels['soak.maglev.io/revision'] ?? '?'}`;
                  created.set(key, (created.get(key) ?? 0) + 1);
                }
              },
              () => resolve(),
            )
            .then((c) => (current = c), () => resolve());
        });
      } catch {
        // reconnect below
      }
      if (!stopped) await sleep(1_000);
    }
  };
  void start();
  return {
    stop: () => {
      stopped = true;
      current?.abort();
      return { created, gaps };
    },
  };
}

interface Record_ { version: number; info: { status: string }; hooks?: { name: string; last_run: { phase: string } }[] }

/** The checks of one release after the soak; returns its violations. */
async function checkRelease(o: SoakOptions, ns: string, name: string, jobsCreated: Map<string, number>): Promise<string[]> {
  const out: string[] = [];
  const bad = (what: string): void => void out.push(`${name}: ${what}`);
  const hr = (await o.api.request({ method: 'GET', path: `/apis/maglev.io/v1alpha1/namespaces/${ns}/helmreleases/${name}` })) as Hr & { status?: { inProgress?: unknown } };
  if (!isSettled(hr, 3)) bad(`not Ready at stage 3 (${JSON.stringify(hr.status?.conditions?.find((c) => c.type === 'Ready'))})`);
  if (hr.status?.inProgress !== undefined) bad('status.inProgress left set');
  // The records, decoded.
  const secrets = (await o.api.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets`, query: { labelSelector: `owner=helm,name=${name}` } })) as { items: { data?: { release?: string } }[] };
  const records: Record_[] = [];
  const { gunzipSync } = await import('node:zlib');
  for (const s of secrets.items) {
    const data = s.data?.release;
    if (data === undefined) continue;
    records.push(JSON.parse(gunzipSync(Buffer.from(Buffer.from(data, 'base64').toString(), 'base64')).toString()) as Record_);
  }
  records.sort((a, b) => a.version - b.version);
  const versions = records.map((r) => r.version);
  if (versions.some((v, i) => v !== i + 1)) bad(`revisions not contiguous: ${versions.join(',')}`);
  const pending = records.filter((r) => r.info.status.startsWith('pending-'));
  if (pending.length > 0) bad(`pending records: ${pending.map((r) => `v${r.version} ${r.info.status}`).join(', ')}`);
  const deployed = records.filter((r) => r.info.status === 'deployed');
  const newest = records.at(-1);
  if (deployed.length !== 1 || deployed[0] !== newest) bad(`deployed: ${deployed.map((r) => r.version).join(',') || 'none'} (newest v${newest?.version})`);
  if (hr.status?.releaseRevision !== newest?.version) bad(`status.releaseRevision ${hr.status?.releaseRevision} != newest record v${newest?.version}`);
  // helm reads the same history.
  const { stdout } = await run(o.helm, ['history', name, '-n', ns, '-o', 'json', '--kubeconfig', o.kubeconfig]);
  const history = (JSON.parse(stdout) as { revision: number; status: string }[]).map((h) => `${h.revision}:${h.status}`).join(' ');
  const ours = records.map((r) => `${r.version}:${r.info.status}`).join(' ');
  if (history !== ours) bad(`helm history "${history}" != records "${ours}"`);
  // Objects of the final spec, and nothing of stage 1 left.
  const cm = (await o.api.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/${name}-config` }).catch(() => undefined)) as { data?: { stage?: string } } | undefined;
  if (cm?.data?.stage !== '3') bad(`ConfigMap ${name}-config stage ${cm?.data?.stage ?? 'missing'}`);
  const extra = await o.api.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/${name}-extra` }).then(() => true, () => false);
  if (extra) bad(`ConfigMap ${name}-extra (stage 1 only) not pruned`);
  const deploy = (await o.api.request({ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}` }).catch(() => undefined)) as
    | { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } }; status?: { readyReplicas?: number; updatedReplicas?: number } }
    | undefined;
  if (deploy?.spec?.template?.metadata?.annotations?.stage !== '3') bad('Deployment not at stage 3');
  if (deploy?.status?.readyReplicas !== 1) bad(`Deployment readyReplicas ${deploy?.status?.readyReplicas}`);
  // The hook: at most once per revision, once for the final (upgrade) revision, Succeeded and deleted.
  for (const [key, n] of jobsCreated) if (key.startsWith(`${name} `) && n > 1) bad(`hook Job of revision ${key.split(' ')[1]} created ${n} times`);
  if (newest !== undefined && newest.version > 1) {
    const n = jobsCreated.get(`${name} ${newest.version}`) ?? 0;
    if (n !== 1) bad(`hook Job of the final revision v${newest.version} created ${n} times`);
    const phase = newest.hooks?.find((h) => h.name === `${name}-migrate`)?.last_run.phase;
    if (phase !== 'Succeeded') bad(`hook of v${newest.version} recorded ${phase ?? 'absent'}`);
  }
  const job = await o.api.request({ method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/jobs/${name}-migrate` }).then(() => true, () => false);
  if (job) bad('hook Job left behind (hook-succeeded)');
  return out;
}

/** The soak's result as the markdown section of docs/reliability.md. */
export function soakReport(r: SoakResult): string {
  const lines = [
    '| releases | distro components | rounds | SIGKILLs | lease takeovers | kube-apiserver down | hook Jobs created | Job watch re-lists | violations | duration |',
    '|---|---|---|---|---|---|---|---|---|---|',
    `| ${r.releases} | ${r.distroComponents} | ${r.rounds} | ${r.kills} | ${r.leaseTakeovers} | ${r.apiserverDownSeconds} s | ${r.jobsCreated} | ${r.jobWatchGaps} | ${r.violations.length} | ${r.seconds} s |`,
  ];
  if (r.violations.length > 0) lines.push('', 'Violations:', '', ...r.violations.slice(0, 50).map((v) => `- ${v}`));
  return lines.join('\n');
}

/** A replica over a child process (bench/releases.ts startOperator or the e2e harness). */
export function replicaOf(proc: import('node:child_process').ChildProcess, tail: () => string): Replica {
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const done = (): boolean => proc.exitCode !== null || proc.signalCode !== null;
  return {
    pid: proc.pid,
    exited: done,
    tail,
    kill: async (signal) => {
      if (!done()) proc.kill(signal);
      await exited;
    },
  };
}

/** `npm run soak -- [--releases N] [--rounds R] [--apiserver-down S]`: the bench section of the soak. */
export async function soakBench(argv: readonly string[] = process.argv.slice(2)): Promise<string> {
  const flag = (name: string, dflt: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
  };
  const { clusterUp, client, startOperator } = await import('./releases.js');
  const kubeconfig = clusterUp();
  const { homedir } = await import('node:os');
  const helm = join(process.env.MAGLEV_CACHE ?? join(homedir(), '.cache', 'maglev-operator'), 'current', 'helm');
  const result = await runSoak({
    kubeconfig,
    api: client(kubeconfig),
    helm,
    releases: flag('releases', 200),
    distroComponents: flag('distro-components', 10),
    rounds: flag('rounds', 30),
    apiserverDownSeconds: flag('apiserver-down', 120),
    startOperator: (args) => {
      const op = startOperator(kubeconfig, args);
      return replicaOf(op.proc, op.tail);
    },
  });
  return `Chaos soak (bench/soak.ts): HelmReleases install, then upgrade twice (every upgrade runs a pre-upgrade hook Job), while two operator replicas with leader election are SIGKILLed at random moments, kube-apiserver is stopped once and the leader's Lease is taken away once. Then every release is checked (Ready at its final spec, Helm records contiguous with one deployed and none pending, helm history equal, objects of the final revision present and the dropped one pruned, the hook Job created once per revision and deleted).\n\n${soakReport(result)}`;
}
