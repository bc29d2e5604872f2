/**
 * Rollback to an earlier revision, following Helm's flow (pkg/action/rollback.go): a new revision is
 * written as a copy of the target (its chart, values, manifest and hooks) with status `pending-rollback`
 * and description "Rollback to <n>", first deployed as the release was; then pre-rollback hooks → apply the
 * target's objects (taking over fields, as Helm forces here: they are the release's own objects) →
 * delete what the current manifest has and the target does not → wait → post-rollback hooks → every other
 * deployed revision `superseded`, the new one `deployed`. A failure marks the new revision `failed`
 * (`Rollback "<name>" failed: …`); unlike Helm, the current revision keeps its status, so a later
 * remediation still finds it.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import { helmTime, isPending, ReleaseStatus, type ReleaseRecord } from '../record.js';
import type { ActionContext, ActionOutcome, ReleaseRef } from './context.js';
import { manifestObjects, prepareAll, prepareStored, type ReleaseObject } from './objects.js';
import { completeRelease, failWith, runHead } from './complete.js';
import { wrap } from './steps.js';

/** Options of one rollback (from HelmRelease spec.rollback and spec.timeout). */
export interface RollbackOptions {
  timeoutMs: number;
  disableHooks?: boolean;
  disableWait?: boolean;
}

/** Which revision to go back to. */
export interface RollbackInput {
  release: ReleaseRef;
  toRevision: number;
  options: RollbackOptions;
}

/** Rolls a release back; see the module comment. */
export async function rollback(ctx: ActionContext, input: RollbackInput): Promise<ActionOutcome> {
  const { release, toRevision, options } = input;
  const history = (await ctx.storage.history(release.name)).map((s) => s.record);
  const latest = history.at(-1);
  const target = history.find((r) => r.version === toRevision);
  const refuse = (code: ErrorCode, message: string): ActionOutcome => ({
    status: 'failed',
    record: undefined,
    error: new MaglevError(code, `rollback of ${release.namespace}/${release.name} to revision ${toRevision} refused: ${message}`, { where: release.name }),
  });
  if (latest === undefined || target === undefined) return refuse(ErrorCode.ReleaseNotFound, `revision ${toRevision} is not stored`);
  if (isPending(latest.info.status)) return refuse(ErrorCode.ReleasePending, `revision ${latest.version} is ${latest.info.status}`);
  let objects: ReleaseObject[];
  let previous: ReleaseObject[];
  try {
    objects = await prepareAll(ctx, release, manifestObjects(target.manifest));
    previous = await prepareStored(ctx, release, manifestObjects(latest.manifest));
  } catch (err) {
    return { status: 'failed', record: undefined, error: wrap(err, `rollback of ${release.namespace}/${release.name} refused`) };
  }
  const first = history.find((r) => r.info.first_deployed !== '')?.info.first_deployed;
  let record: ReleaseRecord = {
    ...structuredClone(target),
    version: latest.version + 1,
    info: {
      first_deployed: latest.info.first_deployed || first || helmTime(ctx.clock.now()),
      last_deployed: helmTime(ctx.clock.now()),
      deleted: '',
      description: `Rollback to ${toRevision}`,
      status: ReleaseStatus.PendingRollback,
      notes: target.info.notes,
    },
  };
  await ctx.storage.create(record);
  const fail = failWith(ctx, 'rollback', release);
  const head = await runHead(ctx, 'rollback', record, { objects, previous, force: true }, options, fail);
  if (head.ended !== undefined) return head.ended;
  record = head.record;
  const tail = { timeoutMs: options.timeoutMs, disableWait: options.disableWait, disableHooks: options.disableHooks };
  return completeRelease(ctx, 'rollback', record, objects, tail, fail, `rolled ${release.namespace}/${release.name} back to revision ${toRevision} as revision ${record.version}`);
}
