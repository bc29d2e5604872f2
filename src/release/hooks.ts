/**
 * Running the hooks of one event the way Helm v3.21.4 does (pkg/action/hooks.go `execHook`):
 * - order: the hooks of the event sorted by kind (InstallOrder, unknown kinds last), then stably by
 *   weight and name, so kind only separates hooks of equal weight and name;
 * - serially; a hook without a delete policy gets `before-hook-creation`; that policy deletes the old
 *   object (waiting until it is gone) before the hook is created (created, never applied);
 * - `last_run` is set to Running and the record persisted before the create, then Succeeded (persisted
 *   too, so a parked action resumes from it) or Failed with the completion time;
 * - on failure: this hook is deleted if it has `hook-failed`, the earlier hooks of the event that have
 *   `hook-succeeded` are deleted, and the run stops naming the failed hook (a failed clean-up is only
 *   reported: the hook's own failure stays the error, where Helm would return the clean-up error);
 * - on success: the `hook-succeeded` hooks are deleted in reverse order;
 * - a CustomResourceDefinition hook is never deleted.
 * The executor does the cluster work; a Job is complete when Complete, a Pod when Succeeded, anything
 * else once created.
 */
import { ErrorCode, errorMessage, MaglevError } from '../errors.js';
import { checkObject, parseDocument } from '../render/manifest.js';
import { compareKinds } from '../render/order.js';
import { targetOf, type TargetRef } from '../runtime/apply.js';
import { isConflict } from '../runtime/api-error.js';
import type { KubeObject } from '../runtime/object.js';
import { Parked } from './actions/context.js';
import { helmTime, HookPhase, type RecordHook, type ReleaseRecord } from './record.js';

/** The cluster work of running hooks; see the module comment for what each call must guarantee. */
export interface HookExecutor {
  /** Deletes the object if it exists and resolves once it is gone (rejects after `timeoutMs`). */
  deleteAndWait(ref: TargetRef, timeoutMs: number): Promise<void>;
  /** Creates the object (a POST, not an apply); rejects when it already exists. */
  create(obj: KubeObject): Promise<void>;
  /**
   * Resolves when the hook has done its work: Job Complete, Pod Succeeded, other kinds at once. With `park`
   * (and a waiter that can park), throws {@link Parked} instead of holding the caller while it runs, and
   * WaitTimeout once `park.deadline` has passed.
   */
  waitComplete(ref: TargetRef, timeoutMs: number, park?: { deadline: number }): Promise<void>;
  /** Whether the object exists now. */
  exists(ref: TargetRef): Promise<boolean>;
  /** Copies a Job's or Pod's logs somewhere useful (helm.sh/hook-output-log-policy); optional. */
  outputLogs?(ref: TargetRef): Promise<void>;
}

/** Options for {@link runHooks}. */
export interface HookRunOptions {
  executor: HookExecutor;
  /** Time allowed for each delete wait and each hook's completion. */
  timeoutMs: number;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Persists the record once a hook is marked Running (Helm's recordRelease); a failure is only reported. */
  persist?: (record: ReleaseRecord) => Promise<void>;
  /** Told about failures Helm only logs (persisting, deleting a failed hook, copying logs). */
  onWarning?: (message: string, error: unknown) => void;
  /**
   * Let a hook's wait park (see {@link HookRunResult.parked}); each hook's deadline is its stored start plus
   * `timeoutMs`, so it holds across passes. Calling again with the stored record resumes the run: hooks this
   * action already finished are skipped, a created one is waited for, not created again.
   */
  park?: boolean;
  /**
   * When this event began (ms since the epoch), for an event that is not the action's first: a hook run that
   * started before belongs to an earlier event of the action (a hook may be both pre- and post-install), so
   * it does not count as done here. Undefined: the revision's start is the boundary.
   */
  since?: number;
}

/** How a run ended: the record with updated `last_run`s, and the error naming the failed hook, if any. */
export interface HookRunResult {
  record: ReleaseRecord;
  error?: MaglevError;
  /** Set when a hook is still running and its wait parked: the run goes on in a later pass. */
  parked?: Parked;
}

const CRD = 'CustomResourceDefinition';
const BEFORE = 'before-hook-creation';
const SUCCEEDED = 'hook-succeeded';
const FAILED = 'hook-failed';

/** Indices into `hooks` of the hooks of `event`, in execution order (see the module comment). */
export function hookRunOrder(hooks: readonly RecordHook[], event: string): number[] {
  return hooks
    .map((h, i) => ({ h, i }))
    .filter(({ h }) => h.events.includes(event))
    .sort((a, b) => compareKinds(a.h.kind, b.h.kind))
    .sort((a, b) => (a.h.weight !== b.h.weight ? a.h.weight - b.h.weight : a.h.name === b.h.name ? 0 : a.h.name < b.h.name ? -1 : 1))
    .map(({ i }) => i);
}

/** Whether a hook's last run was started for this revision (not copied from an older one by a rollback). */
function ranForRevision(hook: RecordHook, record: ReleaseRecord): boolean {
  return hook.last_run.started_at !== '' && Date.parse(hook.last_run.started_at) >= Date.parse(record.info.last_deployed);
}

/** True when every hook of `event` has succeeded for this revision (vacuously true when it has none). */
export function hooksDone(record: ReleaseRecord, event: string): boolean {
  return hookRunOrder(record.hooks, event).every((i) => {
    const hook = record.hooks[i]!;
    return ranForRevision(hook, record) && hook.last_run.phase === HookPhase.Succeeded;
  });
}

/** Runs the hooks of `event` in `record`; never throws for a hook failure (see {@link HookRunResult}). */
export async function runHooks(record: ReleaseRecord, event: string, opts: HookRunOptions): Promise<HookRunResult> {
  const hooks = record.hooks.map((h) => ({ ...h, last_run: { ...h.last_run } }));
  let current: ReleaseRecord = { ...record, hooks };
  const order = hookRunOrder(hooks, event);
  const run: { hook: RecordHook; obj: KubeObject }[] = [];
  for (const index of order) {
    const hook = hooks[index];
    if (hook === undefined) continue;
    if (hook.delete_policies.length === 0) hook.delete_policies = [BEFORE];
    const fail = (err: unknown): HookRunResult => ({ record: current, error: hookError(event, hook, err) });
    const persist = async (what: string): Promise<void> => {
      current = { ...current, hooks };
      await opts.persist?.(current).catch((err: unknown) => opts.onWarning?.(`could not record that hook ${hook.path} ${what}`, err));
    };
    const finish = (phase: typeof HookPhase.Succeeded | typeof HookPhase.Failed): void => {
      hook.last_run = { ...hook.last_run, completed_at: stamp(opts), phase };
    };
    let obj: KubeObject;
    try {
      obj = hookObject(hook, record.namespace);
    } catch (err) {
      return fail(err);
    }
    const ref = targetOf(obj);
    // Where an earlier pass of this same action left the hook (its last_run is newer than the revision).
    const earlier = ranForRevision(hook, record) && (opts.since === undefined || Date.parse(hook.last_run.started_at) >= opts.since) ? hook.last_run.phase : undefined;
    if (earlier === HookPhase.Succeeded) {
      run.push({ hook, obj });
      continue;
    }
    if (earlier === HookPhase.Unknown && !(await opts.executor.exists(ref).catch(() => true))) {
      // Created by an earlier pass and gone since: a Job that deletes itself once finished is done.
      if (!selfDeleting(obj)) {
        finish(HookPhase.Failed);
        await afterFailure(hook, obj, run, opts);
        return fail(new Error(`${ref.kind} ${ref.name} disappeared before completing`));
      }
    } else {
      if (earlier !== HookPhase.Unknown) {
        // Running: an earlier pass stored the start and may or may not have created the object.
        if (earlier !== HookPhase.Running) {
          try {
            await deleteByPolicy(hook, obj, BEFORE, opts);
          } catch (err) {
            return fail(err);
          }
          hook.last_run = { started_at: stamp(opts), completed_at: '', phase: HookPhase.Running };
          await persist('started');
        }
        try {
          await opts.executor.create(obj);
        } catch (err) {
          if (earlier !== HookPhase.Running || !isConflict(err)) {
            finish(HookPhase.Failed);
            return fail(err);
          }
        }
        // Unknown while it runs, as Helm has it in memory; stored when the wait may park, so a later pass
        // knows the object was created (and a self-deleting Job that is gone then has finished).
        hook.last_run.phase = HookPhase.Unknown;
        if (opts.park === true) await persist('was created');
      }
      try {
        const deadline = Date.parse(hook.last_run.started_at) + opts.timeoutMs;
        await opts.executor.waitComplete(ref, opts.timeoutMs, opts.park === true ? { deadline } : undefined);
      } catch (err) {
        if (err instanceof Parked) return { record: current, parked: err };
        finish(HookPhase.Failed);
        await afterFailure(hook, obj, run, opts);
        return fail(err);
      }
    }
    finish(HookPhase.Succeeded);
    // Stored too, not only kept in memory: the action may park (readiness) before its record is written again.
    await persist('succeeded');
    run.push({ hook, obj });
  }
  for (const { hook, obj } of [...run].reverse()) {
    if (hook.output_log_policies.includes(SUCCEEDED)) await outputLogs(hook, obj, opts);
    try {
      await deleteByPolicy(hook, obj, SUCCEEDED, opts);
    } catch (err) {
      return { record: current, error: hookError(event, hook, err, 'could not be deleted after it succeeded') };
    }
  }
  return { record: current };
}

/** A Job that deletes itself once finished (`ttlSecondsAfterFinished`): gone after it was created means done. */
function selfDeleting(obj: KubeObject): boolean {
  return obj.kind === 'Job' && typeof (obj as { spec?: { ttlSecondsAfterFinished?: unknown } }).spec?.ttlSecondsAfterFinished === 'number';
}

/** Helm's cleanup after a hook failed: its logs, itself (hook-failed), earlier hook-succeeded hooks. */
async function afterFailure(hook: RecordHook, obj: KubeObject, earlier: { hook: RecordHook; obj: KubeObject }[], opts: HookRunOptions): Promise<void> {
  if (hook.output_log_policies.includes(FAILED)) await outputLogs(hook, obj, opts);
  await deleteByPolicy(hook, obj, FAILED, opts).catch((err: unknown) => opts.onWarning?.(`could not delete failed hook ${hook.path}`, err));
  for (const e of earlier) {
    await deleteByPolicy(e.hook, e.obj, SUCCEEDED, opts).catch((err: unknown) => opts.onWarning?.(`could not delete succeeded hook ${e.hook.path}`, err));
  }
}

async function deleteByPolicy(hook: RecordHook, obj: KubeObject, policy: string, opts: HookRunOptions): Promise<void> {
  if (hook.kind === CRD || !hook.delete_policies.includes(policy)) return;
  await opts.executor.deleteAndWait(targetOf(obj), opts.timeoutMs);
}

async function outputLogs(hook: RecordHook, obj: KubeObject, opts: HookRunOptions): Promise<void> {
  if (opts.executor.outputLogs === undefined || (hook.kind !== 'Job' && hook.kind !== 'Pod')) return;
  await opts.executor.outputLogs(targetOf(obj)).catch((err: unknown) => opts.onWarning?.(`could not copy the logs of hook ${hook.path}`, err));
}

/** The hook's object from its stored manifest, in the release namespace unless it names one. */
export function hookObject(hook: RecordHook, namespace: string): KubeObject {
  const checked = checkObject(parseDocument(hook.manifest, hook.path, 0), hook.path, 0);
  const obj = structuredClone(checked) as KubeObject;
  const metadata = obj.metadata ?? {};
  if (metadata.namespace === undefined || metadata.namespace === '') metadata.namespace = namespace;
  obj.metadata = metadata;
  return obj;
}

function hookError(event: string, hook: RecordHook, err: unknown, what = 'failed'): MaglevError {
  return new MaglevError(ErrorCode.HookFailed, `${event} hook ${hook.path} (${hook.kind} ${hook.name}) ${what}: ${errorMessage(err)}`, {
    cause: err,
    where: `${hook.kind}/${hook.name}`,
  });
}

function stamp(opts: HookRunOptions): string {
  return helmTime(opts.now());
}
