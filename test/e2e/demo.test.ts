/**
 * The demo tour (`npm run demo`, README), non-interactively: the demo distro's charts packed into ConfigMaps
 * by hack/demo-charts.sh (no chart repository, no internet), distro 1.0.0 to Ready, the upgrade to 1.1.0
 * stopping for approval of its plan, the upgrade, and the way back to 1.0.0, then deletion.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

async function approve(ns: string): Promise<string[]> {
  const d = await waitDistro(ns, 'demo', 'AwaitingApproval', (x) => distroCondition(x, 'AwaitingApproval')?.status === 'True');
  await patchDistro(ns, 'demo', { spec: { approvedPlan: d.status?.plan?.id } });
  return (d.status?.plan?.steps ?? []).filter((s) => s.action !== 'none').map((s) => `${s.component}:${s.action}:${s.from ?? ''}->${s.to ?? ''}`);
}

describe('npm run demo', () => {
  it('brings the demo distro up from ConfigMaps, upgrades it to 1.1.0 after approval, goes back to 1.0.0, removes it', async () => {
    const ns = await testNamespace('demo');
    execFileSync('bash', [join(repoRoot, 'hack', 'demo-charts.sh'), ns], { env: { ...process.env, KUBECONFIG: inject('kubeconfig') }, stdio: 'ignore' });
    startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0']);
    await createDistro(ns, 'demo', sample('demo-distro.yaml') as unknown as Record<string, unknown>);
    let d = await waitDistroReady(ns, 'demo', 'True', 'Succeeded', 120_000);
    expect(d.status).toMatchObject({ version: '1.0.0', revision: 1 });
    expect(d.status?.components?.map((c) => `${c.name}@${c.chartVersion ?? ''}:${c.phase ?? ''}`)).toEqual(['pki@1.0.0:Ready', 'gateway@1.0.0:Ready', 'postgres@12.1.0:Ready', 'web@2.0.0:Ready']);
    const releases = await helmJson<{ name: string; chart: string; status: string }[]>(['list', '-n', ns]);
    expect(releases.map((r) => `${r.name} ${r.chart} ${r.status}`).sort()).toEqual(['demo-gateway gateway-1.0.0 deployed', 'demo-pki pki-1.0.0 deployed', 'demo-postgres postgres-12.1.0 deployed', 'demo-web web-2.0.0 deployed']);

    await patchDistro(ns, 'demo', { spec: sample('demo-distro-1.1.0.yaml') });
    expect(await approve(ns)).toEqual(['postgres:upgrade:12.1.0->12.2.0', 'web:upgrade:2.0.0->2.1.0']);
    d = await waitDistro(ns, 'demo', 'version 1.1.0', (x) => x.status?.version === '1.1.0' && distroCondition(x, 'Ready')?.status === 'True', 120_000);
    expect(d.status?.revision).toBe(2);
    expect((await children(ns, 'demo')).get('postgres')?.status?.chartVersion).toBe('12.2.0');

    await patchDistro(ns, 'demo', { spec: sample('demo-distro.yaml') });
    expect(await approve(ns)).toEqual(['postgres:downgrade:12.2.0->12.1.0', 'web:downgrade:2.1.0->2.0.0']);
    d = await waitDistro(ns, 'demo', 'back at 1.0.0', (x) => x.status?.revision === 3 && distroCondition(x, 'Ready')?.status === 'True', 120_000);
    expect(d.status?.version).toBe('1.0.0');
    expect(d.status?.history?.map((h) => `${h.revision}:${h.version}:${h.status}`)).toEqual(['3:1.0.0:deployed', '2:1.1.0:superseded', '1:1.0.0:superseded']);

    await deleteDistro(ns, 'demo');
    await waitFor('the demo distro gone', async () => ((await getDistro(ns, 'demo')) === undefined ? true : undefined), 120_000);
    expect((await children(ns, 'demo')).size).toBe(0);
    expect(await helmJson<unknown[]>(['list', '-n', ns, '--all'])).toEqual([]);
  }, 240_000);
});
