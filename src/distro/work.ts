/**
 * The work items of a change, pure: a plan carried forward, or the same plan rolled back to the baseline.
 * Forward: installs and upgrades go up, downgrades and uninstalls go down. Rollback: every component the
 * plan moves goes back to its baseline spec (down), a component the baseline did not have is removed
 * (down), and one the plan removed is installed again (up).
 */
import type { HelmReleaseSpec } from '../crds/index.js';
import type { DesiredComponent } from './desired.js';
import type { Baseline, Plan } from './plan.js';
import type { WorkItem } from './schedule.js';

/** The default step timeout when a baseline component is restored (HelmRelease's default timeout). */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** A work item removing `component` (its child deleted). */
function removal(component: string, level: number, timeoutMs: number): WorkItem {
  return { component, direction: 'down', level, target: { kind: 'delete' }, dependsOn: [], timeoutMs };
}

/** A work item moving `component` to the child spec `to` (digest and dependencies included). */
function move(component: string, direction: 'up' | 'down', level: number, to: { spec: HelmReleaseSpec; digest: string; dependsOn: string[] }, timeoutMs: number): WorkItem {
  return { component, direction, level, target: { kind: 'apply', spec: to.spec, digest: to.digest }, dependsOn: to.dependsOn, timeoutMs };
}

/** The work of carrying `plan` out. */
export function forwardWork(plan: Plan, desired: readonly DesiredComponent[]): WorkItem[] {
  const byName = new Map(desired.map((d) => [d.name, d] as const));
  const items: WorkItem[] = [];
  for (const step of plan.steps) {
    if (step.action === 'none') continue;
    const d = byName.get(step.component);
    if (step.action === 'uninstall' || d === undefined) {
      items.push(removal(step.component, step.level, DEFAULT_TIMEOUT_MS));
      continue;
    }
    items.push(move(d.name, step.action === 'downgrade' ? 'down' : 'up', d.level, d, d.timeoutMs));
  }
  return items;
}

/** The work of undoing `plan`: every component it moves returns to `baseline` (see the module comment). */
export function rollbackWork(plan: Plan, baseline: Baseline | undefined, desired: readonly DesiredComponent[]): WorkItem[] {
  const before = new Map((baseline?.components ?? []).map((c) => [c.name, c] as const));
  const timeouts = new Map(desired.map((d) => [d.name, d.timeoutMs] as const));
  const items: WorkItem[] = [];
  for (const step of plan.steps) {
    if (step.action === 'none') continue;
    const b = before.get(step.component);
    const timeoutMs = timeouts.get(step.component) ?? DEFAULT_TIMEOUT_MS;
    if (b === undefined) {
      items.push(removal(step.component, step.level, timeoutMs));
      continue;
    }
    items.push(move(b.name, step.action === 'uninstall' ? 'up' : 'down', step.level, b, timeoutMs));
  }
  return items;
}
