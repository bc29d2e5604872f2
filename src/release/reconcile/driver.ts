/**
 * The release driver: what the HelmRelease controller calls for each object. In order:
 * 1. take the HelmRelease the reconciler hands over: the cache's copy once the cache shows the last write
 *    of this operator, else one read fresh (status counters must not come from a lagging cache; common.ts);
 * 2. being deleted → uninstall and release the finalizer (finalizer.ts);
 * 3. suspended → nothing (Ready reason Suspended); dependencies not Ready → wait (DependencyNotReady); a
 *    dependency in another namespace the release's ServiceAccount may not read → wait, saying so (tenant.ts);
 * 4. releaseName or targetNamespace changed → uninstall the release status names first (move.ts);
 * 5. resolve the desired state (values, chart, digest); errors keep their codes (ChartNotFound, …);
 * 6. plan and act (act.ts), rendering only when an action needs it;
 * 7. report status derived from the records (finish.ts) and requeue after `interval` with jitter.
 * An in-sync release is read, planned and reported with reads only: no render, no write.
 */
import type { Logger } from 'pino';
import { withHelmReleaseDefaults } from '../../crds/defaults.js';
import { parseDuration } from '../../crds/duration.js';
import type { HelmRelease, HelmReleaseSpec } from '../../crds/generated/types.js';
import { TriggerAnnotation } from '../../constants.js';
import { during } from '../../runtime/activity.js';
import type { Intent } from '../../runtime/reconcile.js';
import type { LookupRequest } from '../../render/types.js';
import { getCondition } from '../../runtime/conditions.js';
import { planAndAct } from './act.js';
import { finalizeRelease, ensureFinalizer } from './finalizer.js';
import { finish } from './finish.js';
import { Reason } from './conditions.js';
import { resolveDesired } from './inputs.js';
import { moveRelease } from './move.js';
import { readHelmRelease } from './tenant.js';
import type { ProgressReporter, ReleaseDriver, ReleaseDriverDeps, ReleaseOutcome, ReleaseScope } from './types.js';

/** What a HelmRelease asks for now (the supersede check compares these): its generation and `maglev.io/force-at` token. */
export function releaseIntent(hr: HelmRelease): Intent {
  const token = hr.metadata.annotations?.[TriggerAnnotation.ForceAt];
  return token === undefined ? { generation: hr.metadata.generation ?? 0 } : { generation: hr.metadata.generation ?? 0, token };
}

/** `system:serviceaccount:<ns>:<sa>` for the release's ServiceAccount or the operator default, if any. */
export function impersonationOf(hr: HelmRelease, spec: HelmReleaseSpec, defaultServiceAccount: string | undefined): string | undefined {
  const sa = spec.serviceAccountName !== undefined && spec.serviceAccountName !== '' ? spec.serviceAccountName : defaultServiceAccount;
  return sa === undefined || sa === '' ? undefined : `system:serviceaccount:${hr.metadata.namespace ?? ''}:${sa}`;
}

/** The release of the HelmRelease; on deletion, the one status says was managed, when it says so. */
function scopeOf(hr: HelmRelease, spec: HelmReleaseSpec, deps: ReleaseDriverDeps, log: Logger, signal: AbortSignal): ReleaseScope {
  const desired = { name: spec.releaseName ?? hr.metadata.name ?? '', namespace: spec.targetNamespace ?? hr.metadata.namespace ?? '' };
  const deleting = hr.metadata.deletionTimestamp !== undefined;
  const scope: ReleaseScope = {
    release: deleting ? { name: hr.status?.releaseName ?? desired.name, namespace: hr.status?.releaseNamespace ?? desired.namespace } : desired,
    ownerUid: hr.metadata.uid ?? '',
    ownerName: `${hr.metadata.namespace ?? ''}/${hr.metadata.name ?? ''}`,
    maxHistory: spec.maxHistory ?? 10,
    log,
    signal,
  };
  const who = impersonationOf(hr, spec, deps.defaultServiceAccount);
  if (who !== undefined) scope.impersonate = who;
  const { wake } = deps;
  if (wake !== undefined) scope.wake = () => wake({ namespace: hr.metadata.namespace ?? '', name: hr.metadata.name ?? '' });
  return scope;
}

/** What {@link unreadyDependencies} found: each dependency not Ready, described, and how many were denied. */
export interface DependencyCheck {
  waiting: string[];
  /** Dependencies the release's ServiceAccount may not read (their state is not shown). */
  denied: number;
}

/**
 * The HelmReleases named in dependsOn that are not Ready at their current generation, described. One in
 * another namespace is read as the release's ServiceAccount, if it has one (tenant.ts); a denied read says
 * so and shows nothing of the dependency's state.
 */
export async function unreadyDependencies(deps: Pick<ReleaseDriverDeps, 'objects' | 'releases' | 'access'>, hr: HelmRelease, spec: HelmReleaseSpec, impersonate?: string): Promise<DependencyCheck> {
  const out: DependencyCheck = { waiting: [], denied: 0 };
  const from = hr.metadata.namespace ?? '';
  for (const d of spec.dependsOn ?? []) {
    const namespace = d.namespace ?? from;
    // From the cache; a dependency it does not hold (another namespace under --watch-namespace) is read.
    const read = await readHelmRelease(deps, { from, cached: true, ...(impersonate === undefined ? {} : { impersonate }) }, namespace, d.name);
    const at = `${namespace}/${d.name}`;
    if (read.state === 'denied') {
      out.denied++;
      out.waiting.push(`${at} (${read.message})`);
      continue;
    }
    const dep = read.state === 'found' ? read.hr : undefined;
    const ready = getCondition(dep?.status?.conditions, 'Ready');
    if (dep === undefined) out.waiting.push(`${at} (not found)`);
    else if (dep.status?.observedGeneration !== dep.metadata.generation) out.waiting.push(`${at} (generation ${dep.metadata.generation ?? 0} not yet reconciled)`);
    else if (ready?.status !== 'True') out.waiting.push(`${at} (${ready === undefined ? 'no Ready condition' : `Ready=${ready.status}: ${ready.reason}`})`);
  }
  return out;
}

/** Builds the driver; see the module comment. */
export function releaseDriver(deps: ReleaseDriverDeps): ReleaseDriver {
  return async (hr: HelmRelease, log: Logger, signal: AbortSignal, progress: ProgressReporter): Promise<ReleaseOutcome> => {
    const spec = withHelmReleaseDefaults(hr.spec);
    const scope = scopeOf(hr, spec, deps, log, signal);
    const timeoutMs = parseDuration(spec.timeout ?? '5m', 'spec.timeout');
    if (hr.metadata.deletionTimestamp !== undefined) {
      return finalizeRelease({ deps, hr, spec, scope, ctx: deps.contextFor(scope), timeoutMs, progress });
    }
    if (spec.suspend === true) {
      return { state: { phase: 'suspended', reason: Reason.Suspended, message: 'reconciliation is suspended (spec.suspend: true): nothing is installed, upgraded or removed' } };
    }
    const { waiting, denied } = await unreadyDependencies(deps, hr, spec, scope.impersonate);
    if (waiting.length > 0) {
      const requeueMs = deps.dependencyRequeueMs ?? 10_000;
      return {
        state: { phase: 'retrying', reason: Reason.DependencyNotReady, message: `waiting for dependencies to be Ready: ${waiting.join(', ')}` },
        requeueAfterMs: denied > 0 ? Math.min(requeueMs, deps.deniedRequeueMs ?? 30_000) : requeueMs,
      };
    }
    const moving = await moveRelease({ deps, hr, spec, scope, timeoutMs, progress });
    if (moving !== undefined) return moving;
    const ctx = deps.contextFor(scope);
    const caps = await deps.capabilities();
    const call = scope.impersonate === undefined ? { signal } : { impersonate: scope.impersonate, signal };
    const desired = await resolveDesired(deps, hr.metadata.namespace ?? '', spec, call, caps.kubeVersion);
    const render = (revision: number, isInstall: boolean) =>
      during(`rendering revision ${revision} of ${scope.release.namespace}/${scope.release.name}`, () => deps.render({
        chart: desired.prepared.chart,
        values: desired.prepared.values,
        release: { name: scope.release.name, namespace: scope.release.namespace, revision, isInstall, isUpgrade: !isInstall },
        capabilities: caps,
        ...(deps.lookup === undefined ? {} : { lookup: (req: LookupRequest) => deps.lookup?.(req, call) ?? Promise.resolve(undefined) }),
      }));
    const result = await planAndAct({ deps, hr, spec, scope, ctx, desired, timeoutMs, render, progress, beforeAction: async () => progress.observed(await ensureFinalizer(deps, hr)) });
    return finish({ deps, hr, spec, scope, ctx, result });
  };
}
