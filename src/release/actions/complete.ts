/**
 * The part install, upgrade and rollback share once their objects are applied, and the only part that can
 * be resumed: wait for the objects (parked, so no worker is held: see ReadinessWaiter) → the post hooks of
 * the action → every other deployed revision superseded (upgrade, rollback) → the revision `deployed`. A
 * failure marks the revision failed through the action's own `fail`. A parked wait ends the call with the
 * outcome `waiting`; {@link resume} runs this part again from the stored record when a watch event or the
 * deadline wakes the reconcile, with the deadline the first wait recorded.
 */
import type { MaglevError } from '../../errors.js';
import { isPending, ReleaseStatus, type ReleaseRecord } from '../record.js';
import { Parked, type ActionContext, type ActionOutcome, type ReleaseRef } from './context.js';
import { manifestObjects, prepareStored, type ReleaseObject } from './objects.js';
import { runEvent, setStatus, supersedeOthers, waitObjects, wrap } from './steps.js';

/** The actions whose tail is shared (and resumable). */
export type ResumableAction = 'install' | 'upgrade' | 'rollback';

/** What differs between the actions' tails. */
const TAILS: Record<ResumableAction, { post: string; failed: (name: string) => string; done: (r: ReleaseRecord) => string; waitFailed: string; postFailed: string; supersede: boolean }> = {
  install: { post: 'post-install', failed: (n) => `Release "${n}" failed`, done: () => 'Install complete', waitFailed: 'install', postFailed: 'failed post-install', supersede: false },
  upgrade: { post: 'post-upgrade', failed: (n) => `Upgrade "${n}" failed`, done: () => 'Upgrade complete', waitFailed: 'upgrade', postFailed: 'post-upgrade hooks failed', supersede: true },
  rollback: { post: 'post-rollback', failed: (n) => `Rollback "${n}" failed`, done: (r) => r.info.description, waitFailed: 'rollback', postFailed: 'post-rollback hooks failed', supersede: true },
};

/** Options of the tail, from the HelmRelease spec of the action. */
export interface TailOptions {
  timeoutMs: number;
  /** When the wait fails, ms since the epoch; default now + timeoutMs (a first run). */
  deadline?: number;
  disableWait?: boolean;
  disableHooks?: boolean;
  /** Description of the deployed revision (default per action: "Install complete", …). */
  description?: string;
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
    if (err instanceof Parked) return { status: 'waiting', record, message: err.message, deadline: err.deadline };
    return fail(err, tail.waitFailed, record);
  }
  const post = await runEvent(ctx, record, tail.post, options.timeoutMs, options.disableHooks);
  let done = post.record;
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
  options: TailOptions & { deadline: number };
}

/** Resumes the tail of a parked revision from its stored record; a revision no longer pending is left alone. */
export async function resume(ctx: ActionContext, input: ResumeInput): Promise<ActionOutcome> {
  const { release, action, revision } = input;
  const stored = await ctx.storage.get(release.name, revision);
  if (stored === undefined || !isPending(stored.record.info.status)) {
    return { status: 'succeeded', record: stored?.record, message: `revision ${revision} of ${release.namespace}/${release.name} is no longer pending` };
  }
  const record = stored.record;
  const fail = failWith(ctx, action, release);
  let objects: ReleaseObject[];
  try {
    objects = await prepareStored(ctx, release, manifestObjects(record.manifest));
  } catch (err) {
    return fail(err, action, record);
  }
  return completeRelease(ctx, action, record, objects, input.options, fail, `${action} of revision ${revision} of ${release.namespace}/${release.name} completed`);
}
