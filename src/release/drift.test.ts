import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../render/types.js';
import { install } from './actions/install.js';
import { isMaglevError } from '../errors.js';
import { ApiStatusError } from '../runtime/api-error.js';
import { comparable, conflictingManagers, correctDrift, describeDrift, detectDrift, differences, optedOut } from './drift.js';
import type { ReleaseRecord } from './record.js';
import { fakeContext, type FakeWorld } from './testing/fake-cluster.js';
import { fakeRender, rendered } from './testing/fixtures.js';

const release = { name: 'web', namespace: 'apps' };
const chart = { metadata: { name: 'web', version: '1.0.0', apiVersion: 'v2' }, lock: null, templates: [], values: {}, schema: null, files: [] };
const cm = rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { message: 'hello' } });
const deploy = rendered({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'app:1' }] } } } });
const svc = rendered({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });

async function installed(objects: RenderedObject[] = [cm, deploy, svc]): Promise<{ w: FakeWorld; record: ReleaseRecord }> {
  const w = fakeContext();
  const outcome = await install(w.ctx, { release, chart, config: {}, render: fakeRender(objects), options: { timeoutMs: 1000 } });
  if (outcome.status !== 'succeeded' || outcome.record === undefined) throw new Error('setup install failed');
  w.applier.calls.length = 0;
  w.applier.applyOptions.length = 0;
  return { w, record: outcome.record };
}

/** The fields the tests change, loosely typed. */
interface Editable {
  metadata: Record<string, unknown> & { managedFields?: { manager: string; operation: string }[] };
  data: Record<string, string>;
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
  status?: unknown;
}

function edit(w: FakeWorld, target: string, change: (obj: Editable) => void): void {
  const obj = structuredClone(w.applier.objects.get(target)) as unknown as Editable;
  change(obj);
  w.applier.seed(obj);
}

describe('differences', () => {
  it('names the paths that differ, with indexes and quoted odd keys, at most the limit', () => {
    expect(differences({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } })).toEqual(['.b.c[1]']);
    expect(differences({ m: { 'app.kubernetes.io/name': 'x' } }, { m: {} })).toEqual(['.m["app.kubernetes.io/name"]']);
    expect(differences({ l: [1] }, { l: [1, 2] })).toEqual(['.l']);
    expect(differences(1, 2)).toEqual(['.']);
    expect(differences({ a: 1, b: 1, c: 1 }, { a: 2, b: 2, c: 2 }, 2)).toEqual(['.a', '.b']);
    expect(differences({ a: { x: 1 } }, { a: { x: 1 } })).toEqual([]);
  });

  it('comparable drops status and bookkeeping metadata only', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '9', generation: 2, managedFields: [], uid: 'u' }, status: { x: 1 }, data: {} };
    expect(comparable(obj)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', uid: 'u' }, data: {} });
  });
});

describe('detectDrift', () => {
  it('finds nothing on an untouched release, using a forced dry-run apply and no write', async () => {
    const { w, record } = await installed();
    const report = await detectDrift(w.ctx, release, record);
    expect(report).toEqual({ checked: 3, drifted: [] });
    expect(w.applier.callsOf('apply')).toEqual([]);
    expect(w.applier.callsOf('dry-run')).toHaveLength(3);
    expect(w.applier.applyOptions.every((o) => o.dryRun === true && o.force === true && o.fieldManager === 'maglev-operator')).toBe(true);
  });

  it('reports changed fields and deleted objects in manifest order', async () => {
    const { w, record } = await installed();
    w.applier.objects.delete('Service apps/web');
    edit(w, 'Deployment apps/web', (d) => {
      d.spec.replicas = 5;
      d.spec.template.spec.containers[0]!.image = 'app:hacked';
    });
    edit(w, 'ConfigMap apps/cfg', (c) => (c.data.message = 'changed'));
    const report = await detectDrift(w.ctx, release, record);
    expect(report.checked).toBe(3);
    expect(report.drifted.map((d) => [d.ref.kind, d.missing, d.paths])).toEqual([
      ['ConfigMap', false, ['.data.message']],
      ['Deployment', false, ['.spec.replicas', '.spec.template.spec.containers[0].image']],
      ['Service', true, []],
    ]);
    expect(describeDrift(report.drifted)).toBe(
      'ConfigMap apps/cfg (.data.message), Deployment apps/web (.spec.replicas, .spec.template.spec.containers[0].image), Service apps/web (deleted)',
    );
    expect(describeDrift(report.drifted, 1)).toBe('ConfigMap apps/cfg (.data.message) and 2 more');
  });

  it('ignores status and server bookkeeping, and skips objects opted out by label or annotation', async () => {
    const off = rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'free', annotations: { 'maglev.io/drift-detection': 'disabled' } }, data: { a: '1' } });
    const offLabel = rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'free2', labels: { 'maglev.io/drift-detection': 'disabled' } }, data: { a: '1' } });
    const { w, record } = await installed([cm, deploy, off, offLabel]);
    edit(w, 'Deployment apps/web', (d) => {
      d.status = { readyReplicas: 2 };
      d.metadata.generation = 7;
      d.metadata.managedFields = [{ manager: 'kube-controller-manager', operation: 'Update' }];
    });
    edit(w, 'ConfigMap apps/free', (c) => (c.data.a = 'mine'));
    w.applier.objects.delete('ConfigMap apps/free2');
    expect(optedOut(record)).toBe(2);
    expect(await detectDrift(w.ctx, release, record)).toEqual({ checked: 2, drifted: [] });
  });

  it('skips objects of kinds no longer served and names the object when a check fails', async () => {
    const widget = rendered({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} });
    const { w, record } = await installed([cm, widget]);
    w.applier.unserved.add('Widget');
    expect(await detectDrift(w.ctx, release, record)).toEqual({ checked: 1, drifted: [] });
    w.applier.fail('dry-run', 'ConfigMap apps/cfg', new Error('admission webhook said no'));
    await expect(detectDrift(w.ctx, release, record)).rejects.toThrow(/check ConfigMap apps\/cfg \(web\/templates\/cfg.yaml\) for drift: admission webhook said no/);
  });
});

/** Answers a non-forced apply of `target` with the API server's field-manager conflict. */
function conflictOn(w: FakeWorld, target: string, manager: string, operation: 'Apply' | 'Update'): void {
  const apply = w.applier.apply.bind(w.applier);
  edit(w, target, (o) => (o.metadata.managedFields = [{ manager: 'maglev-operator', operation: 'Apply' }, { manager, operation }]));
  w.applier.apply = (obj, opts = {}) => {
    if (opts.force !== true && opts.dryRun !== true && `${obj.kind} apps/${obj.metadata?.name}` === target) {
      const using = operation === 'Update' ? ' using v1' : '';
      return Promise.reject(new ApiStatusError('PATCH /x', 409, { reason: 'Conflict', message: `Apply failed with 1 conflict: conflict with "${manager}"${using}: .data.message` }));
    }
    return apply(obj, opts);
  };
}

describe('correctDrift', () => {
  it('applies the drifted objects again in install order, taking back fields another manager updated', async () => {
    const { w, record } = await installed();
    w.applier.objects.delete('Service apps/web');
    edit(w, 'ConfigMap apps/cfg', (c) => (c.data.message = 'changed'));
    conflictOn(w, 'ConfigMap apps/cfg', 'kubectl-edit', 'Update');
    const report = await detectDrift(w.ctx, release, record);
    w.applier.applyOptions.length = 0;
    await correctDrift(w.ctx, [...report.drifted].reverse());
    expect(w.applier.callsOf('apply')).toEqual(['apply ConfigMap apps/cfg', 'apply Service apps/web']);
    // The refused non-forced apply of the ConfigMap never reaches the fake's log; its forced retry does.
    expect(w.applier.applyOptions.map((o) => [o.force, o.dryRun])).toEqual([
      [true, undefined],
      [false, undefined],
    ]);
    expect((w.applier.objects.get('ConfigMap apps/cfg') as { data?: unknown }).data).toEqual({ message: 'hello' });
    expect(await detectDrift(w.ctx, release, record)).toEqual({ checked: 3, drifted: [] });
  });

  it('reports a conflict with a manager that server-side applied the field, unless forced', async () => {
    const { w, record } = await installed();
    edit(w, 'ConfigMap apps/cfg', (c) => (c.data.message = 'theirs'));
    conflictOn(w, 'ConfigMap apps/cfg', 'someone-else', 'Apply');
    const report = await detectDrift(w.ctx, release, record);
    const err: unknown = await correctDrift(w.ctx, report.drifted).catch((e: unknown) => e);
    expect(isMaglevError(err, 'Conflict')).toBe(true);
    expect((err as Error).message).toMatch(/^apply ConfigMap apps\/cfg \(web\/templates\/cfg.yaml\): fields are server-side applied by "someone-else"; set upgrade.force to take them over: .*conflict with "someone-else"/);
    expect((w.applier.objects.get('ConfigMap apps/cfg') as { data?: unknown }).data).toEqual({ message: 'theirs' });
    await correctDrift(w.ctx, report.drifted, true);
    expect((w.applier.objects.get('ConfigMap apps/cfg') as { data?: unknown }).data).toEqual({ message: 'hello' });
  });

  it('conflictingManagers reads the managers of a conflict message', () => {
    const err = new Error('Apply failed with 2 conflicts: conflict with "kubectl-edit" using v1: .data.a\nconflict with "helm": .data.b\nconflict with "helm": .data.c');
    expect(conflictingManagers(err)).toEqual(['kubectl-edit', 'helm']);
  });
});
