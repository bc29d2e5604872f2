import { describe, expect, it } from 'vitest';
import { desiredComponents } from './desired.js';
import { schedule, stages, type WorkItem } from './schedule.js';
import { child, comp, distro, observed } from './testing/builders.js';

function up(component: string, level: number, digest = `d-${component}`, dependsOn: string[] = []): WorkItem {
  return { component, direction: 'up', level, target: { kind: 'apply', spec: { chart: {} }, digest }, dependsOn, timeoutMs: 60_000 };
}
function down(component: string, level: number): WorkItem {
  return { component, direction: 'down', level, target: { kind: 'delete' }, dependsOn: [], timeoutMs: 60_000 };
}

describe('stages', () => {
  it('runs down items highest level first, then up items lowest level first', () => {
    const order = stages([up('a', 0), down('x', 0), up('b', 1), down('y', 2), up('c', 1)]).map((s) => s.map((i) => i.component).join('+'));
    expect(order).toEqual(['y', 'x', 'a', 'b+c']);
  });
});

describe('schedule', () => {
  const d = distro([comp('pki', '1.0.0'), comp('db', '1.0.0', { dependsOn: ['pki'] }), comp('cache', '1.0.0', { dependsOn: ['pki'] }), comp('web', '1.0.0', { dependsOn: ['db', 'cache'] })]);
  const desired = desiredComponents(d).components;
  const items: WorkItem[] = desired.map((c) => ({ component: c.name, direction: 'up', level: c.level, target: { kind: 'apply', spec: c.spec, digest: c.digest }, dependsOn: c.dependsOn, timeoutMs: 60_000 }));
  const byName = new Map(d.spec.components?.map((c) => [c.name, c] as const));
  const at = (name: string, shape = {}) => child(d, byName.get(name)!, shape);

  it('starts level 0 first, and nothing of level 1 before level 0 is Ready', () => {
    expect(schedule({ items, children: new Map(), maxParallel: 4, now: 0 }).moves.map((m) => m.component)).toEqual(['pki']);
    const running = schedule({ items, children: observed(at('pki', { ready: false, changedAt: 0 })), maxParallel: 4, now: 1 });
    expect(running.moves).toEqual([]);
    expect(running.items.get('pki')).toMatchObject({ state: 'running' });
    expect(running.items.get('db')).toEqual({ state: 'pending' });
  });

  it('starts independent components of a level together, at most maxParallel at once', () => {
    const kids = observed(at('pki'));
    expect(schedule({ items, children: kids, maxParallel: 2, now: 0 }).moves.map((m) => m.component)).toEqual(['cache', 'db']);
    expect(schedule({ items, children: kids, maxParallel: 1, now: 0 }).moves.map((m) => m.component)).toEqual(['cache']);
    const one = observed(at('pki'), at('cache', { ready: false, changedAt: 0 }));
    expect(schedule({ items, children: one, maxParallel: 1, now: 1 }).moves).toEqual([]);
  });

  it('is done when every item is Ready at its target', () => {
    const s = schedule({ items, children: observed(at('pki'), at('db'), at('cache'), at('web')), maxParallel: 4, now: 0 });
    expect(s.done).toBe(true);
    expect(s.moves).toEqual([]);
  });

  it('fails an item whose child failed, or that is not Ready by its deadline, and moves nothing more', () => {
    const failed = schedule({ items, children: observed(at('pki', { failed: 'hook failed' })), maxParallel: 4, now: 0 });
    expect(failed.failed).toEqual({ component: 'pki', message: 'UpgradeFailed: hook failed' });
    expect(failed.moves).toEqual([]);
    const slow = schedule({ items, children: observed(at('pki', { ready: false, changedAt: 1_000 })), maxParallel: 4, now: 61_000 });
    expect(slow.failed?.message).toMatch(/not Ready within its timeout of 60s/);
    const early = schedule({ items, children: observed(at('pki', { ready: false, changedAt: 1_000 })), maxParallel: 4, now: 30_000 });
    expect(early.failed).toBeUndefined();
    expect(early.nextDeadline).toBe(61_000);
  });

  it('blocks an item on a dependency the change does not move until it is Ready', () => {
    const only = [items[3]!];
    const blocked = schedule({ items: only, children: observed(at('db'), at('cache', { ready: false })), maxParallel: 4, now: 0 });
    expect(blocked.items.get('web')).toEqual({ state: 'blocked', blockedBy: ['cache'] });
    expect(blocked.moves).toEqual([]);
  });

  it('deletes children highest level first and waits until each is gone', () => {
    const dels = [down('pki', 0), down('db', 1), down('web', 2)];
    const all = observed(at('pki'), at('db'), at('web'));
    expect(schedule({ items: dels, children: all, maxParallel: 4, now: 0 }).moves).toEqual([{ component: 'web', kind: 'delete' }]);
    const deleting = observed(at('pki'), at('db'), at('web', { deleting: true }));
    expect(schedule({ items: dels, children: deleting, maxParallel: 4, now: 0 }).moves).toEqual([]);
    expect(schedule({ items: dels, children: observed(at('pki'), at('db')), maxParallel: 4, now: 0 }).moves).toEqual([{ component: 'db', kind: 'delete' }]);
  });
});
