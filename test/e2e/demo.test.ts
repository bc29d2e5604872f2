/**
 * The demo tour (`npm run demo`, README), non-interactively: the example distro (charts/demo) packed into two
 * bundles and stored in ConfigMaps by hack/demo-bundles.sh (no chart repository, no internet), distro 1.0.0
 * to Ready, `maglev distro diff` of the 1.1.0 bundle, the upgrade to 1.1.0 stopping for approval of exactly
 * that plan, the upgrade, and the way back to 1.0.0, then deletion.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it, inject } from 'vitest';
import type { MaglevDistro } from '../../src/crds/index.js';
import { children, createDistro, deleteDistro, distroCondition, getDistro, patchDistro, waitDistro, waitDistroReady } from './distros.js';
import { startOperator, testNamespace, waitFor } from './harness.js';
import { repoRoot } from './paths.js';
import { helmJson } from './releases.js';

function sample(file: string): MaglevDistro['spec'] {
  return (yaml.load(readFileSync(join(repoRoot, 'config', 'samples', file), 'utf8')) as MaglevDistro).spec;
}

async function approve(ns: string): Promise<{ id: string; steps: string[] }> {
  const d = await waitDistro(ns, 'demo', 'AwaitingApproval', (x) => distroCondition(x, 'AwaitingApproval')?.status === 'True');
  const id = d.status?.plan?.id ?? '';
  await patchDistro(ns, 'demo', { spec: { approvedPlan: id } });
  return { id, steps: (d.status?.plan?.steps ?? []).filter((s) => s.action !== 'none').map((s) => `${s.component}:${s.action}:${s.from ?? ''}->${s.to ?? ''}`) };
}

/** `maglev distro ...` as a user runs it. */
function maglev(...args: string[]): string {
  return execFileSync(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), 'distro', ...args], { env: { ...process.env, KUBECONFIG: inject('kubeconfig') }, encoding: 'utf8' });
}

describe('npm run demo', () => {
  it('brings the demo distro up from its bundle, diffs and upgrades it to 1.1.0 after approval, goes back to 1.0.0, removes it', async () => {
    const ns = await testNamespace('demo');
    const bundles = mkdtempSync(join(tmpdir(), 'demo-bundles-'));
    execFileSync('bash', [join(repoRoot, 'hack', 'demo-bundles.sh'), ns], { env: { ...process.env, KUBECONFIG: inject('kubeconfig'), DEMO_BUNDLE_DIR: bundles }, stdio: 'ignore' });
    startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0']);
    await createDistro(ns, 'demo', sample('demo-distro.yaml') as unknown as Record<string, unknown>);
    let d = await waitDistroReady(ns, 'demo', 'True', 'Succeeded', 120_000);
    expect(d.status).toMatchObject({ version: '1.0.0', revision: 1 });
    expect(d.status?.components?.map((c) => `${c.name}@${c.chartVersion ?? ''}:${c.phase ?? ''}`)).toEqual(['pki@1.0.0:Ready', 'gateway@1.0.0:Ready', 'postgres@12.1.0:Ready', 'web@2.0.0:Ready']);
    const releases = await helmJson<{ name: string; chart: string; status: string }[]>(['list', '-n', ns]);
    expect(releases.map((r) => `${r.name} ${r.chart} ${r.status}`).sort()).toEqual(['demo-gateway gateway-1.0.0 deployed', 'demo-pki pki-1.0.0 deployed', 'demo-postgres postgres-12.1.0 deployed', 'demo-web web-2.0.0 deployed']);
    expect((await children(ns, 'demo')).get('web')?.spec.chart).toMatchObject({ distroRef: { name: 'demo', component: 'web' }, version: '2.0.0' });

    const diff = maglev('diff', join(bundles, 'demo-1.1.0.tgz'), '-n', ns, 'demo');
    expect(diff).toContain(`distro ${ns}/demo: 1.0.0 -> 1.1.0`);
    expect(diff).toContain('1\tpostgres\tupgrade\t12.1.0\t12.2.0\tManual');
    expect(diff).toContain('2\tweb\tupgrade\t2.0.0\t2.1.0\t-');
    expect(diff).toContain('0\tpki\tnone\t1.0.0\t1.0.0\t-');
    expect(diff).toContain('needs approval (Manual): postgres');
    const diffPlan = /^plan (sha256:[0-9a-f]{64})$/m.exec(diff)?.[1];

    await patchDistro(ns, 'demo', { spec: sample('demo-distro-1.1.0.yaml') });
    const up = await approve(ns);
    expect(up.steps).toEqual(['postgres:upgrade:12.1.0->12.2.0', 'web:upgrade:2.0.0->2.1.0']);
    expect(up.id).toBe(diffPlan);
    d = await waitDistro(ns, 'demo', 'version 1.1.0', (x) => x.status?.version === '1.1.0' && distroCondition(x, 'Ready')?.status === 'True', 120_000);
    expect(d.status?.revision).toBe(2);
    expect((await children(ns, 'demo')).get('postgres')?.status?.chartVersion).toBe('12.2.0');

    await patchDistro(ns, 'demo', { spec: sample('demo-distro.yaml') });
    expect((await approve(ns)).steps).toEqual(['postgres:downgrade:12.2.0->12.1.0', 'web:downgrade:2.1.0->2.0.0']);
    d = await waitDistro(ns, 'demo', 'back at 1.0.0', (x) => x.status?.revision === 3 && distroCondition(x, 'Ready')?.status === 'True', 120_000);
    expect(d.status?.version).toBe('1.0.0');
    expect(d.status?.history?.map((h) => `${h.revision}:${h.version}:${h.status}`)).toEqual(['3:1.0.0:deployed', '2:1.1.0:superseded', '1:1.0.0:superseded']);

    await deleteDistro(ns, 'demo');
    await waitFor('the demo distro gone', async () => ((await getDistro(ns, 'demo')) === undefined ? true : undefined), 120_000);
    expect((await children(ns, 'demo')).size).toBe(0);
    expect(await helmJson<unknown[]>(['list', '-n', ns, '--all'])).toEqual([]);
  }, 300_000);
});
