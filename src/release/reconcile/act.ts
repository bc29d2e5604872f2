/**
 * Plan, act, record, plan again, within one reconcile (Flux's atomic release, bounded):
 * - a successful install or upgrade ends the pass, and so does any remediation (rollback, uninstall);
 * - a failed install or upgrade goes on only to its remediation or unlock (a plain retry waits for a requeue);
 * - an unlock goes on to whatever comes next; at most {@link MAX_STEPS} actions run.
 * Each action is announced (Reconciling=True), timed for metrics, reported as one Event, and booked with
 * recordAttempt (failure counters, lastAttempted, handled force/reset tokens). Nothing here writes status.
 */
import type { HelmRelease, HelmReleaseSpec } from '../../crds/generated/types.js';
import { errorMessage, type MaglevError } from '../../errors.js';
import { refOf } from '../../runtime/object.js';
import type { ConditionInput } from '../../runtime/conditions.js';
import type { ActionContext, ActionOutcome } from '../actions/context.js';
import { recordAttempt, type AttemptStatus } from '../attempts.js';
import { plan, type Plan, type PlanInput } from '../planner.js';
import type { StoredRelease } from '../storage.js';
import { summarizeRecord } from '../summary.js';
import { actionTitle, isActing, outcomeCondition, outcomeEvents, ReleaseCondition, Reason, testCondition, type ActingPlan, type RunnablePlan } from './conditions.js';
import type { DesiredRelease } from './inputs.js';
import { claimedBy, claimedMessage, RELEASE_CLAIMED } from './claim.js';
import { runAction, type Renderer } from './run.js';
import type { ProgressReporter, ReleaseDriverDeps, ReleaseScope } from './types.js';

/** Most actions one reconcile runs (e.g. unlock → upgrade → rollback). */
export const MAX_STEPS = 3;

/** The bookkeeping status fields a pass maintains. */
export type AttemptState = AttemptStatus & { lastHandledForceAt?: string; lastHandledResetAt?: string };

/** A condition to set, or null to remove it. */
export type ConditionChange = Omit<ConditionInput, 'observedGeneration'> | null;

/** What a pass needs. */
export interface ActInput {
  deps: ReleaseDriverDeps;
  hr: HelmRelease;
  spec: HelmReleaseSpec;
  scope: ReleaseScope;
  ctx: ActionContext;
  desired: DesiredRelease;
  timeoutMs: number;
  render: Renderer;
  progress: ProgressReporter;
  /** Runs once before the first action (adds the finalizer). */
  beforeAction: () => Promise<void>;
}

/** Where a pass ended: the plan for what comes next, the records, the bookkeeping and the conditions. */
export interface ActResult {
  plan: Plan;
  history: StoredRelease[];
  attempt: AttemptState;
  /** The last action failure of this pass, if any. */
  failure?: MaglevError;
  conditions: Map<string, ConditionChange>;
  /** Whether the pass ran any action. */
  acted: boolean;
  /** True when another HelmRelease manages the release (claim.ts); nothing was planned. */
  claimed?: boolean;
  /** Set when the pass ended with a revision parked while its objects become ready (status.inProgress). */
  waiting?: ParkedAction;
}

/** An action parked while what it waits for (objects, a hook, deletion) is not there yet: status.inProgress. */
export interface ParkedAction {
  /** `test`: the install or upgrade is done, and its chart tests run. */
  action: 'install' | 'upgrade' | 'rollback' | 'uninstall' | 'test';
  revision: number;
  deadline: number;
  message: string;
  /** When the hook event it is parked in began, for an event after the action's first (ActionOutcome). */
  hooksSince?: number;
  /** Parked after its objects were applied (ActionOutcome). */
  applied?: boolean;
}

/** Where a parked action stands, as status.inProgress recorded it: what {@link runAction} resumes from. */
export interface ParkedWait {
  /** When the parked wait fails, ms since the epoch. */
  deadline: number;
  /** See {@link ParkedAction.hooksSince}. */
  hooksSince?: number;
  /** See {@link ParkedAction.applied}. */
  applied?: boolean;
}

/** The planner's input; `afterStep`: a step of this pass ran, so status.inProgress (read before it) is spent. */
function planInput(input: ActInput, history: readonly StoredRelease[], attempt: AttemptState, afterStep = false): PlanInput {
  const now = (input.deps.now ?? Date.now)();
  return {
    spec: input.spec,
    generation: input.hr.metadata.generation ?? 0,
    status: attempt,
    releases: history.map((s) => summarizeRecord(s, input.hr.metadata.uid)),
    desired: { chartName: input.desired.fetched.name, chartVersion: input.desired.fetched.version, valuesDigest: input.desired.digest },
    annotations: input.hr.metadata.annotations ?? {},
    handled: { forceAt: attempt.lastHandledForceAt, resetAt: attempt.lastHandledResetAt },
    lock: { self: input.deps.identity, now, staleAfterMs: input.timeoutMs + 30_000, ...(input.deps.leaderElected === true ? { elected: true } : {}) },
    ...(afterStep ? {} : parkedOf(input.hr)),
  };
}

/** status.inProgress as the planner reads it. */
function parkedOf(hr: HelmRelease): Pick<PlanInput, 'inProgress'> {
  const p = hr.status?.inProgress;
  if (p?.action === undefined || p.revision === undefined || p.generation === undefined) return {};
  if (p.action !== 'install' && p.action !== 'upgrade' && p.action !== 'rollback' && p.action !== 'test') return {};
  return { inProgress: { action: p.action, revision: p.revision, generation: p.generation } };
}

/**
 * The parked wait status.inProgress records (its deadline, and when its hook event began); undefined when
 * none is recorded, or when it was recorded for another action than `action`.
 */
export function parkedWait(hr: HelmRelease, action?: ParkedAction['action']): ParkedWait | undefined {
  const p = hr.status?.inProgress;
  if (p === undefined || (action !== undefined && p.action !== action)) return undefined;
  const deadline = p.deadline === undefined ? NaN : Date.parse(p.deadline);
  if (Number.isNaN(deadline)) return undefined;
  const since = p.hooksSince === undefined ? NaN : Date.parse(p.hooksSince);
  return { deadline, ...(Number.isNaN(since) ? {} : { hooksSince: since }), ...(p.applied === true ? { applied: true } : {}) };
}

/** lastAttempted for an install or upgrade that started (the inputs the planner compares with). */
function attemptedInputs(input: ActInput, action: 'install' | 'upgrade'): NonNullable<AttemptState['lastAttempted']> {
  return { generation: input.hr.metadata.generation ?? 0, chartVersion: input.desired.fetched.version, valuesDigest: input.desired.digest, action };
}

function book(input: ActInput, attempt: AttemptState, p: Plan, outcome: 'succeeded' | 'failed'): AttemptState {
  const desired = { chartVersion: input.desired.fetched.version, valuesDigest: input.desired.digest };
  const next: AttemptState = { ...attempt, ...recordAttempt({ status: attempt, plan: p, outcome, generation: input.hr.metadata.generation ?? 0, desired }) };
  if (p.handled.resetAt !== undefined) next.lastHandledResetAt = p.handled.resetAt;
  if (p.handled.forceAt !== undefined && isActing(p.action)) next.lastHandledForceAt = p.handled.forceAt;
  return next;
}

async function timed(input: ActInput, p: Plan & { action: RunnablePlan }): Promise<ActionOutcome> {
  const started = (input.deps.now ?? Date.now)();
  const seconds = (): number => ((input.deps.now ?? Date.now)() - started) / 1000;
  const { release } = input.scope;
  try {
    const parked = p.action === 'resume' ? parkedWait(input.hr) : p.action === 'uninstall' ? parkedWait(input.hr, 'uninstall') : undefined;
    const outcome = await runAction({ ctx: input.ctx, plan: p, release, spec: input.spec, timeoutMs: input.timeoutMs, desired: input.desired, render: input.render, ...(parked === undefined ? {} : { parked }) });
    const action = doneBy(p, pickAttempt(input.hr));
    const fields = { action, release: `${release.namespace}/${release.name}`, revision: outcome.record?.version, seconds: seconds() };
    if (outcome.status === 'waiting') {
      input.scope.log.info({ ...fields, waitingOn: outcome.message }, 'release action waiting for its objects');
    } else {
      input.deps.onAction?.(action, outcome.status, fields.seconds);
      if (outcome.status === 'failed') input.scope.log.warn({ ...fields, code: outcome.error.code, err: outcome.error.message, aborted: input.scope.signal.aborted }, 'release action failed');
      else input.scope.log.info(fields, 'release action succeeded');
    }
    return outcome;
  } catch (err) {
    input.deps.onAction?.(p.action, 'error', seconds());
    input.scope.log.warn({ action: p.action, release: `${release.namespace}/${release.name}`, err: errorMessage(err) }, 'release action threw');
    throw err;
  }
}

/**
 * The action a step does for conditions, events, counters and metrics: a resume finishes the action it
 * resumes; resumed chart tests finish the install or upgrade that ran them (status.lastAttempted).
 */
function doneBy(p: Plan & { action: RunnablePlan }, attempt: AttemptState): ActingPlan {
  if (p.action !== 'resume') return p.action;
  if (p.resumes !== 'test') return p.resumes ?? 'upgrade';
  return attempt.lastAttempted?.action === 'install' ? 'install' : 'upgrade';
}

/** Runs the pass; see the module comment. */
export async function planAndAct(input: ActInput): Promise<ActResult> {
  const { ctx, scope } = input;
  const conditions = new Map<string, ConditionChange>();
  let attempt: AttemptState = { ...pickAttempt(input.hr) };
  let history = await ctx.storage.history(scope.release.name);
  const claim = await claimedBy(input.deps, input.hr, history.at(-1), scope.impersonate);
  if (claim !== undefined) {
    const claimed: Plan = { action: 'stalled', reason: RELEASE_CLAIMED, message: claimedMessage(scope.release, claim), resetCounters: false, handled: {} };
    return { plan: claimed, history, attempt, conditions, acted: false, claimed: true };
  }
  let p = plan(planInput(input, history, attempt));
  let failure: MaglevError | undefined;
  let acted = false;
  let waiting: ActResult['waiting'];
  for (let step = 0; step < MAX_STEPS && isActing(p.action); step++) {
    const acting = p as Plan & { action: RunnablePlan };
    // What the step does for conditions, events and counters: a resume finishes the action it resumes.
    const did = doneBy(acting, attempt);
    if (step === 0) await input.beforeAction();
    if (acting.action !== 'resume') {
      await input.progress.progress({ phase: 'progressing', reason: Reason.Progressing, message: `${actionTitle(acting.action)} of ${scope.release.namespace}/${scope.release.name}: ${acting.message}` });
    }
    acted = true;
    const outcome = await timed(input, acting);
    if (outcome.status === 'waiting') {
      if (did === 'install' || did === 'upgrade') attempt = { ...attempt, lastAttempted: attemptedInputs(input, did) };
      // The force (or reset) token this action was started for is spent once it runs, parked or not: left
      // unhandled, the next pass would start yet another forced upgrade over the one that waits.
      if (acting.handled.forceAt !== undefined && isActing(acting.action)) attempt = { ...attempt, lastHandledForceAt: acting.handled.forceAt };
      if (acting.handled.resetAt !== undefined) attempt = { ...attempt, lastHandledResetAt: acting.handled.resetAt };
      const parked = outcome.phase === 'test' ? 'test' : did === 'install' || did === 'upgrade' || did === 'uninstall' ? did : 'rollback';
      waiting = {
        action: parked,
        revision: outcome.record.version,
        deadline: outcome.deadline,
        message: outcome.message,
        ...(outcome.hooksSince === undefined ? {} : { hooksSince: outcome.hooksSince }),
        ...(outcome.applied === true ? { applied: true } : {}),
      };
      history = await ctx.storage.history(scope.release.name);
      break;
    }
    attempt = book(input, attempt, { ...acting, action: did }, outcome.status);
    for (const event of outcomeEvents(did, outcome)) await input.deps.events.record(refOf(input.hr), event);
    const condition = outcomeCondition(did, outcome, scope.release);
    if (condition !== undefined) conditions.set(condition.type, condition);
    if (did === 'install' || did === 'upgrade') conditions.set(ReleaseCondition.TestSuccess, testCondition(outcome) ?? null);
    if (condition?.type === ReleaseCondition.Released && condition.status === 'True') conditions.set(ReleaseCondition.Remediated, null);
    if (outcome.status === 'failed') failure = outcome.error;
    history = await ctx.storage.history(scope.release.name);
    const next = plan(planInput(input, history, attempt, true));
    const remediation = did === 'rollback' || did === 'uninstall';
    const goOn = acting.action === 'unlock' || (outcome.status === 'failed' && !remediation && ['rollback', 'uninstall', 'unlock'].includes(next.action));
    p = next;
    // Superseded (a newer generation) or stopping: no remediation on behalf of a spec that is gone.
    if (!goOn || scope.signal.aborted) break;
  }
  if (waiting !== undefined) return { plan: p, history, attempt, failure, conditions, acted, waiting };
  if (!isActing(p.action)) attempt = book(input, attempt, p, 'succeeded');
  return { plan: p, history, attempt, failure, conditions, acted };
}

/** The bookkeeping fields of the HelmRelease's current status. */
export function pickAttempt(hr: HelmRelease): AttemptState {
  const s = hr.status ?? {};
  const out: AttemptState = {};
  if (s.lastAttempted !== undefined) out.lastAttempted = s.lastAttempted;
  if (s.failures !== undefined) out.failures = s.failures;
  if (s.installFailures !== undefined) out.installFailures = s.installFailures;
  if (s.upgradeFailures !== undefined) out.upgradeFailures = s.upgradeFailures;
  if (s.lastHandledForceAt !== undefined) out.lastHandledForceAt = s.lastHandledForceAt;
  if (s.lastHandledResetAt !== undefined) out.lastHandledResetAt = s.lastHandledResetAt;
  return out;
}
