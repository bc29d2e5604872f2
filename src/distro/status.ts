/**
 * status.components and the plan as status shows them, pure: one entry per component (enabled, disabled,
 * or being removed) with its phase in the change, the chart version and Helm revision its child reports,
 * what it waits for, and why it failed.
 */
import type { ComponentPhase, ComponentStatus, DistroPlan as StatusPlan, PlanAction } from '../crds/index.js';
import type { ObservedChild } from './children.js';
import type { DesiredDistro } from './desired.js';
import type { Plan } from './plan.js';
import type { ItemState } from './schedule.js';

/** What the change is doing, for the phase of a moving component. */
export type Mode = 'forward' | 'rollback' | 'idle';

/** Everything {@link componentStatuses} reads. */
export interface StatusInput {
  desired: DesiredDistro;
  plan: Plan;
  children: ReadonlyMap<string, ObservedChild>;
  /** The work items' states (none while no change runs). */
  items?: ReadonlyMap<string, ItemState>;
  mode: Mode;
  /** Manual components the plan waits to have approved. */
  awaitingApproval?: ReadonlySet<string>;
}

/** The plan as status.plan shows it. */
export function statusPlan(plan: Plan): StatusPlan {
  return { id: plan.id, steps: plan.steps.map((s) => ({ component: s.component, action: s.action, from: s.from, to: s.to, level: s.level })) };
}

function runningPhase(action: PlanAction | undefined, mode: Mode): ComponentPhase {
  if (mode === 'rollback') return 'RollingBack';
  return action === 'install' ? 'Installing' : 'Upgrading';
}

function idlePhase(child: ObservedChild | undefined): { phase: ComponentPhase; message?: string } {
  if (child === undefined) return { phase: 'Pending', message: 'not installed yet' };
  if (child.ready) return { phase: 'Ready' };
  if (child.failed !== undefined) return { phase: 'Failed', message: child.failed };
  return { phase: 'Pending', message: child.message };
}

/** One entry per component, in plan order; see the module comment. */
export function componentStatuses(input: StatusInput): ComponentStatus[] {
  const { plan, children, items, mode } = input;
  const disabled = new Set(input.desired.disabled);
  const out: ComponentStatus[] = [];
  const seen = new Set<string>();
  for (const step of plan.steps) {
    seen.add(step.component);
    const child = children.get(step.component);
    const state = items?.get(step.component);
    let entry: { phase: ComponentPhase; message?: string; blockedBy?: string[] };
    if (input.awaitingApproval !== undefined && input.awaitingApproval.size > 0 && step.action !== 'none') {
      entry = input.awaitingApproval.has(step.component)
        ? { phase: 'AwaitingApproval', message: `Manual component: ${step.action} ${step.from} -> ${step.to || '(removed)'} waits for spec.approvedPlan` }
        : { phase: 'Pending', message: 'waiting for the plan to be approved' };
    } else if (state === undefined) {
      entry = step.action === 'uninstall' && disabled.has(step.component) ? { phase: 'Disabled' } : idlePhase(child);
      if (step.notSelected !== undefined) entry = { ...entry, message: `not selected by spec.selector (would ${step.notSelected} ${step.from} -> ${step.to})` };
    } else {
      switch (state.state) {
        case 'done':
          entry = step.action === 'uninstall' || (mode === 'rollback' && child === undefined) ? { phase: disabled.has(step.component) ? 'Disabled' : 'Pending', message: 'removed' } : { phase: 'Ready' };
          break;
        case 'running':
          entry = { phase: runningPhase(step.action, mode), message: state.message };
          break;
        case 'failed':
          entry = { phase: 'Failed', message: state.message };
          break;
        case 'blocked':
          entry = { phase: 'Blocked', message: `waiting for ${state.blockedBy.join(', ')} to be Ready`, blockedBy: state.blockedBy };
          break;
        default:
          entry = { phase: 'Pending', message: mode === 'rollback' ? 'waiting to be rolled back' : `waiting for its turn (level ${step.level})` };
      }
    }
    out.push(withChild({ name: step.component, ...entry }, child));
  }
  for (const name of disabled) {
    if (!seen.has(name)) out.push({ name, phase: 'Disabled' });
  }
  return out;
}

function withChild(entry: ComponentStatus, child: ObservedChild | undefined): ComponentStatus {
  const out: ComponentStatus = { ...entry };
  if (out.message === '' || out.message === undefined) delete out.message;
  if (child?.chartVersion !== undefined) out.chartVersion = child.chartVersion;
  if (child?.releaseRevision !== undefined) out.releaseRevision = child.releaseRevision;
  return out;
}
