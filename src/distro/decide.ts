/**
 * The distro's state machine, pure: given the plan, the children, the change under way (status.attempt) and
 * the last revision, decide what this pass does. In order:
 * - paused: nothing (the plan is still shown);
 * - no change in the plan: keep each child at its spec (a hand edit is put back), report readiness;
 * - the same plan failed before (rolled back or halted) and no new maglev.io/force-at: nothing;
 * - a Manual component would be upgraded, downgraded or removed and spec.approvedPlan is not this plan: nothing;
 * - else carry the plan out (or, after a failure with onFailure rollback, roll it back) one stage at a time.
 */
import type { DistroAttempt, DistroRevision } from '../crds/index.js';
import type { ObservedChild } from './children.js';
import type { DesiredDistro } from './desired.js';
import { changes, needingApproval, type Baseline, type Plan } from './plan.js';
import { schedule, type Move, type Schedule } from './schedule.js';
import { forwardWork, rollbackWork } from './work.js';

/** Everything {@link decide} reads. */
export interface DecideInput {
  plan: Plan;
  desired: DesiredDistro;
  children: ReadonlyMap<string, ObservedChild>;
  baseline?: Baseline;
  attempt?: DistroAttempt;
  /** The newest distro revision (status.history[0]). */
  last?: DistroRevision;
  approvedPlan?: string;
  paused: boolean;
  onFailure: 'rollback' | 'halt';
  maxParallel: number;
  /** A maglev.io/force-at token not handled yet. */
  force?: string;
  now: number;
}

/** What a pass does; see the module comment. */
export type Decision =
  | { kind: 'paused' }
  | { kind: 'steady'; moves: Move[]; waiting: string[]; failed: { component: string; message: string }[] }
  | { kind: 'failedBefore'; revision: DistroRevision }
  | { kind: 'awaitingApproval'; components: string[] }
  | { kind: 'run'; attempt: DistroAttempt; schedule: Schedule; mode: 'forward' | 'rollback' }
  | { kind: 'done'; attempt: DistroAttempt; mode: 'forward' | 'rollback' }
  | { kind: 'failed'; attempt: DistroAttempt; mode: 'forward' | 'rollback'; component: string; message: string };

/** Children whose spec differs from the wanted one (selected components only), and readiness of the rest. */
function steady(input: DecideInput): Decision {
  const moves: Move[] = [];
  const waiting: string[] = [];
  const failed: { component: string; message: string }[] = [];
  for (const d of input.desired.components) {
    const child = input.children.get(d.name);
    if (d.selected && (child === undefined || (!child.deleting && child.digest !== d.digest))) {
      moves.push({ component: d.name, kind: 'apply', spec: d.spec, digest: d.digest });
      waiting.push(d.name);
    } else if (child?.failed !== undefined) failed.push({ component: d.name, message: child.failed });
    else if (child?.ready !== true) waiting.push(d.name);
  }
  return { kind: 'steady', moves, waiting, failed };
}

/** See the module comment. */
export function decide(input: DecideInput): Decision {
  const { plan, attempt, last } = input;
  if (input.paused) return { kind: 'paused' };
  if (!changes(plan)) return steady(input);
  const sameAttempt = attempt?.planId === plan.id;
  if (!sameAttempt) {
    if (last !== undefined && last.planId === plan.id && (last.status === 'rolled-back' || last.status === 'failed') && input.force === undefined) {
      return { kind: 'failedBefore', revision: last };
    }
    const manual = new Set([
      ...input.desired.components.filter((d) => d.manual).map((d) => d.name),
      ...(input.baseline?.components ?? []).filter((b) => b.manual === true).map((b) => b.name),
    ]);
    const awaiting = needingApproval(plan, manual);
    if (awaiting.length > 0 && input.approvedPlan !== plan.id) return { kind: 'awaitingApproval', components: awaiting };
  }
  // A new plan (spec changed mid-change) continues from where the children are, forward.
  const current: DistroAttempt = sameAttempt && attempt !== undefined ? attempt : { planId: plan.id, phase: 'Progressing', startedAt: new Date(input.now).toISOString() };
  const mode = current.phase === 'RollingBack' ? 'rollback' : 'forward';
  const items = mode === 'rollback' ? rollbackWork(plan, input.baseline, input.desired.components) : forwardWork(plan, input.desired.components);
  const s = schedule({ items, children: input.children, maxParallel: input.maxParallel, now: input.now });
  if (s.failed !== undefined) {
    if (mode === 'forward' && input.onFailure === 'rollback' && input.baseline !== undefined) {
      const rolling: DistroAttempt = { ...current, phase: 'RollingBack', failed: s.failed.component, message: s.failed.message };
      const back = schedule({ items: rollbackWork(plan, input.baseline, input.desired.components), children: input.children, maxParallel: input.maxParallel, now: input.now });
      if (back.done) return { kind: 'done', attempt: rolling, mode: 'rollback' };
      return { kind: 'run', attempt: rolling, schedule: back, mode: 'rollback' };
    }
    return { kind: 'failed', attempt: current, mode, component: s.failed.component, message: s.failed.message };
  }
  if (s.done) return { kind: 'done', attempt: current, mode };
  return { kind: 'run', attempt: current, schedule: s, mode };
}
