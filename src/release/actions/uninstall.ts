/**
 * Uninstall, following Helm's flow (pkg/action/uninstall.go): the latest revision becomes `uninstalling`
 * ("Deletion in progress (or silently failed)", `deleted` set) → pre-delete hooks → its objects are deleted
 * in uninstall order, except those whose manifest says `helm.sh/resource-policy: keep` → (with `wait`, when the
 * waiter can) wait until they are gone, like `helm uninstall --wait` → post-delete hooks →
 * `uninstalled` ("Uninstallation complete"); then every record is purged, or with `keepHistory` kept and
 * every deployed revision marked superseded. Hook objects are not deleted (they are not in the manifest).
 * A failed pre-delete hook or deletion leaves the revision `uninstalling`, so the planner finishes the job;
 * a failed post-delete hook still completes the uninstall and is reported as the failure.
 *
 * With `park`, no wait holds the caller: a running delete hook or objects still going away end the call
 * with the outcome `waiting` (and its deadline), and the next call, woken by a watch event, picks the
 * uninstall up from the stored `uninstalling` record: hooks already done are skipped, a created one is
 * waited for (its deadline is its stored start plus the timeout), deletion is repeated (a no-op for what is
 * gone), and the wait until gone keeps the deadline the caller recorded (`deadline`).
 */
import { MaglevError } from '../../errors.js';
import { helmTime, ReleaseStatus, type ReleaseRecord } from '../record.js';
import { hooksDone } from '../hooks.js';
import { Parked, type ActionContext, type ActionOutcome, type ReleaseRef } from './context.js';
import { manifestObjects, prepareStored } from './objects.js';
import { deleteObjects, runEvent, supersedeOthers, wrap } from './steps.js';

/** Options of one uninstall (from HelmRelease spec.uninstall and spec.timeout). */
export interface UninstallOptions {
  timeoutMs: number;
  disableHooks?: boolean;
  keepHistory?: boolean;
  /** Wait (within timeoutMs) until the deleted objects are gone before the post-delete hooks. */
  wait?: boolean;
  /** Description of the uninstalled revision; default "Uninstallation complete". */
  description?: string;
  /** Let hook and deletion waits park instead of holding the caller (see the module comment). */
  park?: boolean;
  /**
   * When the parked wait until gone fails (ms since the epoch), as recorded by the call that parked it;
   * default now + timeoutMs. Ignored while a pre-delete hook has not succeeded (the wait has not started).
   */
  deadline?: number;
  /** When the post-delete hooks began, for a call resuming them (ActionOutcome `hooksSince`). */
  hooksSince?: number;
}

/** Which release to uninstall. */
export interface UninstallInput {
  release: ReleaseRef;
  options: UninstallOptions;
}

/** Uninstalls a release; see the module comment. Nothing stored → success with nothing done. */
export async function uninstall(ctx: ActionContext, input: UninstallInput): Promise<ActionOutcome> {
  const { release, options } = input;
  const latest = (await ctx.storage.latest(release.name))?.record;
  if (latest === undefined) return { status: 'succeeded', record: undefined, message: `release ${release.namespace}/${release.name} is not installed` };
  if (latest.info.status === ReleaseStatus.Uninstalled) {
    if (options.keepHistory === true) return { status: 'succeeded', record: latest, message: `release ${release.namespace}/${release.name} is already uninstalled` };
    await ctx.storage.purge(release.name);
    return { status: 'succeeded', record: undefined, message: `purged the records of uninstalled release ${release.namespace}/${release.name}` };
  }
  const park = options.park === true;
  // An uninstall already under way (parked, or interrupted) keeps its record and deletion time.
  const resuming = latest.info.status === ReleaseStatus.Uninstalling;
  let record: ReleaseRecord = resuming
    ? latest
    : { ...latest, info: { ...latest.info, status: ReleaseStatus.Uninstalling, deleted: helmTime(ctx.clock.now()), description: 'Deletion in progress (or silently failed)' } };
  // Parked in the post-delete hooks: pre-delete is over, even for a hook of both events now running again.
  const inPost = options.hooksSince !== undefined;
  const preWasDone = options.disableHooks === true || inPost || hooksDone(record, 'pre-delete');
  const pre = await runEvent(ctx, record, 'pre-delete', options.timeoutMs, options.disableHooks || inPost, park);
  record = pre.record;
  if (pre.parked !== undefined) return { status: 'waiting', record, message: pre.parked.message, deadline: pre.parked.deadline };
  if (pre.error !== undefined) return { status: 'failed', record, error: wrap(pre.error, 'failed pre-delete') };
  await ctx.storage.update(record);
  let kept: string[];
  try {
    const done = await deleteObjects(ctx, await prepareStored(ctx, release, manifestObjects(record.manifest), false));
    kept = done.kept;
    if (options.wait === true && done.deleted.length > 0) {
      const deadline = (preWasDone ? options.deadline : undefined) ?? ctx.clock.now() + options.timeoutMs;
      await ctx.waiter.waitDeleted?.(done.deleted, options.timeoutMs, park ? { deadline } : undefined);
    }
  } catch (err) {
    if (err instanceof Parked) return { status: 'waiting', record, message: err.message, deadline: err.deadline };
    return { status: 'failed', record, error: wrap(err, `uninstall of ${release.namespace}/${release.name}`) };
  }
  const since = options.hooksSince ?? ctx.clock.now();
  const post = await runEvent(ctx, record, 'post-delete', options.timeoutMs, options.disableHooks, park, since);
  if (post.parked !== undefined) return { status: 'waiting', record: post.record, message: post.parked.message, deadline: post.parked.deadline, hooksSince: since };
  record = { ...post.record, info: { ...post.record.info, status: ReleaseStatus.Uninstalled, description: options.description ?? 'Uninstallation complete' } };
  if (options.keepHistory === true) {
    await ctx.storage.update(record);
    await supersedeOthers(ctx, release.name, record.version);
  } else {
    await ctx.storage.purge(release.name);
  }
  const keptNote = kept.length === 0 ? '' : `; kept by resource policy: ${kept.join(', ')}`;
  if (post.error !== undefined) {
    const error = new MaglevError(post.error.code, `uninstallation completed with 1 error(s): ${post.error.message}`, { cause: post.error, where: post.error.where });
    return { status: 'failed', record: options.keepHistory === true ? record : undefined, error };
  }
  return {
    status: 'succeeded',
    record: options.keepHistory === true ? record : undefined,
    message: `uninstalled ${release.namespace}/${release.name}${keptNote}`,
  };
}
