/**
 * Distro bundles end to end, with no chart repository running: the example distro's bundles pushed to the
 * cluster's OCI registry with `maglev distro push`, a MaglevDistro installing from `oci://` (the bundle
 * downloaded once per digest, however many passes and child releases read it), and each check that stops a
 * bundle before anything is applied (wrong verify.digest, version mismatch, blocked upgrade path) stalling
 * with its reason and leaving the children as they were, until the force annotation lets the upgrade through.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, inject } from 'vitest';
import type { MaglevDistro } from '../../src/crds/index.js';
import { children, createDistro, distroCondition, patchDistro, waitDistro, waitDistroReady } from './distros.js';
import { metricValue, operatorPorts, scrape, startOperator, testNamespace } from './harness.js';
import { repoRoot } from './paths.js';

function maglev(...args: string[]): string {
  return execFileSync(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), 'distro', ...args], { encoding: 'utf8' });
}

/** `name` → metadata.generation of each child. */
async function generations(ns: string): Promise<Record<string, number>> {
  return Object.fromEntries([...(await children(ns, 'demo'))].map(([k, hr]) => [k, hr.metadata.generation ?? 0]));
}

async function stalled(ns: string, reason: string): Promise<MaglevDistro> {
  return waitDistro(ns, 'demo', `Stalled ${reason}`, (d) => distroCondition(d, 'Stalled')?.status === 'True' && distroCondition(d, 'Stalled')?.reason === reason, 60_000);
}

describe('distro bundles', () => {
  it.skipIf(inject('registry') === '')('installs from an OCI bundle fetched once per digest; digest, version and upgrade-path checks stall with nothing applied', async () => {
    const registry = inject('registry');
    const ns = await testNamespace('bundle');
    const dir = mkdtempSync(join(tmpdir(), 'bundles-'));
    // 1.0.0 and a 1.2.0 that accepts upgrades from 1.1.x only (the 1.1.0 directory, renumbered).
    maglev('pack', join(repoRoot, 'charts', 'demo', '1.0.0'), '-o', join(dir, 'demo-1.0.0.tgz'));
    const next = join(dir, 'src-1.2.0');
    cpSync(join(repoRoot, 'charts', 'demo', '1.1.0'), next, { recursive: true, dereference: true });
    const manifest = readFileSync(join(next, 'distro.yaml'), 'utf8').replace(/^version: 1\.1\.0$/m, 'version: 1.2.0').replace(/^upgradeFrom: .*$/m, 'upgradeFrom: ">=1.1.0 <1.2.0"');
    writeFileSync(join(next, 'distro.yaml'), manifest);
    maglev('pack', next, '-o', join(dir, 'demo-1.2.0.tgz'));
    const repo = `oci://${registry}/e2e/${ns}`;
    const pushed = maglev('push', join(dir, 'demo-1.0.0.tgz'), `${repo}:1.0.0`);
    expect(pushed).toMatch(/^pushed demo 1\.0\.0 to oci:\/\/.*:1\.0\.0\nbundle sha256:[0-9a-f]{64}\nmanifest sha256:[0-9a-f]{64}\n$/);
    const digest = /^bundle (\S+)$/m.exec(pushed)?.[1] ?? '';
    maglev('push', join(dir, 'demo-1.2.0.tgz'), `${repo}:1.2.0`);

    const op = startOperator(['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0']);
    const { metrics } = await operatorPorts(op);
    await createDistro(ns, 'demo', { version: '1.0.0', bundle: { url: `${repo}:1.0.0`, verify: { digest: `sha256:${'0'.repeat(64)}` } } });
    let d = await stalled(ns, 'DigestMismatch');
    expect(distroCondition(d, 'Stalled')?.message).toContain(`has digest ${digest}, but spec.bundle.verify.digest expects sha256:000`);
    expect((await children(ns, 'demo')).size).toBe(0);

    await patchDistro(ns, 'demo', { spec: { version: '1.1.0', bundle: { verify: { digest } } } });
    d = await stalled(ns, 'VersionMismatch');
    expect(distroCondition(d, 'Stalled')?.message).toContain(`spec.version is 1.1.0, but the bundle oci://${registry}/e2e/${ns}:1.0.0 holds distro demo 1.0.0`);
    expect((await children(ns, 'demo')).size).toBe(0);

    await patchDistro(ns, 'demo', { spec: { version: '1.0.0' } });
    d = await waitDistroReady(ns, 'demo', 'True', 'Succeeded', 120_000);
    expect(d.status?.components?.map((c) => `${c.name}@${c.chartVersion ?? ''}`)).toEqual(['pki@1.0.0', 'gateway@1.0.0', 'postgres@12.1.0', 'web@2.0.0']);
    let page = await scrape(metrics);
    expect(metricValue(page, 'maglev_bundle_fetches_total', { source: 'oci', result: 'loaded' })).toBe(1);

    const before = await generations(ns);
    await patchDistro(ns, 'demo', { spec: { version: '1.2.0', bundle: { url: `${repo}:1.2.0`, verify: null } } });
    d = await stalled(ns, 'UpgradePathBlocked');
    expect(distroCondition(d, 'Stalled')?.message).toContain('distro 1.0.0 cannot upgrade to 1.2.0 directly: the 1.2.0 bundle accepts upgrades from ">=1.1.0 <1.2.0" only');
    expect(await generations(ns)).toEqual(before);

    await patchDistro(ns, 'demo', { metadata: { annotations: { 'maglev.io/force-upgrade-path': 'true' } } });
    d = await waitDistro(ns, 'demo', 'AwaitingApproval', (x) => distroCondition(x, 'AwaitingApproval')?.status === 'True');
    await patchDistro(ns, 'demo', { spec: { approvedPlan: d.status?.plan?.id } });
    d = await waitDistro(ns, 'demo', 'version 1.2.0', (x) => x.status?.version === '1.2.0' && distroCondition(x, 'Ready')?.status === 'True', 120_000);
    expect(d.status?.components?.map((c) => `${c.name}@${c.chartVersion ?? ''}`)).toEqual(['pki@1.0.0', 'gateway@1.0.0', 'postgres@12.2.0', 'web@2.1.0']);
    page = await scrape(metrics);
    // One download per digest: two bundles, however many passes and child releases read them.
    expect(metricValue(page, 'maglev_bundle_fetches_total', { source: 'oci', result: 'loaded' })).toBe(2);
    expect(metricValue(page, 'maglev_bundle_fetches_total', { result: 'error' })).toBe(0);
  }, 300_000);
});
