/**
 * The HelmRelease finalizer: added (a metadata merge patch guarded by resourceVersion) before the first
 * action, so deleting the HelmRelease uninstalls what it installed. On deletion the release is uninstalled
 * the way `helm uninstall --wait` does it (pre-delete hooks, deletion in uninstall order, wait until gone,
 * post-delete hooks, records purged unless uninstall.keepHistory), with every wait parked (status.inProgress
 * keeps the deadline; watch events resume it, no worker is held); the finalizer is removed only when that
 * succeeded or there was nothing to uninstall. A suspended release is left in place, as Flux does, and so
 * is a release another HelmRelease manages (claim.ts). A tenant release (impersonated) whose namespace is
 * being deleted, and whose calls are denied because the namespace's RBAC went first, is let go with a
 * Warning Event `UninstallSkipped` rather than holding the namespace Terminating forever.
 */
import { HELMRELEASE_FINALIZER } from '../../constants.js';
import { API_VERSION, type HelmRelease, type HelmReleaseSpec } from '../../crds/generated/types.js';
import { errorMessage } from '../../errors.js';
import { statusOf } from '../../runtime/api-error.js';
import { refOf } from '../../runtime/object.js';
import type { ActionContext, ActionOutcome, ReleaseRef } from '../actions/context.js';
import { uninstall } from '../actions/uninstall.js';
import { parkedWait, type ParkedWait } from './act.js';
import { parkedOutcome } from './finish.js';
import { uninstallOptions } from './run.js';
import { ReleaseStatus } from '../record.js';
import { claimedBy } from './claim.js';
import { outcomeEvent, outcomeReason, Reason, ReleaseCondition } from './conditions.js';
import type { ProgressReporter, ReleaseDriverDeps, ReleaseOutcome, ReleaseScope } from './types.js';

function hrRef(hr: HelmRelease): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: API_VERSION, kind: 'HelmRelease', namespace: hr.metadata.namespace ?? '', name: hr.metadata.name ?? '' };
}

/** True when the HelmRelease carries the finalizer. */
export function hasFinalizer(hr: HelmRelease): boolean {
  return hr.metadata.finalizers?.includes(HELMRELEASE_FINALIZER) ?? false;
}

/** Adds the finalizer unless present (one merge patch; Conflict when the object changed meanwhile). */
export async function ensureFinalizer(deps: Pick<ReleaseDriverDeps, 'objects'>, hr: HelmRelease): Promise<HelmRelease> {
  if (hasFinalizer(hr)) return hr;
  const finalizers = [...(hr.metadata.finalizers ?? []), HELMRELEASE_FINALIZER];
  return deps.objects.mergePatch<HelmRelease>(hrRef(hr), { metadata: { finalizers, resourceVersion: hr.metadata.resourceVersion } });
}

/** Removes the finalizer: re-reads the object (status writes moved it on), then one guarded merge patch. */
export async function removeFinalizer(deps: Pick<ReleaseDriverDeps, 'objects'>, hr: HelmRelease): Promise<void> {
  const latest = await deps.objects.get<HelmRelease>(hrRef(hr));
  if (latest === undefined || !hasFinalizer(latest)) return;
  const finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== HELMRELEASE_FINALIZER);
  await deps.objects.mergePatch(hrRef(hr), { metadata: { finalizers, resourceVersion: latest.metadata.resourceVersion } });
}

/**
 * Uninstalls `release` with the spec's uninstall options (waiting until gone, every wait parked; `parked`
 * is what status.inProgress recorded for a parked uninstall), timed for the action metrics. A parked pass
 * is not counted as an action: the pass that finishes it is.
 */
export async function timedUninstall(
  deps: Pick<ReleaseDriverDeps, 'onAction' | 'now'>,
  ctx: ActionContext,
  release: ReleaseRef,
  spec: HelmReleaseSpec,
  timeoutMs: number,
  parked?: ParkedWait,
): Promise<ActionOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  try {
    const outcome = await uninstall(ctx, { release, options: uninstallOptions(spec, timeoutMs, parked) });
    if (outcome.status !== 'waiting') deps.onAction?.('uninstall', outcome.status, (now() - started) / 1000);
    return outcome;
  } catch (err) {
    deps.onAction?.('uninstall', 'error', (now() - started) / 1000);
    throw err;
  }
}

/**
 * The outcome of a pass whose uninstall parked (a delete hook runs, or objects are going away): Progressing
 * with status.inProgress; a watch event on what it waits for wakes the reconcile.
 */
export function parkedUninstall(deps: Pick<ReleaseDriverDeps, 'now'>, hr: HelmRelease, release: ReleaseRef, outcome: ActionOutcome & { status: 'waiting' }): ReleaseOutcome {
  const waiting = { action: 'uninstall' as const, revision: outcome.record.version, deadline: outcome.deadline, message: outcome.message, ...(outcome.hooksSince === undefined ? {} : { hooksSince: outcome.hooksSince }) };
  const parked = parkedOutcome(hr, release, waiting, (deps.now ?? Date.now)());
  return { state: parked.state, status: { inProgress: parked.inProgress }, requeueAfterMs: parked.requeueAfterMs };
}

/** Everything {@link finalizeRelease} needs. */
export interface FinalizeInput {
  deps: ReleaseDriverDeps;
  hr: HelmRelease;
  spec: HelmReleaseSpec;
  scope: ReleaseScope;
  ctx: ActionContext;
  timeoutMs: number;
  progress: ProgressReporter;
}

/** True when `err`, or an error in its cause chain, is the API server's 401 or 403. */
function denied(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    const status = statusOf(e);
    if (status === 401 || status === 403) return true;
  }
  return false;
}

/**
 * The way out when a tenant's release cannot be uninstalled because its namespace is being deleted: the
 * namespace's RBAC (the tenant's Role and RoleBinding) is deleted with it, so every call as the tenant's
 * ServiceAccount is denied, forever, and the namespace would stay Terminating behind the finalizer. Then the
 * namespaced objects and the records go with the namespace; the finalizer is removed with a Warning Event
 * saying what was skipped. Undefined when this is not that case (the error is then reported as usual).
 */
async function namespaceGone(input: FinalizeInput, err: unknown): Promise<ReleaseOutcome | undefined> {
  const { deps, hr, scope } = input;
  if (scope.impersonate === undefined || !denied(err)) return undefined;
  const ns = hr.metadata.namespace ?? '';
  const namespace = await deps.objects.get({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: ns }).catch(() => undefined);
  if (namespace?.metadata?.deletionTimestamp === undefined) return undefined;
  const note =
    `uninstall skipped: namespace ${ns} is being deleted and ${scope.impersonate} may no longer act there (${errorMessage(err)}); ` +
    `the release's namespaced objects and records go with the namespace, cluster-scoped ones are left in place`;
  await deps.events.record(refOf(hr), { type: 'Warning', reason: 'UninstallSkipped', action: 'Uninstall', note });
  await removeFinalizer(deps, hr);
  return { state: { phase: 'progressing', reason: 'Deleting', message: note } };
}

/** Uninstalls a deleted HelmRelease's release, then lets it go; see the module comment. */
export async function finalizeRelease(input: FinalizeInput): Promise<ReleaseOutcome> {
  try {
    return await finalize(input);
  } catch (err) {
    const skipped = await namespaceGone(input, err);
    if (skipped !== undefined) return skipped;
    throw err;
  }
}

async function finalize(input: FinalizeInput): Promise<ReleaseOutcome> {
  const { deps, hr, spec, scope, ctx } = input;
  const { release } = scope;
  const gone: ReleaseOutcome = { state: { phase: 'progressing', reason: 'Deleting', message: `release ${release.namespace}/${release.name} is being removed` } };
  if (!hasFinalizer(hr)) return gone;
  const newest = spec.suspend === true ? undefined : await ctx.storage.latest(release.name);
  // A release another HelmRelease manages is not this one's to uninstall (claim.ts).
  const latest = newest !== undefined && (await claimedBy(deps, hr, newest, scope.impersonate)) === undefined ? newest.record : undefined;
  const keep = spec.uninstall?.keepHistory === true;
  if (latest !== undefined && !(latest.info.status === ReleaseStatus.Uninstalled && keep)) {
    await input.progress.progress({ phase: 'progressing', reason: Reason.Uninstalling, message: `uninstalling ${release.namespace}/${release.name}: the HelmRelease is being deleted` });
    const outcome = await timedUninstall(deps, ctx, release, spec, input.timeoutMs, parkedWait(hr, 'uninstall'));
    if (outcome.status === 'waiting') return parkedUninstall(deps, hr, release, outcome);
    await deps.events.record(refOf(hr), outcomeEvent('uninstall', outcome));
    if (outcome.status === 'failed') {
      const skipped = await namespaceGone(input, outcome.error);
      if (skipped !== undefined) return skipped;
      const message = `uninstall failed; the finalizer ${HELMRELEASE_FINALIZER} stays until it succeeds: ${outcome.error.message}`;
      return {
        state: { phase: 'retrying', reason: Reason.UninstallFailed, message },
        // The retry is a new uninstall attempt with its own timeout, as `helm uninstall` run again would be.
        status: { inProgress: undefined },
        conditions: [{ type: ReleaseCondition.Released, status: 'False', reason: outcomeReason('uninstall', false), message: outcome.error.message }],
        retry: outcome.error,
      };
    }
  }
  await removeFinalizer(deps, hr);
  return gone;
}
