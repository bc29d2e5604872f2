/**
 * Reasons, conditions and events of release actions, as pure functions: `Released` says how the last install
 * or upgrade went, `Remediated` how the last rollback or uninstall that repaired a failure went; each action
 * outcome becomes one Kubernetes Event (`InstallSucceeded`, `UpgradeFailed`, …). The in-sync `Released`
 * condition is computed from the deployed record alone, so every later reconcile computes the same one.
 */
import type { ConditionInput } from '../../runtime/conditions.js';
import type { EventInput } from '../../runtime/events.js';
import type { ActionOutcome, ReleaseRef } from '../actions/context.js';
import type { PlanAction } from '../planner.js';
import type { ReleaseRecord } from '../record.js';
import { recordAction } from './snapshot.js';

/** The release condition types besides Ready, Reconciling and Stalled. */
export const ReleaseCondition = { Released: 'Released', Remediated: 'Remediated', TestSuccess: 'TestSuccess' } as const;

/** Reasons the driver sets that are not action outcomes or error codes. */
export const Reason = {
  Progressing: 'Progressing',
  Suspended: 'Suspended',
  DependencyNotReady: 'DependencyNotReady',
  Uninstalling: 'Uninstalling',
  UninstallFailed: 'UninstallFailed',
} as const;

/** The actions that change the cluster or the records. */
export type ActingPlan = 'install' | 'upgrade' | 'rollback' | 'uninstall' | 'unlock';

/** The plan actions that run an action module: the acting ones, and `resume` (the tail of a parked one). */
export type RunnablePlan = ActingPlan | 'resume';

/** True for the plan actions that run an action module. */
export function isActing(action: PlanAction): action is RunnablePlan {
  return action === 'install' || action === 'upgrade' || action === 'rollback' || action === 'uninstall' || action === 'unlock' || action === 'resume';
}

/** `Install`, `Upgrade`, …: the Event action and the reason prefix. */
export function actionTitle(action: string): string {
  return action.charAt(0).toUpperCase() + action.slice(1);
}

/** `InstallSucceeded`, `UpgradeFailed`, … */
export function outcomeReason(action: string, ok: boolean): string {
  return `${actionTitle(action)}${ok ? 'Succeeded' : 'Failed'}`;
}

/**
 * The condition an action outcome sets: Released for install/upgrade, Remediated for rollback/uninstall.
 * An install or upgrade whose tests failed was still released: Released=True (TestSuccess says the rest).
 */
export function outcomeCondition(action: ActingPlan, outcome: ActionOutcome, release: ReleaseRef): Omit<ConditionInput, 'observedGeneration'> | undefined {
  if (action === 'unlock' || outcome.status === 'waiting') return undefined;
  if (outcome.tests?.error !== undefined && outcome.record !== undefined) return releasedCondition(outcome.record, release);
  const type = action === 'install' || action === 'upgrade' ? ReleaseCondition.Released : ReleaseCondition.Remediated;
  if (outcome.status === 'failed') return { type, status: 'False', reason: outcomeReason(action, false), message: outcome.error.message };
  if (type === ReleaseCondition.Released && outcome.record !== undefined) return releasedCondition(outcome.record, release);
  return { type, status: 'True', reason: outcomeReason(action, true), message: outcome.message };
}

/** Released=True for a deployed record: `Helm upgrade succeeded for release apps/web.v3 with chart web@1.2.0`. */
export function releasedCondition(record: ReleaseRecord, release: ReleaseRef): Omit<ConditionInput, 'observedGeneration'> {
  const action = recordAction(record);
  const chart = `${record.chart?.metadata?.name ?? '?'}@${record.chart?.metadata?.version ?? '?'}`;
  return {
    type: ReleaseCondition.Released,
    status: 'True',
    reason: outcomeReason(action, true),
    message: `Helm ${action} succeeded for release ${release.namespace}/${release.name}.v${record.version} with chart ${chart}`,
  };
}

/** TestSuccess after the chart tests ran: True (TestSucceeded) or False (TestFailed, naming the hook). */
export function testCondition(outcome: ActionOutcome): Omit<ConditionInput, 'observedGeneration'> | undefined {
  const tests = outcome.status === 'waiting' ? undefined : outcome.tests;
  if (tests === undefined) return undefined;
  const revision = outcome.record?.version ?? 0;
  if (tests.error !== undefined) return { type: ReleaseCondition.TestSuccess, status: 'False', reason: 'TestFailed', message: `revision ${revision}: ${tests.error.message}` };
  const message = tests.hooks === 0 ? `revision ${revision} has no test hooks` : `${tests.hooks} test hook(s) of revision ${revision} passed`;
  return { type: ReleaseCondition.TestSuccess, status: 'True', reason: 'TestSucceeded', message };
}

/** The Events of an action outcome: one for the action, and one for its tests when they ran. */
export function outcomeEvents(action: ActingPlan, outcome: ActionOutcome): EventInput[] {
  const tests = testCondition(outcome);
  if (tests === undefined) return [outcomeEvent(action, outcome)];
  const released = { type: 'Normal' as const, reason: outcomeReason(action, true), action: actionTitle(action), note: outcome.record === undefined ? '' : releasedCondition(outcome.record, { name: outcome.record.name, namespace: outcome.record.namespace }).message };
  return [released, { type: tests.status === 'True' ? 'Normal' : 'Warning', reason: tests.reason, action: 'Test', note: tests.message }];
}

/** The one Event of an action outcome. */
export function outcomeEvent(action: ActingPlan, outcome: ActionOutcome): EventInput {
  if (outcome.status === 'failed') return { type: 'Warning', reason: outcomeReason(action, false), action: actionTitle(action), note: outcome.error.message };
  return { type: 'Normal', reason: outcomeReason(action, true), action: actionTitle(action), note: outcome.message };
}
