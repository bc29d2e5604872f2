import { describe, expect, it } from 'vitest';
import { isMaglevError } from '../errors.js';
import { FakeClock } from '../runtime/testing/fake-clock.js';
import { hookObject, hookRunOrder, runHooks, type HookRunOptions } from './hooks.js';
import { neverRun, type RecordHook, type ReleaseRecord } from './record.js';
import { FakeHookExecutor } from './testing/fake-hook-executor.js';
import { sampleRecord } from './testing/fixtures.js';

function hook(name: string, kind: string, over: Partial<RecordHook> = {}): RecordHook {
  const apiVersion = kind === 'Job' ? 'batch/v1' : kind === 'CustomResourceDefinition' ? 'apiextensions.k8s.io/v1' : 'v1';
  return {
    name,
    kind,
    path: `web/templates/${name}.yaml`,
    manifest: `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n`,
    events: ['pre-install'],
    last_run: neverRun(),
    weight: 0,
    delete_policies: [],
    output_log_policies: [],
    ...over,
  };
}

function setup(hooks: RecordHook[]): { record: ReleaseRecord; exec: FakeHookExecutor; opts: HookRunOptions; persisted: ReleaseRecord[] } {
  const exec = new FakeHookExecutor();
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const persisted: ReleaseRecord[] = [];
  const opts: HookRunOptions = {
    executor: exec,
    timeoutMs: 60_000,
    now: () => {
      clock.advance(1000);
      return clock.now();
    },
    persist: (r) => {
      persisted.push(structuredClone(r));
      return Promise.resolve();
    },
  };
  return { record: sampleRecord({ hooks }), exec, opts, persisted };
}

describe('hookRunOrder', () => {
  it('orders by weight, then name, with kind only separating equal weight and name (Helm 3.21)', () => {
    const hooks = [
      hook('b', 'Job', { weight: 1 }),
      hook('z', 'ConfigMap', { weight: -1 }),
      hook('a', 'Job'),
      hook('a', 'ServiceAccount'),
      hook('c', 'Widget'),
      hook('other-event', 'Job', { events: ['post-install'] }),
    ];
    expect(hookRunOrder(hooks, 'pre-install').map((i) => `${hooks[i]!.kind}/${hooks[i]!.name}`)).toEqual([
      'ConfigMap/z',
      'ServiceAccount/a',
      'Job/a',
      'Widget/c',
      'Job/b',
    ]);
    expect(hookRunOrder(hooks, 'post-install')).toEqual([5]);
    expect(hookRunOrder(hooks, 'pre-delete')).toEqual([]);
  });
});

describe('runHooks', () => {
  it('runs serially: delete (default before-hook-creation), create, wait; records last_run, persisting Running and Succeeded', async () => {
    const { record, exec, opts, persisted } = setup([hook('migrate', 'Job', { weight: 2 }), hook('config', 'ConfigMap', { weight: 1 })]);
    const result = await runHooks(record, 'pre-install', opts);
    expect(result.error).toBeUndefined();
    expect(exec.calls).toEqual(['delete ConfigMap/config', 'create ConfigMap/config', 'wait ConfigMap/config', 'delete Job/migrate', 'create Job/migrate', 'wait Job/migrate']);
    expect(result.record.hooks.map((h) => [h.name, h.last_run, h.delete_policies])).toEqual([
      ['migrate', { started_at: '2025-01-01T00:00:03Z', completed_at: '2025-01-01T00:00:04Z', phase: 'Succeeded' }, ['before-hook-creation']],
      ['config', { started_at: '2025-01-01T00:00:01Z', completed_at: '2025-01-01T00:00:02Z', phase: 'Succeeded' }, ['before-hook-creation']],
    ]);
    expect(persisted.map((r) => r.hooks.map((h) => h.last_run.phase))).toEqual([
      ['', 'Running'],
      ['', 'Succeeded'],
      ['Running', 'Succeeded'],
      ['Succeeded', 'Succeeded'],
    ]);
    expect(record.hooks[0]?.last_run.phase).toBe('');
  });

  it('creates hooks in the release namespace unless they name one', async () => {
    const { record, exec, opts } = setup([hook('a', 'ConfigMap'), hook('b', 'ConfigMap', { manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: other\n' })]);
    await runHooks(record, 'pre-install', opts);
    expect([...exec.objects.values()].map((o) => o.metadata?.namespace)).toEqual(['apps', 'other']);
  });

  it('deletes hook-succeeded hooks in reverse order once all succeeded', async () => {
    const { record, exec, opts } = setup([
      hook('one', 'Job', { weight: 1, delete_policies: ['hook-succeeded'] }),
      hook('two', 'Job', { weight: 2, delete_policies: ['before-hook-creation', 'hook-succeeded'] }),
      hook('three', 'Job', { weight: 3, delete_policies: ['hook-failed'] }),
    ]);
    await runHooks(record, 'pre-install', opts);
    expect(exec.calls).toEqual([
      'create Job/one',
      'wait Job/one',
      'delete Job/two',
      'create Job/two',
      'wait Job/two',
      'create Job/three',
      'wait Job/three',
      'delete Job/two',
      'delete Job/one',
    ]);
    expect([...exec.objects.keys()]).toEqual(['Job/three']);
  });

  it('on failure deletes the hook (hook-failed) and earlier hook-succeeded hooks, then stops naming it', async () => {
    const { record, exec, opts } = setup([
      hook('first', 'Job', { weight: 1, delete_policies: ['hook-succeeded'] }),
      hook('keep', 'ConfigMap', { weight: 2, delete_policies: ['hook-failed'] }),
      hook('broken', 'Job', { weight: 3, delete_policies: ['hook-failed'] }),
      hook('never', 'Job', { weight: 4 }),
    ]);
    exec.fail('wait', 'Job/broken', new Error('job broken failed: BackoffLimitExceeded'));
    const result = await runHooks(record, 'pre-install', opts);
    expect(exec.calls.slice(4)).toEqual(['create Job/broken', 'wait Job/broken', 'delete Job/broken', 'delete Job/first']);
    expect(isMaglevError(result.error, 'HookFailed')).toBe(true);
    expect(result.error?.message).toBe('pre-install hook web/templates/broken.yaml (Job broken) failed: job broken failed: BackoffLimitExceeded');
    expect(result.error?.where).toBe('Job/broken');
    const phases = Object.fromEntries(result.record.hooks.map((h) => [h.name, h.last_run.phase]));
    expect(phases).toEqual({ first: 'Succeeded', keep: 'Succeeded', broken: 'Failed', never: '' });
    expect([...exec.objects.keys()]).toEqual(['ConfigMap/keep']);
  });

  it('a failed create marks the hook Failed and stops without clean-up', async () => {
    const { record, exec, opts } = setup([hook('a', 'Job', { delete_policies: ['hook-succeeded'] }), hook('b', 'Job', { weight: 1, delete_policies: ['hook-failed'] })]);
    exec.fail('create', 'Job/b');
    const result = await runHooks(record, 'pre-install', opts);
    expect(exec.calls).toEqual(['create Job/a', 'wait Job/a', 'create Job/b']);
    expect(result.record.hooks[1]?.last_run.phase).toBe('Failed');
    expect(result.error?.message).toMatch(/hook web\/templates\/b\.yaml \(Job b\) failed: create Job\/b failed/);
  });

  it('never deletes a CustomResourceDefinition hook', async () => {
    const { record, exec, opts } = setup([hook('widgets.example.com', 'CustomResourceDefinition', { delete_policies: ['before-hook-creation', 'hook-succeeded'] })]);
    await runHooks(record, 'pre-install', opts);
    expect(exec.calls).toEqual(['create CustomResourceDefinition/widgets.example.com', 'wait CustomResourceDefinition/widgets.example.com']);
  });

  it('copies logs of Jobs and Pods per output-log policy', async () => {
    const { record, exec, opts } = setup([
      hook('ok', 'Job', { output_log_policies: ['hook-succeeded'] }),
      hook('bad', 'Pod', { weight: 1, output_log_policies: ['hook-failed'] }),
    ]);
    exec.fail('wait', 'Pod/bad');
    await runHooks(record, 'pre-install', opts);
    expect(exec.calls.filter((c) => c.startsWith('logs'))).toEqual(['logs Pod/bad']);
  });

  it('a failed before-hook-creation delete fails the hook before it starts', async () => {
    const { record, exec, opts } = setup([hook('a', 'Job')]);
    exec.fail('delete', 'Job/a', new Error('timed out waiting for deletion'));
    const result = await runHooks(record, 'pre-install', opts);
    expect(result.error?.message).toMatch(/timed out waiting for deletion/);
    expect(result.record.hooks[0]?.last_run.phase).toBe('');
  });

  it('reports a persist failure as a warning and carries on, like Helm', async () => {
    const { record, opts } = setup([hook('a', 'Job')]);
    const warnings: string[] = [];
    const result = await runHooks(record, 'pre-install', { ...opts, persist: () => Promise.reject(new Error('conflict')), onWarning: (m) => warnings.push(m) });
    expect(result.error).toBeUndefined();
    expect(warnings).toEqual(['could not record that hook web/templates/a.yaml started', 'could not record that hook web/templates/a.yaml succeeded']);
  });

  it('a hook manifest that is not an object fails with the hook named', async () => {
    const { record, opts } = setup([hook('a', 'Job', { manifest: '- just\n- a list\n' })]);
    const result = await runHooks(record, 'pre-install', opts);
    expect(result.error?.message).toMatch(/^pre-install hook web\/templates\/a\.yaml \(Job a\) failed: .*expected a mapping/);
  });
});

describe('runHooks parked and resumed', () => {
  /** A record whose revision started at the test clock's start, so hooks run by the test count as this action's. */
  function parkable(hooks: RecordHook[]) {
    const w = setup(hooks);
    w.record = { ...w.record, info: { ...w.record.info, last_deployed: '2025-01-01T00:00:00Z' } };
    return { ...w, opts: { ...w.opts, park: true } };
  }

  it('parks on a running hook with its stored start plus the timeout as deadline, then resumes without creating anything twice', async () => {
    const { record, exec, opts, persisted } = parkable([hook('first', 'Job', { delete_policies: ['hook-succeeded'] }), hook('second', 'Job', { weight: 1, delete_policies: ['hook-succeeded'] })]);
    exec.running.add('Job/second');
    const parked = await runHooks(record, 'pre-install', opts);
    expect(parked.error).toBeUndefined();
    expect(parked.parked?.deadline).toBe(Date.parse(parked.record.hooks[1]!.last_run.started_at) + 60_000);
    expect(parked.record.hooks.map((h) => h.last_run.phase)).toEqual(['Succeeded', 'Unknown']);
    // What a later pass reads: the stored record, with the second hook's creation recorded.
    const stored = persisted.at(-1)!;
    expect(stored.hooks.map((h) => h.last_run.phase)).toEqual(['Succeeded', 'Unknown']);
    expect(exec.calls).toEqual(['create Job/first', 'wait Job/first', 'create Job/second', 'wait Job/second']);

    exec.calls.length = 0;
    exec.running.clear();
    const resumed = await runHooks(stored, 'pre-install', opts);
    expect(resumed.error).toBeUndefined();
    expect(resumed.parked).toBeUndefined();
    expect(resumed.record.hooks.map((h) => h.last_run.phase)).toEqual(['Succeeded', 'Succeeded']);
    expect(resumed.record.hooks[1]!.last_run.started_at).toBe(stored.hooks[1]!.last_run.started_at);
    // No create: the second is waited for where it runs; both hook-succeeded hooks are deleted at the end.
    expect(exec.calls).toEqual(['exists Job/second', 'wait Job/second', 'delete Job/second', 'delete Job/first']);
  });

  it('a created hook that is gone when resumed: done for a self-deleting Job, failed for anything else', async () => {
    const ttlJob = (name: string, ttl: boolean): RecordHook =>
      hook(name, 'Job', { manifest: `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\n${ttl ? 'spec:\n  ttlSecondsAfterFinished: 0\n' : ''}` });
    for (const [ttl, outcome] of [[true, 'Succeeded'], [false, 'Failed']] as const) {
      const { record, exec, opts, persisted } = parkable([ttlJob('migrate', ttl)]);
      exec.running.add('Job/migrate');
      await runHooks(record, 'pre-install', opts);
      exec.objects.clear();
      exec.running.clear();
      const resumed = await runHooks(persisted.at(-1)!, 'pre-install', opts);
      expect(resumed.record.hooks[0]!.last_run.phase).toBe(outcome);
      expect(resumed.error?.message).toBe(ttl ? undefined : 'pre-install hook web/templates/migrate.yaml (Job migrate) failed: Job migrate disappeared before completing');
    }
  });

  it('a hook stored Running (the pass stopped around its create) is created if missing and waited for if present', async () => {
    const { record, exec, opts } = parkable([hook('migrate', 'Job')]);
    const running = { ...record, hooks: record.hooks.map((h) => ({ ...h, last_run: { started_at: '2025-01-01T00:00:00.5Z', completed_at: '', phase: 'Running' as const } })) };
    exec.objects.set('Job/migrate', hookObject(running.hooks[0]!, 'apps'));
    expect((await runHooks(running, 'pre-install', opts)).record.hooks[0]!.last_run.phase).toBe('Succeeded');
    expect(exec.calls).toEqual(['create Job/migrate', 'wait Job/migrate']);
    exec.calls.length = 0;
    exec.objects.clear();
    expect((await runHooks(running, 'pre-install', opts)).record.hooks[0]!.last_run.phase).toBe('Succeeded');
    expect(exec.calls).toEqual(['create Job/migrate', 'wait Job/migrate']);
  });

  it('a hook of both the pre and the post event runs in each (ingress-nginx RBAC); a resume of the post event does not run it twice', async () => {
    const both = ['pre-install', 'post-install'];
    const { record, exec, opts, persisted } = parkable([
      hook('certgen', 'ServiceAccount', { events: both, delete_policies: ['before-hook-creation', 'hook-succeeded'] }),
      hook('patch', 'Job', { events: ['post-install'], weight: 1, delete_policies: ['before-hook-creation', 'hook-succeeded'] }),
    ]);
    const pre = await runHooks(record, 'pre-install', opts);
    expect(exec.calls).toEqual(['delete ServiceAccount/certgen', 'create ServiceAccount/certgen', 'wait ServiceAccount/certgen', 'delete ServiceAccount/certgen']);
    // The post event begins later: the account the pre event deleted is created again before the Job needs it.
    exec.calls.length = 0;
    exec.running.add('Job/patch');
    const since = opts.now();
    const parked = await runHooks(pre.record, 'post-install', { ...opts, since });
    expect(parked.parked).toBeDefined();
    expect(exec.calls).toEqual(['delete ServiceAccount/certgen', 'create ServiceAccount/certgen', 'wait ServiceAccount/certgen', 'delete Job/patch', 'create Job/patch', 'wait Job/patch']);
    // Resumed with the same start: the account's run belongs to this event now, so only the Job is waited for.
    exec.calls.length = 0;
    exec.running.clear();
    const done = await runHooks(persisted.at(-1)!, 'post-install', { ...opts, since });
    expect(done.record.hooks.map((h) => h.last_run.phase)).toEqual(['Succeeded', 'Succeeded']);
    expect(exec.calls).toEqual(['exists Job/patch', 'wait Job/patch', 'delete Job/patch', 'delete ServiceAccount/certgen']);
    // Without `since`, the pre event's run would have counted as done and the account never been created again.
    exec.calls.length = 0;
    await runHooks(pre.record, 'post-install', opts);
    expect(exec.calls).not.toContain('create ServiceAccount/certgen');
  });

  it('hooks a rollback copied with an older last_run run again', async () => {
    const { record, exec, opts } = parkable([hook('migrate', 'Job', { last_run: { started_at: '2024-12-31T00:00:00Z', completed_at: '2024-12-31T00:00:01Z', phase: 'Succeeded' } })]);
    const result = await runHooks(record, 'pre-install', opts);
    expect(result.record.hooks[0]!.last_run.started_at).not.toBe('2024-12-31T00:00:00Z');
    expect(exec.calls).toEqual(['delete Job/migrate', 'create Job/migrate', 'wait Job/migrate']);
  });
});

describe('hookObject', () => {
  it('parses the stored manifest', () => {
    expect(hookObject(hook('a', 'Job'), 'apps')).toEqual({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'a', namespace: 'apps' } });
  });
});
