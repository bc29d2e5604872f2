/**
 * The steps the actions are made of: apply objects in order, delete (prune) objects in Helm's uninstall
 * order honouring `helm.sh/resource-policy: keep`, wait for readiness, run a hook event with its progress
 * persisted, create CRDs from crds/, and record status changes. Every failure names the object.
 */
import { ErrorCode, errorMessage, isMaglevError, MaglevError } from '../../errors.js';
import { compareKinds, UninstallOrder } from '../../render/order.js';
import { targetOf, type TargetRef } from '../../runtime/apply.js';
import { runHooks, type HookRunResult } from '../hooks.js';
import { ReleaseStatus, superseded, withStatus, type ReleaseRecord, type ReleaseStatusValue } from '../record.js';
import { FIELD_MANAGER } from '../../constants.js';
import { type ActionContext, type AppliedVersion } from './context.js';
import { describe, identity, RESOURCE_POLICY, type ReleaseObject } from './objects.js';

/** Server-side applies each object in order; the first failure is rethrown naming the object and template. */
export async function applyObjects(ctx: ActionContext, objects: readonly ReleaseObject[], force = false): Promise<void> {
  for (const { source, object } of objects) {
    try {
      const applied = await ctx.applier.apply(object, { ...ctx.call, fieldManager: FIELD_MANAGER, force });
      ctx.applied?.set(identity(object), appliedVersion(applied));
    } catch (err) {
      throw wrap(err, `apply ${describe(targetOf(object))} (${source})`);
    }
  }
}

/** The objects in Helm's uninstall order (stable for equal kinds). */
export function inUninstallOrder(objects: readonly ReleaseObject[]): ReleaseObject[] {
  return [...objects].sort((a, b) => compareKinds(a.object.kind ?? '', b.object.kind ?? '', UninstallOrder));
}

/**
 * Deletes the objects of `previous` that `next` no longer has, in uninstall order; an object whose LIVE
 * copy says `helm.sh/resource-policy: keep` stays (Helm's upgrade rule). Returns the deleted descriptions.
 */
export async function pruneObjects(ctx: ActionContext, previous: readonly ReleaseObject[], next: readonly ReleaseObject[]): Promise<string[]> {
  const keepIds = new Set(next.map((o) => identity(o.object)));
  const deleted: string[] = [];
  for (const { object } of inUninstallOrder(previous.filter((o) => !keepIds.has(identity(o.object))))) {
    const ref = targetOf(object);
    try {
      const live = await ctx.applier.get(ref, ctx.call);
      if (live === undefined || live.metadata?.annotations?.[RESOURCE_POLICY] === 'keep') continue;
      if (await ctx.applier.delete(ref, ctx.call)) deleted.push(describe(ref));
    } catch (err) {
      throw wrap(err, `delete ${describe(ref)}`);
    }
  }
  return deleted;
}

/**
 * Deletes every object in uninstall order, except those whose MANIFEST says resource-policy keep (Helm's
 * uninstall rule). Tries them all; returns the kept ones (described) and the deleted ones, and throws the
 * errors together at the end.
 */
export async function deleteObjects(ctx: ActionContext, objects: readonly ReleaseObject[]): Promise<{ kept: string[]; deleted: TargetRef[] }> {
  const kept: string[] = [];
  const deleted: TargetRef[] = [];
  const errors: string[] = [];
  for (const { object } of inUninstallOrder(objects)) {
    const ref = targetOf(object);
    if (object.metadata?.annotations?.[RESOURCE_POLICY] === 'keep') {
      kept.push(describe(ref));
      continue;
    }
    await ctx.applier.delete(ref, ctx.call).then(
      (existed) => void (existed && deleted.push(ref)),
      (err: unknown) => errors.push(`delete ${describe(ref)}: ${errorMessage(err)}`),
    );
  }
  if (errors.length > 0) throw new MaglevError(ErrorCode.ApiError, `${errors.length} object(s) could not be deleted:\n${errors.join('\n')}`);
  return { kept, deleted };
}

/** Waits for every object to be ready within `timeoutMs`; with `park`, may throw Parked instead (context.ts). */
export async function waitObjects(ctx: ActionContext, objects: readonly ReleaseObject[], timeoutMs: number, park?: { deadline: number }): Promise<void> {
  const applied = ctx.applied;
  await ctx.waiter.waitReady(
    objects.map((o) => targetOf(o.object)),
    timeoutMs,
    park,
    applied === undefined ? undefined : objects.map((o) => applied.get(identity(o.object))),
  );
}

function appliedVersion(obj: { metadata?: { generation?: number; resourceVersion?: string } } | undefined): AppliedVersion {
  const out: AppliedVersion = {};
  if (typeof obj?.metadata?.generation === 'number') out.generation = obj.metadata.generation;
  if (typeof obj?.metadata?.resourceVersion === 'string') out.resourceVersion = obj.metadata.resourceVersion;
  return out;
}

/**
 * Runs the hooks of `event` (unless disabled), persisting each hook's start and end in the stored record.
 * With `park`, a running hook parks the action (result `parked`) and a later call resumes the run. `since`:
 * when the event began, for an event after the action's first (see HookRunOptions.since).
 */
export async function runEvent(ctx: ActionContext, record: ReleaseRecord, event: string, timeoutMs: number, disabled = false, park = false, since?: number): Promise<HookRunResult> {
  if (disabled) return { record };
  return runHooks(record, event, {
    executor: ctx.hooks,
    timeoutMs,
    park,
    ...(since === undefined ? {} : { since }),
    now: () => ctx.clock.now(),
    persist: async (r) => {
      await ctx.storage.update(r);
    },
    onWarning: (message, error) => ctx.log.warn({ err: errorMessage(error) }, message),
  });
}

/** Stores `record` with a new status and description; returns the stored record. */
export async function setStatus(ctx: ActionContext, record: ReleaseRecord, status: ReleaseStatusValue, description: string): Promise<ReleaseRecord> {
  const next = withStatus(record, status, description);
  await ctx.storage.update(next);
  return next;
}

/** Marks every deployed revision of the release other than `keep` superseded (Helm's "supersede all"). */
export async function supersedeOthers(ctx: ActionContext, name: string, keep: number): Promise<void> {
  for (const s of await ctx.storage.history(name)) {
    if (s.record.version !== keep && s.record.info.status === ReleaseStatus.Deployed) {
      await ctx.storage.update(superseded(s.record));
    }
  }
}

/** `err` as a MaglevError whose message starts with `what` (code kept when it already had one). */
export function wrap(err: unknown, what: string): MaglevError {
  const code = isMaglevError(err) ? err.code : ErrorCode.ApiError;
  const terminal = isMaglevError(err) && err.terminal;
  return new MaglevError(code, `${what}: ${errorMessage(err)}`, { cause: err, terminal, where: what });
}
