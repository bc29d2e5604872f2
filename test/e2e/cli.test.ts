/**
 * The day-2 CLI end to end: `node dist/cli/main.js get|status|reconcile|suspend|resume|approve|history`
 * run as a user runs it (a child process with --kubeconfig, stdin not a terminal) against the run's API
 * server, with the real operator (watching only the test's namespace) doing the work. Each command's
 * effect is checked in the cluster (Helm records, child HelmReleases, ConfigMaps), and what `get`,
 * `status` and `history` print is checked against what the objects hold.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { HelmRelease, MaglevDistro } from '../../src/crds/index.js';
import { startChartRepo, type ChartRepo } from './chartrepo.js';
import { children, createDistro, distroCondition, getDistro, patchDistro, waitDistro, waitDistroReady } from './distros.js';
import { publishFixtures } from './fixtures.js';
import { clients, startOperator, testNamespace } from './harness.js';
import { conditionOf, createRelease, getRelease, patchRelease, recordNames, waitReady } from './releases.js';
import { repoRoot } from './paths.js';

let repo: ChartRepo;
beforeAll(async () => {
  repo = await startChartRepo();
  await publishFixtures(repo);
});
afterAll(async () => repo.close());

/** Runs the built `maglev` with `args` against the run's cluster; resolves its exit code and output. */
function maglev(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), ...args, '--kubeconfig', inject('kubeconfig')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out, err })));
}

/** The operator of one test, acting in `ns` only. */
function operator(ns: string): void {
  startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--watch-namespace', ns]);
}

function chart(name: string, version: string): Record<string, unknown> {
  return { repository: repo.url, name, version };
}

/** The row of `name` in a table, split into its cells (columns are at least three spaces apart). */
function row(table: string, name: string): string[] | undefined {
  return table
    .split('\n')
    .map((l) => l.split(/ {3,}/))
    .find((cells) => cells[0] === name);
}

/** The message of the ConfigMap the ejsapp chart renders for release `name`. */
async function configMessage(ns: string, name: string): Promise<string | undefined> {
  return (await clients().core.readNamespacedConfigMap({ namespace: ns, name: `${name}-config` })).data?.message;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('maglev CLI', () => {
  it('get and history show a release; reconcile --force makes a new Helm revision; suspend holds a spec change until resume', async () => {
    const ns = await testNamespace('cli');
    operator(ns);
    await createRelease(ns, 'web', { chart: chart('ejsapp', '1.0.0'), values: { message: 'one' } });
    let hr: HelmRelease = await waitReady(ns, 'web', 'True');

    const got = await maglev('get', 'releases', '-n', ns);
    expect(got.code).toBe(0);
    expect(got.out.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+CHART\s+VERSION\s+REVISION\s+AGE\s+MESSAGE$/);
    expect(row(got.out, 'web')?.slice(0, 6)).toEqual(['web', 'True', conditionOf(hr.status, 'Ready')?.reason, 'ejsapp', '1.0.0', '1']);
    const json = await maglev('get', 'release', 'web', '-n', ns, '-o', 'json');
    expect(JSON.parse(json.out)).toMatchObject({ kind: 'HelmRelease', metadata: { name: 'web', uid: hr.metadata.uid }, status: { releaseRevision: 1, chartVersion: '1.0.0' } });

    // reconcile --force: one upgrade although nothing changed, followed to Ready.
    const forced = await maglev('reconcile', 'release', 'web', '-n', ns, '--force', '--wait', '--timeout', '90s');
    expect(forced.err).toBe('');
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(new RegExp(`^HelmRelease ${ns}/web: requested a forced reconcile \\(maglev.io/reconcile-requested-at=\\S+\\)\n`));
    expect(forced.out).toMatch(/\nready: Ready=True \w+/);
    hr = (await getRelease(ns, 'web'))!;
    const token = hr.metadata.annotations?.['maglev.io/force-at'];
    expect(hr.metadata.annotations?.['maglev.io/reconcile-requested-at']).toBe(token);
    expect(hr.status).toMatchObject({ releaseRevision: 2, lastHandledForceAt: token, lastHandledReconcileAt: token });
    expect(await recordNames(ns, 'web')).toEqual(['sh.helm.release.v1.web.v1', 'sh.helm.release.v1.web.v2']);
    const history = await maglev('history', 'release', 'web', '-n', ns);
    expect(history.out.split('\n')[0]).toMatch(/^REVISION\s+UPDATED\s+STATUS\s+CHART\s+APP VERSION\s+DESCRIPTION$/);
    expect(row(history.out, '1')?.slice(2, 4)).toEqual(['superseded', 'ejsapp-1.0.0']);
    expect(row(history.out, '2')?.slice(2, 4)).toEqual(['deployed', 'ejsapp-1.0.0']);

    // suspend: a spec change does nothing until resume.
    expect((await maglev('suspend', 'release', 'web', '-n', ns)).out).toBe(`HelmRelease ${ns}/web suspended (spec.suspend: true)\n`);
    await patchRelease(ns, 'web', { spec: { values: { message: 'two' } } });
    await waitReady(ns, 'web', 'True', 'Suspended');
    await pause(2_000);
    hr = (await getRelease(ns, 'web'))!;
    expect(hr.spec.suspend).toBe(true);
    expect(hr.status?.releaseRevision).toBe(2);
    expect(await recordNames(ns, 'web')).toHaveLength(2);
    expect(await configMessage(ns, 'web')).toBe('one');
    expect(row((await maglev('get', 'releases', '-n', ns)).out, 'web')?.slice(0, 3)).toEqual(['web', 'True', 'Suspended']);
    const refused = await maglev('reconcile', 'release', 'web', '-n', ns);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('is suspended (spec.suspend)');

    expect((await maglev('resume', 'release', 'web', '-n', ns)).code).toBe(0);
    hr = await waitReady(ns, 'web', 'True');
    expect(hr.spec).not.toHaveProperty('suspend');
    expect(hr.status?.releaseRevision).toBe(3);
    expect(await configMessage(ns, 'web')).toBe('two');
    expect((await maglev('get', 'releases', '-A')).out).toMatch(new RegExp(`\n${ns}\\s+web\\s+True\\s`));
  });

  it('status shows a distro awaiting approval; approve unblocks it; history lists its revisions', async () => {
    const ns = await testNamespace('cli');
    operator(ns);
    const components = (db: string, web: string) => [
      { name: 'db', class: 'stateful', upgradePolicy: 'Manual', chart: chart('ejsapp', db) },
      { name: 'web', class: 'stateless', dependsOn: ['db'], chart: chart('ejsapp', web) },
    ];
    await createDistro(ns, 'shop', { version: '1.0.0', components: components('1.0.0', '1.0.0') });
    let d: MaglevDistro = await waitDistroReady(ns, 'shop', 'True', 'Succeeded', 120_000);
    expect(row((await maglev('get', 'distros', '-n', ns)).out, 'shop')).toEqual(['shop', '1.0.0', 'True', 'Succeeded', expect.stringMatching(/^[0-9a-f]{12}$/) as unknown, 'False', expect.stringMatching(/^\d+[sm]/) as unknown]);

    // A plan upgrading the Manual db waits for approval; status and get say so.
    await patchDistro(ns, 'shop', { spec: { version: '1.1.0', components: components('1.1.0', '1.1.0') } });
    d = await waitDistro(ns, 'shop', 'AwaitingApproval', (x) => distroCondition(x, 'AwaitingApproval')?.status === 'True');
    const planId = d.status?.plan?.id ?? '';
    const got = await maglev('get', 'distros', '-n', ns);
    expect(got.out.split('\n')[0]).toMatch(/^NAME\s+VERSION\s+READY\s+PHASE\s+PLAN\s+AWAITING APPROVAL\s+AGE$/);
    expect(row(got.out, 'shop')?.slice(0, 6)).toEqual(['shop', '1.0.0->1.1.0', 'False', 'AwaitingApproval', planId.slice('sha256:'.length, 'sha256:'.length + 12), 'True']);
    const status = await maglev('status', 'distro', 'shop', '-n', ns);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`MaglevDistro ${ns}/shop: version 1.0.0 (wants 1.1.0), revision 1\n`);
    expect(status.out).toContain(`plan: ${planId} (2 step(s))\n`);
    expect(status.out).toMatch(/\n├── db\s+AwaitingApproval\s+chart 1\.0\.0\s+revision 1\s.*\[Manual\]\n/);
    expect(status.out).toContain('[Manual]\n│   └── step: level 0  upgrade  1.0.0 -> 1.1.0  Manual\n');
    expect(status.out).toMatch(/\n└── web\s+\w+\s+chart 1\.0\.0\s+revision 1.*\n/);
    expect(status.out).toMatch(/\n└── web.*\n {4}└── step: level 1 {2}upgrade {2}1\.0\.0 -> 1\.1\.0\n/);
    expect(status.out).toContain(`approval: needed: plan ${planId} changes Manual component(s) db\n  approve it with: maglev approve distro shop -n ${ns}\n`);
    const waited = await maglev('reconcile', 'distro', 'shop', '-n', ns, '--wait', '--timeout', '60s');
    expect(waited.code).toBe(1);
    expect(waited.err).toContain('failed: Stalled=True AwaitingApproval');
    await pause(1_000);
    expect([...(await children(ns, 'shop')).values()].map((c) => c.spec.chart.version)).toEqual(['1.0.0', '1.0.0']);

    // approve (stdin is not a terminal: no question) sets approvedPlan and the upgrade runs.
    const approved = await maglev('approve', 'distro', 'shop', '-n', ns);
    expect(approved.err).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.out).toBe(`plan ${planId} (version 1.0.0 -> 1.1.0):\n  db: level 0  upgrade  1.0.0 -> 1.1.0  Manual\n  web: level 1  upgrade  1.0.0 -> 1.1.0\nMaglevDistro ${ns}/shop: approved plan ${planId} (spec.approvedPlan)\n`);
    expect((await getDistro(ns, 'shop'))?.spec.approvedPlan).toBe(planId);
    d = await waitDistro(ns, 'shop', 'revision 2 Ready', (x) => x.status?.revision === 2 && distroCondition(x, 'Ready')?.status === 'True', 120_000);
    expect(d.status?.version).toBe('1.1.0');
    expect([...(await children(ns, 'shop')).values()].map((c) => c.spec.chart.version)).toEqual(['1.1.0', '1.1.0']);
    const again = await maglev('approve', 'distro', 'shop', '-n', ns);
    expect(again.code).toBe(1);
    expect(again.err).toContain('nothing awaits approval');

    // history: both revisions, with the components' chart versions and Helm revisions.
    const history = await maglev('history', 'distro', 'shop', '-n', ns);
    expect(history.code).toBe(0);
    expect(row(history.out, '1')?.slice(1, 3)).toEqual(['1.0.0', 'superseded']);
    expect(row(history.out, '2')?.slice(1, 3)).toEqual(['1.1.0', 'deployed']);
    expect(row(history.out, '2')?.[4]).toBe(planId.slice('sha256:'.length, 'sha256:'.length + 12));
    expect(row(history.out, '2')?.[5]).toBe('db=1.1.0#2,web=1.1.0#2');

    // suspend (spec.paused) holds a change of the Automatic web; resume applies it.
    expect((await maglev('suspend', 'distro', 'shop', '-n', ns)).out).toBe(`MaglevDistro ${ns}/shop suspended (spec.paused: true)\n`);
    await patchDistro(ns, 'shop', { spec: { components: components('1.1.0', '1.0.0') } });
    await waitDistro(ns, 'shop', 'paused', (x) => distroCondition(x, 'Ready')?.reason === 'Paused');
    await pause(2_000);
    expect((await children(ns, 'shop')).get('web')?.spec.chart.version).toBe('1.1.0');
    expect(row((await maglev('get', 'distros', '-n', ns)).out, 'shop')?.[3]).toBe('Paused');
    expect((await maglev('resume', 'distro', 'shop', '-n', ns)).code).toBe(0);
    d = await waitDistro(ns, 'shop', 'revision 3 Ready', (x) => x.status?.revision === 3 && distroCondition(x, 'Ready')?.status === 'True', 120_000);
    expect(d.spec).not.toHaveProperty('paused');
    expect((await children(ns, 'shop')).get('web')?.spec.chart.version).toBe('1.0.0');
  }, 300_000);
});
