/**
 * The part install, upgrade and rollback share once their objects are applied, and the only part that can
 * be resumed: wait for the objects (parked, so no worker is held: see ReadinessWaiter) → the post hooks of
 * the action (each hook's wait parked too; hooks already done are skipped on resume) → every other deployed
 * revision superseded (upgrade, rollback) → the revision `deployed`. A failure marks the revision failed
 * through the action's own `fail`. A parked wait ends the call with the outcome `waiting`; {@link resume}
 * runs this part again from the stored record when a watch event or the deadline wakes the reconcile, with
 * the deadline the parked wait recorded (a hook's own deadline is its stored start plus the timeout).
 */
import { errorMessage, MaglevError } from '../../errors.js';
import { targetOf } from '../../runtime/apply.js';
import { isPending, ReleaseStatus, type ReleaseRecord } from '../record.js';
import { Parked, type ActionContext, type ActionOutcome, type ReleaseRef } from './context.js';
import { identity, manifestObjects, prepareStored, type ReleaseObject } from './objects.js';
import { applyObjects, pruneObjects, runEvent, setStatus, supersedeOthers, waitObjects, wrap } from './steps.js';

/** The actions whose tail is shared (and resumable). */
export type ResumableAction = 'install' | 'upgrade' | 'rollback';

/** What differs between the actions once their record exists. */
const TAILS: Record<
  ResumableAction,
  { pre: string; post: string; failed: (name: string) => string; done: (r: ReleaseRecord) => string; preFailed: string; waitFailed: string; postFailed: string; supersede: boolean }
> = {
  install: { pre: 'pre-install', post: 'post-install', failed: (n) => `Release "${n}" failed`, done: () => 'Install complete', preFailed: 'failed pre-install', waitFailed: 'install', postFailed: 'failed post-install', supersede: false },
  upgrade: { pre: 'pre-upgrade', post: 'post-upgrade', failed: (n) => `Upgrade "${n}" failed`, done: () => 'Upgrade complete', preFailed: 'pre-upgrade hooks failed', waitFailed: 'upgrade', postFailed: 'post-upgrade hooks failed', supersede: true },
  rollback: { pre: 'pre-rollback', post: 'post-rollback', failed: (n) => `Rollback "${n}" failed`, done: (r) => r.info.description, preFailed: 'pre-rollback hooks failed', waitFailed: 'rollback', postFailed: 'post-rollback hooks failed', supersede: true },
};

/** What the head applies: the revision's objects, and those of the revision it replaces (to prune). */
export interface HeadObjects {
  objects: readonly ReleaseObject[];
  /** Objects of the replaced revision; those the new manifest dropped are deleted (upgrade, rollback). */
  previous?: readonly ReleaseObject[];
  /** Take over fields of other field managers. */
  force?: boolean;
}

/**
 * The head of an action once its record exists: the pre hooks (each hook's wait parked; a later call skips
 * the hooks already done) → apply every object → delete the previous objects the new manifest dropped.
 * Returns the record as it now is and, when the head ended the action (failed, or parked on a hook), the
 * outcome to return. Applying is a server-side apply, so running the head again after a resume is safe.
 */
export async function runHead(
  ctx: ActionContext,
  action: ResumableAction,
  record: ReleaseRecord,
  head: HeadObjects,
  options: Pick<TailOptions, 'timeoutMs' | 'disableHooks'>,
  fail: FailFn,
): Promise<{ record: ReleaseRecord; ended?: ActionOutcome }> {
  const tail = TAILS[action];
  const pre = await runEvent(ctx, record, tail.pre, options.timeoutMs, options.disableHooks, true);
  if (pre.parked !== undefined) return { record: pre.record, ended: { status: 'waiting', record: pre.record, message: pre.parked.message, deadline: pre.parked.deadline } };
  if (pre.error !== undefined) return { record: pre.record, ended: await fail(pre.error, tail.preFailed, pre.record) };
  try {
    await applyObjects(ctx, head.objects, head.force === true);
    if (head.previous !== undefined) await pruneObjects(ctx, head.previous, head.objects);
  } catch (err) {
    return { record: pre.record, ended: await fail(err, action, pre.record) };
  }
  return { record: pre.record };
}

/** Options of the tail, from the HelmRelease spec of the action. */
export interface TailOptions {
  timeoutMs: number;
  /** When the wait fails, ms since the epoch; default now + timeoutMs (a first run). */
  deadline?: number;
  disableWait?: boolean;
  disableHooks?: boolean;
  /** Description of the deployed revision (default per action: "Install complete", …). */
  description?: string;
  /** When the post hooks began, for a resume parked in them (ActionOutcome `hooksSince`); default: now. */
  hooksSince?: number;
  /** For a resume: the wait was parked after the objects were applied (ActionOutcome `applied`). */
  applied?: boolean;
}

/** Marks `record` failed (the action's own clean-up first, e.g. upgrade's cleanupOnFail). */
export type FailFn = (err: unknown, what: string, record: ReleaseRecord) => Promise<ActionOutcome>;

/** The failure of a tail: the record failed with the action's description prefix. */
export function failWith(ctx: ActionContext, action: ResumableAction, release: ReleaseRef, cleanup?: (error: MaglevError) => Promise<MaglevError>): FailFn {
  return async (err, what, record) => {
    let error = wrap(err, what);
    if (cleanup !== undefined) error = await cleanup(error);
    const failed = await setStatus(ctx, record, ReleaseStatus.Failed, `${TAILS[action].failed(release.name)}: ${error.message}`);
    return { status: 'failed', record: failed, error };
  };
}

/** Runs the tail; see the module comment. `message` describes the success. */
export async function completeRelease(
  ctx: ActionContext,
  action: ResumableAction,
  record: ReleaseRecord,
  objects: readonly ReleaseObject[],
  options: TailOptions,
  fail: FailFn,
  message: string,
): Promise<ActionOutcome> {
  const tail = TAILS[action];
  try {
    if (options.disableWait !== true) await waitObjects(ctx, objects, options.timeoutMs, { deadline: options.deadline ?? ctx.clock.now() + options.timeoutMs });
  } catch (err) {
    if (err instanceof Parked) return { status: 'waiting', record, message: err.message, deadline: err.deadline, applied: true };
    return fail(err, tail.waitFailed, record);
  }
  const since = options.hooksSince ?? ctx.clock.now();
  const post = await runEvent(ctx, record, tail.post, options.timeoutMs, options.disableHooks, true, since);
  let done = post.record;
  if (post.parked !== undefined) return { status: 'waiting', record: done, message: post.parked.message, deadline: post.parked.deadline, hooksSince: since, applied: true };
  if (post.error !== undefined) return fail(post.error, tail.postFailed, done);
  if (tail.supersede) await supersedeOthers(ctx, done.name, done.version);
  done = await setStatus(ctx, done, ReleaseStatus.Deployed, options.description ?? tail.done(done));
  return { status: 'succeeded', record: done, message };
}

/** Which revision to resume, and how. */
export interface ResumeInput {
  release: ReleaseRef;
  action: ResumableAction;
  revision: number;
  options: TailOptions & { deadline: number; force?: boolean; cleanupOnFail?: boolean };
}

/**
 * Resumes a parked revision from its stored record; a revision no longer pending is left alone. Unless the
 * wait was parked after the objects were applied (`applied`, or `hooksSince` of the post hooks), the head
 * runs again: pre hooks already done are skipped, the objects are applied (the pre hooks may all have
 * succeeded while the apply after them never happened: an operator killed or cut off from the API server in
 * between), and the readiness wait that then starts gets its full timeout. Otherwise only the tail runs,
 * with the deadline the parked wait recorded.
 */
export async function resume(ctx: ActionContext, input: ResumeInput): Promise<ActionOutcome> {
  const { release, action, revision, options } = input;
  const history = await ctx.storage.history(release.name);
  const stored = history.find((s) => s.record.version === revision);
  if (stored === undefined || !isPending(stored.record.info.status)) {
    return { status: 'succeeded', record: stored?.record, message: `revision ${revision} of ${release.namespace}/${release.name} is no longer pending` };
  }
  let record = stored.record;
  let objects: ReleaseObject[];
  let previous: ReleaseObject[] | undefined;
  try {
    objects = await prepareStored(ctx, release, manifestObjects(record.manifest));
    previous = action === 'install' ? undefined : await prepareStored(ctx, release, manifestObjects(replacedBy(history.map((s) => s.record), record, action)?.manifest ?? ''));
  } catch (err) {
    return failWith(ctx, action, release)(err, action, record);
  }
  // cleanupOnFail of a resumed upgrade: the objects the replaced revision did not have were created by it.
  const before = new Set((previous ?? []).map((o) => identity(o.object)));
  const cleanup = action === 'upgrade' && options.cleanupOnFail === true ? (error: MaglevError) => cleanupCreated(ctx, objects, before, error) : undefined;
  const fail = failWith(ctx, action, release, cleanup);
  const tail: TailOptions = { ...options };
  if (options.applied !== true && options.hooksSince === undefined) {
    const head = await runHead(ctx, action, record, { objects, ...(previous === undefined ? {} : { previous }), force: action === 'rollback' || options.force === true }, options, fail);
    if (head.ended !== undefined) return head.ended;
    record = head.record;
    delete tail.deadline;
  }
  return completeRelease(ctx, action, record, objects, tail, fail, `${action} of revision ${revision} of ${release.namespace}/${release.name} completed`);
}

/** The revision `pending` replaces: for an upgrade the newest deployed one before it (else the one before), for a rollback the one before. */
function replacedBy(history: readonly ReleaseRecord[], pending: ReleaseRecord, action: ResumableAction): ReleaseRecord | undefined {
  const older = history.filter((r) => r.version < pending.version);
  if (action === 'upgrade') return older.filter((r) => r.info.status === ReleaseStatus.Deployed).at(-1) ?? older.at(-1);
  return older.at(-1);
}

/** cleanupOnFail: deletes the objects that did not exist before the upgrade; clean-up errors join `error`. */
export async function cleanupCreated(ctx: ActionContext, objects: readonly ReleaseObject[], existing: ReadonlySet<string>, error: MaglevError): Promise<MaglevError> {
  const problems: string[] = [];
  for (const { object } of objects) {
    if (existing.has(identity(object))) continue;
    await ctx.applier.delete(targetOf(object), ctx.call).catch((err: unknown) => problems.push(errorMessage(err)));
  }
  if (problems.length === 0) return error;
  return new MaglevError(error.code, `${error.message}; cleaning up created objects also failed: ${problems.join(', ')}`, { cause: error });
}
