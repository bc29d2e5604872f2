/**
 * What to do now, pure: given the work of a change (one item per component to move), the children as they
 * are and the time, which children to create, update or delete in this pass, and where every item stands.
 *
 * Order: items that go "down" (downgrades, removals, and every item of a rollback that reverts or removes
 * a component) run first, highest level first, so a component is downgraded or removed only after every
 * component that depends on it; then items that go "up" (installs, upgrades, re-installs of a rollback),
 * level 0 first, so a component changes only after every component it depends on is Ready at its target.
 * One stage (a direction and a level) runs at a time, at most `maxParallel` items of it at once. An up item
 * also waits for the components it depends on that the change does not move to be Ready (blockedBy).
 */
import type { HelmReleaseSpec } from '../crds/index.js';
import type { ObservedChild } from './children.js';

/** Where a component is going in this change. */
export type Target = { kind: 'apply'; spec: HelmReleaseSpec; digest: string } | { kind: 'delete' };

/** One component to move. */
export interface WorkItem {
  component: string;
  direction: 'up' | 'down';
  level: number;
  target: Target;
  /** Components that must be Ready before an up item starts. */
  dependsOn: string[];
  timeoutMs: number;
}

/** What a pass does to one child. */
export type Move = { component: string; kind: 'apply'; spec: HelmReleaseSpec; digest: string } | { component: string; kind: 'delete' };

/** Where one work item stands. */
export type ItemState =
  | { state: 'done' }
  | { state: 'running'; deadline?: number; message: string }
  | { state: 'failed'; message: string }
  | { state: 'pending' }
  | { state: 'blocked'; blockedBy: string[] };

/** The outcome of {@link schedule}. */
export interface Schedule {
  moves: Move[];
  items: Map<string, ItemState>;
  /** The first failed item, in stage order. */
  failed?: { component: string; message: string };
  /** Every item is done. */
  done: boolean;
  /** Epoch ms of the earliest deadline of a running item. */
  nextDeadline?: number;
}

/** The state of `item` from its child alone (pending: not yet moved toward its target). */
export function itemState(item: WorkItem, child: ObservedChild | undefined, now: number): ItemState {
  if (item.target.kind === 'delete') {
    if (child === undefined) return { state: 'done' };
    if (!child.deleting) return { state: 'pending' };
    return { state: 'running', message: child.message === '' ? 'uninstalling' : child.message };
  }
  if (child === undefined || child.deleting || child.digest !== item.target.digest) return { state: 'pending' };
  if (child.ready) return { state: 'done' };
  if (child.failed !== undefined) return { state: 'failed', message: child.failed };
  const deadline = child.changedAt === undefined ? undefined : child.changedAt + item.timeoutMs;
  if (deadline !== undefined && now >= deadline) {
    return { state: 'failed', message: `not Ready within its timeout of ${Math.round(item.timeoutMs / 1000)}s${child.message === '' ? '' : `: ${child.message}`}` };
  }
  const running: ItemState = { state: 'running', message: child.message };
  if (deadline !== undefined) running.deadline = deadline;
  return running;
}

/** The stages in running order: down items by level descending, then up items by level ascending. */
export function stages(items: readonly WorkItem[]): WorkItem[][] {
  const down = new Map<number, WorkItem[]>();
  const up = new Map<number, WorkItem[]>();
  for (const item of items) {
    const into = item.direction === 'down' ? down : up;
    const list = into.get(item.level) ?? [];
    list.push(item);
    into.set(item.level, list);
  }
  const sortedLevels = (m: Map<number, WorkItem[]>, dir: 1 | -1): WorkItem[][] =>
    [...m.keys()].sort((a, b) => dir * (a - b)).map((l) => (m.get(l) ?? []).sort((a, b) => a.component.localeCompare(b.component)));
  return [...sortedLevels(down, -1), ...sortedLevels(up, 1)];
}

/** Everything {@link schedule} reads. */
export interface ScheduleInput {
  items: readonly WorkItem[];
  children: ReadonlyMap<string, ObservedChild>;
  maxParallel: number;
  now: number;
}

/** See the module comment. */
export function schedule(input: ScheduleInput): Schedule {
  const { children, now } = input;
  const states = new Map<string, ItemState>();
  const moving = new Set(input.items.map((i) => i.component));
  const out: Schedule = { moves: [], items: states, done: true };
  let active: WorkItem[] | undefined;
  for (const stage of stages(input.items)) {
    for (const item of stage) {
      const s = itemState(item, children.get(item.component), now);
      states.set(item.component, s);
      if (s.state === 'failed' && out.failed === undefined) out.failed = { component: item.component, message: s.message };
      if (s.state === 'running' && s.deadline !== undefined) out.nextDeadline = Math.min(out.nextDeadline ?? Infinity, s.deadline);
    }
    if (active === undefined && stage.some((i) => states.get(i.component)?.state !== 'done')) active = stage;
  }
  if (active === undefined) return out;
  out.done = false;
  if (out.failed !== undefined) return out;
  let slots = input.maxParallel - active.filter((i) => states.get(i.component)?.state === 'running').length;
  for (const item of active) {
    if (states.get(item.component)?.state !== 'pending') continue;
    if (item.direction === 'up') {
      const blockedBy = item.dependsOn.filter((d) => !moving.has(d) && children.get(d)?.ready !== true);
      if (blockedBy.length > 0) {
        states.set(item.component, { state: 'blocked', blockedBy });
        continue;
      }
    }
    if (slots <= 0) continue;
    slots -= 1;
    out.moves.push(item.target.kind === 'delete' ? { component: item.component, kind: 'delete' } : { component: item.component, kind: 'apply', spec: item.target.spec, digest: item.target.digest });
    const deadline = item.target.kind === 'apply' ? now + item.timeoutMs : undefined;
    if (deadline !== undefined && Number.isFinite(deadline)) out.nextDeadline = Math.min(out.nextDeadline ?? Infinity, deadline);
    states.set(item.component, deadline === undefined ? { state: 'running', message: 'started' } : { state: 'running', message: 'started', deadline });
  }
  return out;
}
