import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeRelease } from '../codec.js';
import { fakeContext } from '../testing/fake-cluster.js';
import { fakeRender, rendered, renderedHook } from '../testing/fixtures.js';
import { ErrorCode, MaglevError } from '../../errors.js';
import { resume } from './complete.js';
import { install, type InstallInput } from './install.js';

const release = { name: 'web', namespace: 'apps' };
const chart = { metadata: { name: 'web', version: '1.0.0', apiVersion: 'v2' }, lock: null, templates: [], values: {}, schema: null, files: [] };
const cm = rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { a: '1' } });
const deploy = rendered({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 1 } });
const role = rendered({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'web-reader', namespace: 'ignored' } });
const crd = rendered(
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }, { name: 'v0', served: false, storage: false }] },
  },
  'web/crds/widgets.yaml',
);

function input(over: Partial<InstallInput> = {}): InstallInput {
  return {
    release,
    chart,
    config: { replicas: 1 },
    render: fakeRender([cm, role, deploy], [renderedHook('migrate', 'Job', ['pre-install']), renderedHook('notify', 'Job', ['post-install'])], [crd]),
    options: { timeoutMs: 60_000 },
    ...over,
  };
}

describe('install', () => {
  it('records pending-install, runs hooks around apply and wait, and ends deployed', async () => {
    const w = fakeContext();
    const outcome = await install(w.ctx, input());
    expect(outcome).toMatchObject({ status: 'succeeded', message: 'installed revision 1 of apps/web' });
    const stored = await w.ctx.storage.history('web');
    expect(stored.map((s) => [s.record.version, s.record.info.status, s.record.info.description])).toEqual([[1, 'deployed', 'Install complete']]);
    const record = stored[0]!.record;
    expect(record.config).toEqual({ replicas: 1 });
    expect(record.info.notes).toBe('Thanks for installing.');
    expect(record.manifest).toContain('# Source: web/templates/web.yaml');
    expect(record.hooks.map((h) => [h.name, h.last_run.phase])).toEqual([
      ['migrate', 'Succeeded'],
      ['notify', 'Succeeded'],
    ]);
    // Order: CRD first, pre-install hook, objects in install order, wait, post-install hook.
    expect(w.applier.callsOf('apply')).toEqual([
      'apply CustomResourceDefinition widgets.example.com',
      'apply ConfigMap apps/web-config',
      'apply ClusterRole web-reader',
      'apply Deployment apps/web',
    ]);
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/migrate', 'create Job/notify']);
    expect(w.waiter.waited).toEqual([['CustomResourceDefinition widgets.example.com'], ['ConfigMap apps/web-config', 'ClusterRole web-reader', 'Deployment apps/web']]);
    expect(w.applier.applyOptions.every((o) => o.fieldManager === 'maglev-operator' && o.force === false)).toBe(true);
  });

  it('adds Helm ownership metadata and namespaces only namespaced objects', async () => {
    const w = fakeContext();
    await install(w.ctx, input());
    const live = w.applier.objects.get('Deployment apps/web');
    expect(live?.metadata).toEqual({
      name: 'web',
      namespace: 'apps',
      labels: { app: 'web', 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { 'meta.helm.sh/release-name': 'web', 'meta.helm.sh/release-namespace': 'apps' },
    });
    expect(w.applier.objects.get('ClusterRole web-reader')?.metadata?.namespace).toBeUndefined();
    expect(w.applier.objects.get('CustomResourceDefinition widgets.example.com')?.metadata?.labels).toBeUndefined();
  });

  it('persists each hook start, its creation (Unknown: the wait may park) and its success', async () => {
    const w = fakeContext();
    const seen: string[] = [];
    const storage = w.ctx.storage;
    const update = storage.update.bind(storage);
    storage.update = async (r) => {
      seen.push(`${r.info.status}:${r.hooks.map((h) => h.last_run.phase || '-').join(',')}`);
      return update(r);
    };
    await install(w.ctx, input());
    expect(seen).toEqual(['pending-install:Running,-', 'pending-install:Unknown,-', 'pending-install:Succeeded,-', 'pending-install:Succeeded,Running', 'pending-install:Succeeded,Unknown', 'pending-install:Succeeded,Succeeded', 'deployed:Succeeded,Succeeded']);
  });

  it('refuses objects owned by someone else before writing any record', async () => {
    const w = fakeContext();
    w.applier.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'apps', annotations: { 'meta.helm.sh/release-name': 'other' } } });
    const outcome = await install(w.ctx, input({ render: fakeRender([cm, deploy]) }));
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(outcome.error.code).toBe('OwnershipConflict');
    expect(outcome.error.terminal).toBe(true);
    expect(outcome.error.message).toMatch(/ConfigMap apps\/web-config exists and cannot be imported into release apps\/web: label app\.kubernetes\.io\/managed-by is missing.*meta\.helm\.sh\/release-name is "other", must be "web"/);
    expect(outcome.record).toBeUndefined();
    expect(w.store.names('apps')).toEqual([]);
    expect(w.applier.callsOf('apply')).toEqual([]);
  });

  it('adopts objects that already carry this release’s ownership', async () => {
    const w = fakeContext();
    w.applier.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace: 'apps', labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'web', 'meta.helm.sh/release-namespace': 'apps' } },
    });
    expect((await install(w.ctx, input())).status).toBe('succeeded');
  });

  it('a failing pre-install hook marks the record failed and applies nothing', async () => {
    const w = fakeContext();
    w.hooks.fail('wait', 'Job/migrate', new Error('job migrate failed: BackoffLimitExceeded'));
    const outcome = await install(w.ctx, input());
    expect(outcome.status).toBe('failed');
    expect(outcome.record?.info).toMatchObject({
      status: 'failed',
      description: 'Release "web" failed: failed pre-install: pre-install hook web/templates/hook-migrate.yaml (Job migrate) failed: job migrate failed: BackoffLimitExceeded',
    });
    expect(w.applier.callsOf('apply')).toEqual(['apply CustomResourceDefinition widgets.example.com']);
    const stored = decodeRelease(w.store.peek('apps', 'sh.helm.release.v1.web.v1')!.release);
    expect(stored.info.status).toBe('failed');
    expect(stored.hooks[0]?.last_run.phase).toBe('Failed');
  });

  it('a readiness timeout marks the record failed naming the objects', async () => {
    const w = fakeContext();
    w.waiter.failWith(new Error('1 object(s) not ready after 60s:\nDeployment apps/web: InProgress (0/1 replicas ready)'));
    const outcome = await install(w.ctx, input({ render: fakeRender([deploy]) }));
    expect(outcome.record?.info.description).toMatch(/^Release "web" failed: install: .*Deployment apps\/web: InProgress/s);
  });

  it('a failing apply names the object and template', async () => {
    const w = fakeContext();
    w.applier.fail('apply', 'Deployment apps/web', new Error('422 Invalid: spec.replicas: must be >= 0'));
    const outcome = await install(w.ctx, input({ render: fakeRender([cm, deploy]) }));
    expect(outcome.status === 'failed' && outcome.error.message).toBe('install: apply Deployment apps/web (web/templates/web.yaml): 422 Invalid: spec.replicas: must be >= 0');
  });

  it('skips existing CRDs, or all with crds: Skip; honours disableHooks and disableWait', async () => {
    const w = fakeContext();
    w.applier.seed({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com', labels: { mine: 'yes' } } });
    await install(w.ctx, input({ options: { timeoutMs: 1000, disableHooks: true, disableWait: true } }));
    expect(w.applier.callsOf('apply')).not.toContain('apply CustomResourceDefinition widgets.example.com');
    expect(w.hooks.calls).toEqual([]);
    expect(w.waiter.waited).toEqual([]);
    const w2 = fakeContext();
    await install(w2.ctx, input({ options: { timeoutMs: 1000, crds: 'Skip' } }));
    expect(w2.applier.callsOf('apply')).not.toContain('apply CustomResourceDefinition widgets.example.com');
  });

  it('creates the target namespace when asked', async () => {
    const w = fakeContext();
    await install(w.ctx, input({ options: { timeoutMs: 1000, createNamespace: true } }));
    expect(w.applier.objects.get('Namespace apps')?.metadata).toEqual({ name: 'apps', labels: { name: 'apps' } });
  });

  it('re-installs after an uninstall kept history: next revision, the old one superseded', async () => {
    const w = fakeContext();
    await install(w.ctx, input());
    const v1 = (await w.ctx.storage.latest('web'))!.record;
    await w.ctx.storage.update({ ...v1, info: { ...v1.info, status: 'uninstalled' } });
    await install(w.ctx, input());
    expect((await w.ctx.storage.history('web')).map((s) => `${s.record.version}:${s.record.info.status}`)).toEqual(['1:superseded', '2:deployed']);
  });

  it('a record over the size limit fails before any object is applied', async () => {
    const w = fakeContext();
    const huge = { ...chart, files: [{ name: 'blob.bin', data: randomBytes(1024 * 1024).toString('base64') }] };
    const outcome = await install(w.ctx, input({ chart: huge, render: fakeRender([cm]) }));
    expect(outcome.status === 'failed' && outcome.error.code).toBe('ReleaseTooLarge');
    expect(w.applier.callsOf('apply')).toEqual([]);
  });

  it('waits for discovery to serve the kinds of CRDs it created, which lags behind Established, before applying custom resources', async () => {
    const w = fakeContext();
    // The e2e flake of issue 16: discovery missed the kind for a while after the CRD was Established.
    w.applier.servedAfterReads.set('Widget', 3);
    const widget = rendered({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' } });
    const outcome = await install(w.ctx, input({ render: fakeRender([cm, widget], [], [crd]) }));
    expect(outcome.status).toBe('succeeded');
    expect(w.applier.discoveryReads).toBe(4); // three misses, then served
    expect(w.applier.objects.get('Widget apps/w1')?.metadata?.namespace).toBe('apps');
  });

  it('an object of a kind the cluster does not serve fails the install before any record', async () => {
    const w = fakeContext();
    w.applier.unserved.add('Widget');
    const widget = rendered({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' } });
    const outcome = await install(w.ctx, input({ render: fakeRender([cm, widget]) }));
    expect(outcome.status === 'failed' && outcome.error.message).toMatch(/^install of apps\/web refused: no resource for kind Widget/);
    expect(w.store.names('apps')).toEqual([]);
  });

  it('a wait that parks ends the install as waiting on a pending record; resume finishes it with the recorded deadline', async () => {
    const w = fakeContext();
    w.waiter.notReady = true;
    const started = w.clock.now();
    const outcome = await install(w.ctx, input());
    expect(outcome).toMatchObject({ status: 'waiting', deadline: started + 60_000, applied: true });
    expect((await w.ctx.storage.latest('web'))!.record.info.status).toBe('pending-install');
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/migrate']);
    w.clock.advance(20_000);
    w.waiter.notReady = false;
    const applies = w.applier.calls.length;
    const done = await resume(w.ctx, { release, action: 'install', revision: 1, options: { timeoutMs: 60_000, deadline: started + 60_000, applied: true } });
    // Parked after the apply: the resume only waits.
    expect(w.applier.calls.slice(applies).filter((c) => c.startsWith('apply'))).toEqual([]);
    expect(done).toMatchObject({ status: 'succeeded' });
    expect(w.waiter.parkDeadlines).toEqual([started + 60_000, started + 60_000]);
    expect((await w.ctx.storage.latest('web'))!.record.info).toMatchObject({ status: 'deployed', description: 'Install complete' });
    // Post-install hooks ran once, on the resume.
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/migrate', 'create Job/notify']);
  });

  it('pre hooks all succeeded but the objects were never applied (killed in between): the resume applies them before it waits', async () => {
    const w = fakeContext();
    w.hooks.running.add('Job/migrate');
    await install(w.ctx, input());
    // The hook's success was stored; the process then died before the apply that follows it.
    const stored = (await w.ctx.storage.latest('web'))!.record;
    const hooks = stored.hooks.map((h) => (h.name === 'migrate' ? { ...h, last_run: { ...h.last_run, phase: 'Succeeded' as const, completed_at: h.last_run.started_at } } : h));
    await w.ctx.storage.update({ ...stored, hooks });
    w.hooks.running.clear();
    const done = await resume(w.ctx, { release, action: 'install', revision: 1, options: { timeoutMs: 60_000, deadline: w.clock.now() + 60_000 } });
    expect(done).toMatchObject({ status: 'succeeded' });
    expect(w.applier.calls.filter((c) => c.startsWith('apply')).slice(1)).toEqual(['apply ConfigMap apps/web-config', 'apply ClusterRole web-reader', 'apply Deployment apps/web']);
    // The hook that had succeeded is not run again.
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/migrate', 'create Job/notify']);
  });

  it('a pre-install hook still running parks the install before anything is applied; resume finishes the hook, applies, and waits with a fresh timeout', async () => {
    const w = fakeContext();
    w.hooks.running.add('Job/migrate');
    const started = w.clock.now();
    const outcome = await install(w.ctx, input());
    expect(outcome).toMatchObject({ status: 'waiting', message: 'waiting for hook Job/migrate to complete' });
    const hookStart = Date.parse((await w.ctx.storage.latest('web'))!.record.hooks.find((h) => h.name === 'migrate')!.last_run.started_at);
    expect(outcome.status === 'waiting' && outcome.deadline).toBe(hookStart + 60_000);
    // Only crds/ (installed before the record, as Helm does); none of the chart's objects.
    expect(w.applier.calls.filter((c) => c.startsWith('apply'))).toEqual(['apply CustomResourceDefinition widgets.example.com']);
    expect((await w.ctx.storage.latest('web'))!.record.hooks.map((h) => [h.name, h.last_run.phase])).toEqual([['migrate', 'Unknown'], ['notify', '']]);

    w.clock.advance(30_000);
    w.hooks.running.clear();
    const done = await resume(w.ctx, { release, action: 'install', revision: 1, options: { timeoutMs: 60_000, deadline: hookStart + 60_000 } });
    expect(done).toMatchObject({ status: 'succeeded' });
    expect(w.applier.calls.filter((c) => c.startsWith('apply')).slice(1)).toEqual(['apply ConfigMap apps/web-config', 'apply ClusterRole web-reader', 'apply Deployment apps/web']);
    // The readiness wait started in the resumed pass: its own full timeout, not the hook's deadline.
    expect(w.waiter.parkDeadlines).toEqual([started + 30_000 + 60_000]);
    expect(w.hooks.calls.filter((c) => c.startsWith('create'))).toEqual(['create Job/migrate', 'create Job/notify']);
    expect((await w.ctx.storage.latest('web'))!.record.info.status).toBe('deployed');
  });

  it('a resumed wait that fails marks the revision failed like the install would have', async () => {
    const w = fakeContext();
    w.waiter.notReady = true;
    await install(w.ctx, input());
    w.waiter.failWith(new MaglevError(ErrorCode.WaitTimeout, 'timed out after 60s waiting for readiness of Deployment apps/web'));
    const failed = await resume(w.ctx, { release, action: 'install', revision: 1, options: { timeoutMs: 60_000, deadline: w.clock.now() } });
    expect(failed.status).toBe('failed');
    expect((await w.ctx.storage.latest('web'))!.record.info).toMatchObject({
      status: 'failed',
      description: 'Release "web" failed: install: timed out after 60s waiting for readiness of Deployment apps/web',
    });
  });
});
