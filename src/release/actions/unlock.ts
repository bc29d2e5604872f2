/**
 * Unlock: a revision left `pending-install|upgrade|rollback` by an interrupted action (a crash, a lost
 * lease) is marked `failed`, so the planner can remediate it and Helm itself stops refusing upgrades.
 * The write is guarded by the resourceVersion read, so a writer that is in fact still running wins the
 * race: the unlock then fails with Conflict and the next reconcile plans again.
 */
import { isPending, ReleaseStatus } from '../record.js';
import type { ActionContext, ActionOutcome, ReleaseRef } from './context.js';
import { setStatus } from './steps.js';

/** Which revision to unlock. */
export interface UnlockInput {
  release: ReleaseRef;
  revision: number;
  /** Set when a newer spec supersedes the pending revision: why (e.g. `superseded by generation 3`). */
  superseded?: string;
}

/** Marks a pending revision failed; a revision no longer pending is left alone (success, nothing done). */
export async function unlock(ctx: ActionContext, input: UnlockInput): Promise<ActionOutcome> {
  const { release, revision } = input;
  const stored = await ctx.storage.get(release.name, revision);
  if (stored === undefined || !isPending(stored.record.info.status)) {
    return { status: 'succeeded', record: stored?.record, message: `revision ${revision} of ${release.namespace}/${release.name} is not pending` };
  }
  const was = stored.record.info.status;
  const description =
    input.superseded === undefined
      ? `Release "${release.name}" was left ${was} by an interrupted operation; marked failed by maglev-operator`
      : `Release "${release.name}" failed: ${input.superseded}`;
  const record = await setStatus(ctx, stored.record, ReleaseStatus.Failed, description);
  return { status: 'succeeded', record, message: `marked ${was} revision ${revision} of ${release.namespace}/${release.name} failed` };
}
