/**
 * Moving a release: when spec.releaseName or spec.targetNamespace changes, status.releaseName and
 * status.releaseNamespace still name the release the HelmRelease installed. Helm cannot rename a release, so,
 * as Flux does, the old one is uninstalled first (pre/post-delete hooks, deletion in uninstall order, wait
 * until gone, records purged unless uninstall.keepHistory) and the new one is then installed by the normal
 * plan. Until the old release is gone nothing is installed under the new name: a failed uninstall is retried
 * (reason UninstallFailed). A release another HelmRelease manages is not uninstalled (claim.ts).
 */
import type { HelmRelease, HelmReleaseSpec } from '../../crds/generated/types.js';
import { refOf } from '../../runtime/object.js';
import type { ReleaseRef } from '../actions/context.js';
import { ReleaseStatus } from '../record.js';
import { claimedBy } from './claim.js';
import { Reason } from './conditions.js';
import { parkedWait } from './act.js';
import { parkedUninstall, timedUninstall } from './finalizer.js';
import type { ProgressReporter, ReleaseDriverDeps, ReleaseOutcome, ReleaseScope } from './types.js';

/** The release status says the HelmRelease manages, when it is not the one the spec asks for. */
export function previousRelease(hr: HelmRelease, desired: ReleaseRef): ReleaseRef | undefined {
  const name = hr.status?.releaseName;
  if (name === undefined || name === '') return undefined;
  const namespace = hr.status?.releaseNamespace ?? hr.metadata.namespace ?? '';
  return name === desired.name && namespace === desired.namespace ? undefined : { name, namespace };
}

/** What {@link moveRelease} needs. */
export interface MoveInput {
  deps: ReleaseDriverDeps;
  hr: HelmRelease;
  spec: HelmReleaseSpec;
  scope: ReleaseScope;
  timeoutMs: number;
  progress: ProgressReporter;
}

/** Uninstalls the previous release when the spec moved it; an outcome to report when that failed. */
export async function moveRelease(input: MoveInput): Promise<ReleaseOutcome | undefined> {
  const { deps, hr, spec, scope } = input;
  const previous = previousRelease(hr, scope.release);
  if (previous === undefined) return undefined;
  const ctx = deps.contextFor({ ...scope, release: previous });
  const newest = await ctx.storage.latest(previous.name);
  if (newest === undefined || newest.record.info.status === ReleaseStatus.Uninstalled) return undefined;
  if ((await claimedBy(deps, hr, newest, scope.impersonate)) !== undefined) return undefined;
  const from = `${previous.namespace}/${previous.name}`;
  const to = `${scope.release.namespace}/${scope.release.name}`;
  await input.progress.progress({ phase: 'progressing', reason: Reason.Uninstalling, message: `uninstalling ${from}: the release moved to ${to}` });
  const outcome = await timedUninstall(deps, ctx, previous, spec, input.timeoutMs, parkedWait(hr, 'uninstall'));
  // Parked on a delete hook or on objects going away: nothing is installed under the new name meanwhile.
  if (outcome.status === 'waiting') return parkedUninstall(deps, hr, previous, outcome);
  if (outcome.status === 'failed') {
    const message = `the release moved from ${from} to ${to}, and uninstalling ${from} failed: ${outcome.error.message}`;
    await deps.events.record(refOf(hr), { type: 'Warning', reason: Reason.UninstallFailed, action: 'Uninstall', note: message });
    return { state: { phase: 'retrying', reason: Reason.UninstallFailed, message }, status: { inProgress: undefined }, retry: outcome.error };
  }
  await deps.events.record(refOf(hr), { type: 'Normal', reason: 'UninstallSucceeded', action: 'Uninstall', note: `uninstalled ${from}: the release moved to ${to}` });
  return undefined;
}
