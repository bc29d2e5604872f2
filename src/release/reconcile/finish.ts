/**
 * The end of a reconcile: from the plan a pass ended on, the records and the bookkeeping to the outcome the
 * controller writes. Ready says:
 * - in sync (plan none): True, with the deployed revision's Released reason and message, after the drift
 *   step (drift.ts), unless correcting drift failed (False, DriftCorrectionFailed, retried);
 * - stalled: False with the failure of this pass (its specific code: OwnershipConflict, WaitTimeout,
 *   HookFailed, …), or on later passes the reason it already showed; Stalled carries the planner's reason;
 * - otherwise False while retrying after a failure, or Unknown while progressing (locked, more to do).
 * A failure to retry is returned as `retry`: the controller's per-key backoff times the retry, not this file.
 * Computing the same thing from the same records makes a reconcile of an unchanged release write nothing.
 */
import type { HelmRelease, HelmReleaseSpec, HelmReleaseStatus } from '../../crds/generated/types.js';
import { parseDuration } from '../../crds/duration.js';
import { ConditionType, getCondition, type ReconcileState } from '../../runtime/conditions.js';
import type { ActionContext, ReleaseRef } from '../actions/context.js';
import type { Plan } from '../planner.js';
import type { ActResult, ParkedAction } from './act.js';
import { actionTitle, Reason, ReleaseCondition, releasedCondition } from './conditions.js';
import { Drifted, driftStep } from './drift.js';
import { deployedOf, releaseStatus } from './snapshot.js';
import type { ReleaseDriverDeps, ReleaseOutcome, ReleaseScope } from './types.js';

/** Default `spec.interval`: 10 minutes. */
export const DEFAULT_INTERVAL_MS = 10 * 60_000;

/** `intervalMs` with ±10 % jitter, so releases created together do not re-check in lockstep. */
export function jittered(intervalMs: number, random: () => number = Math.random): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random()));
}

/** When an in-sync release is looked at again: `spec.interval` (default 10 min) with jitter. */
function nextCheck(spec: HelmReleaseSpec, deps: Pick<ReleaseDriverDeps, 'random'>): number {
  return jittered(spec.interval === undefined ? DEFAULT_INTERVAL_MS : parseDuration(spec.interval, 'spec.interval'), deps.random);
}

/** What {@link finish} needs. */
export interface FinishInput {
  deps: ReleaseDriverDeps;
  hr: HelmRelease;
  spec: HelmReleaseSpec;
  scope: ReleaseScope;
  ctx: ActionContext;
  result: ActResult;
}

/** The reason and message Ready keeps on a later pass of a release already stalled for `p`'s reason. */
function stalledReady(hr: HelmRelease, p: Plan): Pick<ReconcileState, 'reason' | 'message'> {
  const ready = getCondition(hr.status?.conditions, ConditionType.Ready);
  const stalled = getCondition(hr.status?.conditions, ConditionType.Stalled);
  const same = ready?.status === 'False' && stalled?.status === 'True' && stalled.reason === p.reason && ready.observedGeneration === hr.metadata.generation;
  return same ? { reason: ready.reason, message: ready.message } : { reason: p.reason, message: p.message };
}

/**
 * A parked action as status: Progressing with what it waits for, and status.inProgress with the deadline
 * (the generation it was started for is kept across passes of the same revision). A watch event on what it
 * waits for wakes the reconcile; the requeue only enforces the deadline.
 */
export function parkedOutcome(hr: HelmRelease, release: ReleaseRef, waiting: ParkedAction, now: number): { state: ReconcileState; inProgress: NonNullable<HelmReleaseStatus['inProgress']>; requeueAfterMs: number } {
  const message = `${actionTitle(waiting.action)} of revision ${waiting.revision} of ${release.namespace}/${release.name}: ${waiting.message}`;
  const same = hr.status?.inProgress?.revision === waiting.revision && hr.status.inProgress.action === waiting.action;
  return {
    state: { phase: 'progressing', reason: Reason.Progressing, message },
    inProgress: {
      action: waiting.action,
      revision: waiting.revision,
      generation: same ? (hr.status?.inProgress?.generation ?? hr.metadata.generation ?? 0) : (hr.metadata.generation ?? 0),
      deadline: new Date(waiting.deadline).toISOString(),
      ...(waiting.hooksSince === undefined ? {} : { hooksSince: new Date(waiting.hooksSince).toISOString() }),
      ...(waiting.applied === true ? { applied: true } : {}),
      waitingOn: waiting.message,
    },
    requeueAfterMs: Math.max(1_000, waiting.deadline - now + 1_000),
  };
}

/** The outcome of a pass; see the module comment. */
export async function finish(input: FinishInput): Promise<ReleaseOutcome> {
  const { deps, hr, spec, scope, ctx, result } = input;
  const { plan: p, failure, conditions } = result;
  // The records of a release another HelmRelease manages describe that one, not this one.
  const fields = result.claimed === true ? {} : await releaseStatus(ctx, scope.release, result.history, scope.maxHistory);
  const status: Partial<HelmReleaseStatus> = { ...fields, ...result.attempt, inProgress: undefined };
  let state: ReconcileState;
  let requeueAfterMs: number | undefined;
  let retry: Error | undefined;
  const deployed = deployedOf(result.history)?.record;
  const { waiting } = result;
  if (waiting !== undefined) {
    const parked = parkedOutcome(hr, scope.release, waiting, (deps.now ?? Date.now)());
    state = parked.state;
    status.inProgress = parked.inProgress;
    requeueAfterMs = parked.requeueAfterMs;
  } else if (p.action === 'none' && deployed !== undefined) {
    const released = releasedCondition(deployed, scope.release);
    conditions.set(ReleaseCondition.Released, released);
    conditions.set(ReleaseCondition.Remediated, null);
    const drift = await driftStep({ deps, hr, spec, scope, ctx, deployed, acted: result.acted });
    conditions.set(Drifted.Type, drift.condition);
    if (drift.failure === undefined) {
      state = { phase: 'ready', reason: released.reason, message: released.message };
      requeueAfterMs = nextCheck(spec, deps);
    } else {
      state = { phase: 'retrying', reason: drift.failure.code, message: drift.failure.message };
      retry = drift.failure;
    }
  } else if (p.action === 'stalled') {
    const ready = failure === undefined ? stalledReady(hr, p) : { reason: failure.code, message: failure.message };
    state = { phase: 'stalled', ...ready };
    conditions.set(ConditionType.Stalled, { type: ConditionType.Stalled, status: 'True', reason: p.reason, message: p.message });
    // Look again now and then: the other HelmRelease may go away, and then its release is adopted.
    if (result.claimed === true) requeueAfterMs = nextCheck(spec, deps);
  } else if (p.action === 'wait') {
    state = { phase: 'progressing', reason: p.reason, message: p.message };
    requeueAfterMs = p.retryAfterMs ?? 10_000;
  } else if (failure !== undefined) {
    state = { phase: 'retrying', reason: failure.code, message: failure.message };
    retry = failure;
  } else {
    state = { phase: 'progressing', reason: p.reason, message: p.message };
    requeueAfterMs = 1_000;
  }
  const set = [...conditions.values()].filter((c) => c !== null);
  const removed = [...conditions.entries()].filter(([, c]) => c === null).map(([type]) => type);
  const out: ReleaseOutcome = { state, status };
  if (set.length > 0) out.conditions = set;
  if (removed.length > 0) out.removeConditions = removed;
  if (requeueAfterMs !== undefined) out.requeueAfterMs = requeueAfterMs;
  if (retry !== undefined) out.retry = retry;
  return out;
}
