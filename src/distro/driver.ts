/**
 * The distro driver: one reconcile of a MaglevDistro, on the HelmRelease engine. It reads the children from
 * the shared cache, the baseline from the distro's records, plans (plan.ts), decides (decide.ts), makes the
 * pass's moves (actions/), records finished changes as revisions, and reports status, Events and metrics.
 * A child's status change wakes the distro through the manager's owner mapping, so no pass polls; a pass
 * requeues itself only for the deadline of a running step. An in-sync distro sends no write request.
 */
import type { Logger } from 'pino';
import { canonicalJson } from '../chart/objects.js';
import { TriggerAnnotation } from '../constants.js';
import { ErrorCode, errorMessage, MaglevError } from '../errors.js';
import {
  API_VERSION,
  KINDS,
  withMaglevDistroDefaults,
  type ComponentStatus,
  type HelmRelease,
  type MaglevDistro,
  type MaglevDistroSpec,
  type MaglevDistroStatus,
} from '../crds/index.js';
import type { Driver, DriverOutcome } from '../controllers/common.js';
import type { EventInput, EventRecorder } from '../runtime/events.js';
import { refOf } from '../runtime/object.js';
import type { CacheReader } from '../runtime/store.js';
import type { DistroActionContext, DistroObjects } from './actions/context.js';
import { applyChild } from './actions/apply-child.js';
import { deleteChild } from './actions/delete-child.js';
import { ensureDistroFinalizer, finalizeDistro } from './actions/finalize.js';
import { recordRevision } from './actions/record-revision.js';
import { outcomeOf } from './outcome.js';
import type { BundleStore } from './bundle-store.js';
import { composeChecked } from './compose.js';
import { isChildOf, observeChild, type ObservedChild } from './children.js';
import { decide, type Decision } from './decide.js';
import { childName, desiredComponents, type DesiredDistro } from './desired.js';
import { historyEntry, MAX_DISTRO_HISTORY, type DistroHistory, type DistroRecord } from './history.js';
import { planDistro, type Baseline, type Plan } from './plan.js';
import type { Move } from './schedule.js';
import { ComponentLabel } from './selector.js';
import { componentStatuses, statusPlan } from './status.js';

/** What the driver reports for metrics. */
export interface DistroObserver {
  /** Components by phase and plan steps by action, after each pass. */
  status(distro: MaglevDistro, components: readonly ComponentStatus[], plan: Plan | undefined): void;
  /** A change ended: deployed, rolled-back or failed, after `seconds`. */
  finished(result: string, seconds: number): void;
  /** The distro is gone. */
  forget(distro: MaglevDistro): void;
}

/** Everything {@link distroDriver} needs. */
export interface DistroDriverDeps {
  children: CacheReader<HelmRelease>;
  objects: DistroObjects;
  history: DistroHistory;
  events: Pick<EventRecorder, 'record'>;
  observer?: DistroObserver;
  /** Reads `spec.bundle` (required for distros that use one). */
  bundles?: Pick<BundleStore, 'forDistro'>;
  now?: () => number;
}

/** The baseline a deployed record gives. */
export function baselineOf(record: DistroRecord | undefined): Baseline | undefined {
  return record === undefined ? undefined : { revision: record.revision, version: record.version, components: record.components };
}

/** Builds the MaglevDistro driver; see the module comment. */
export function distroDriver(deps: DistroDriverDeps): Driver<MaglevDistro, MaglevDistroStatus> {
  const now = deps.now ?? Date.now;
  // Read-your-writes for children: what this process last wrote to each, until the cache shows it.
  const written = new Map<string, { rv: string | undefined; digest: string; gone: boolean }>();

  const observeChildren = async (distro: MaglevDistro, ctx: DistroActionContext): Promise<Map<string, ObservedChild>> => {
    const ns = distro.metadata.namespace ?? '';
    const out = new Map<string, ObservedChild>();
    const cached = deps.children.list(ns).filter((hr) => hr.metadata.labels?.[ComponentLabel.Distro] === distro.metadata.name && isChildOf(hr, distro));
    const byName = new Map(cached.map((hr) => [hr.metadata.name ?? '', hr] as const));
    for (const [key, w] of written) {
      const [wns, name] = key.split('/') as [string, string];
      if (wns !== ns || !name.startsWith(`${distro.metadata.name ?? ''}-`)) continue;
      const hr = byName.get(name);
      const shows = w.gone ? hr === undefined || hr.metadata.deletionTimestamp !== undefined : hr !== undefined && (hr.metadata.resourceVersion === w.rv || observeChild(hr)?.digest === w.digest);
      if (shows) {
        written.delete(key);
        continue;
      }
      const fresh = await ctx.objects.get<HelmRelease>({ apiVersion: API_VERSION, kind: KINDS.HelmRelease, namespace: ns, name }, { signal: ctx.signal });
      if (fresh === undefined || !isChildOf(fresh, distro)) byName.delete(name);
      else byName.set(name, fresh);
    }
    for (const hr of byName.values()) {
      const child = observeChild(hr);
      if (child !== undefined) out.set(child.component, child);
    }
    return out;
  };

  /**
   * Makes a pass's moves at once: a change's moves all belong to one stage (one level, one direction; see
   * schedule.ts) and a steady distro's are repairs of children already at their target, so none waits for
   * another, and a level of `maxParallel` children costs one round trip instead of one each.
   * Every move is tried; the first failure is thrown after all have settled, so each write that did land is
   * remembered for read-your-writes.
   */
  const makeMoves = async (ctx: DistroActionContext, distro: MaglevDistro, desired: DesiredDistro, children: Map<string, ObservedChild>, moves: readonly Move[], baseline: Baseline | undefined): Promise<void> => {
    const dependsOnOf = new Map([...desired.components.map((d) => [d.name, d.dependsOn] as const)]);
    for (const b of baseline?.components ?? []) if (!dependsOnOf.has(b.name)) dependsOnOf.set(b.name, b.dependsOn);
    const settled = await Promise.allSettled(
      moves.map(async (move) => {
        const key = `${distro.metadata.namespace ?? ''}/${childName(distro.metadata.name ?? '', move.component)}`;
        if (move.kind === 'delete') {
          await deleteChild(ctx, distro, move.component);
          written.set(key, { rv: undefined, digest: '', gone: true });
          return;
        }
        const hr = await applyChild(ctx, distro, { component: move.component, spec: move.spec, dependsOn: dependsOnOf.get(move.component) ?? [] }, children.get(move.component)?.object);
        written.set(key, { rv: hr.metadata.resourceVersion, digest: move.digest, gone: false });
        const seen = observeChild(hr);
        if (seen !== undefined) children.set(move.component, seen);
      }),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  };

  /** The spec with the bundle composed in, after the bundle's checks (version, upgrade path, composed graph). */
  const withBundle = async (distro: MaglevDistro, baseline: Baseline | undefined, signal: AbortSignal): Promise<MaglevDistroSpec> => {
    if (deps.bundles === undefined) throw new MaglevError(ErrorCode.BundleFetchFailed, 'this operator has no bundle store configured', { terminal: true });
    return composeChecked(distro, await deps.bundles.forDistro(distro, signal), baseline?.version);
  };

  /**
   * The bundle of the last deployed revision, when it is not the current one, loaded into the bundle cache:
   * a rollback restores children whose chart digests name its archives, and they are served from there,
   * also after a restart. Best effort: if it cannot be read (its ConfigMap deleted, say), the change goes on
   * and only a rollback child would wait (DigestMismatch) for a bundle holding its archive.
   */
  const loadBaselineBundle = async (distro: MaglevDistro, record: DistroRecord | undefined, signal: AbortSignal, log: Logger): Promise<void> => {
    if (deps.bundles === undefined || record?.bundle === undefined || canonicalJson(record.bundle) === canonicalJson(distro.spec.bundle ?? null)) return;
    await deps.bundles.forDistro({ ...distro, spec: { ...distro.spec, bundle: record.bundle } }, signal).catch((err: unknown) => {
      log.warn({ err: errorMessage(err), revision: record.revision }, 'could not load the bundle of the last deployed revision (rollback target)');
    });
  };

  return async (obj: MaglevDistro, log: Logger, signal: AbortSignal, dctx): Promise<DriverOutcome<MaglevDistroStatus>> => {
    const ctx: DistroActionContext = { objects: deps.objects, signal, now };
    const spec = withMaglevDistroDefaults(obj.spec);
    if (obj.metadata.deletionTimestamp !== undefined) {
      const children = await observeChildren(obj, ctx);
      const fin = await finalizeDistro(ctx, deps.history, obj, children, spec.upgrade?.maxParallel ?? 4);
      if (fin.done) deps.observer?.forget(obj);
      return { state: { phase: 'progressing', reason: 'Deleting', message: fin.message } };
    }
    const ensured = await ensureDistroFinalizer(ctx, obj);
    if (ensured.metadata.resourceVersion !== obj.metadata.resourceVersion) dctx.observed(ensured);
    const records = await deps.history.list(ensured);
    const deployed = records.find((r) => r.status === 'deployed');
    const baseline = baselineOf(deployed);
    const distro = { ...ensured, spec: spec.bundle === undefined ? spec : await withBundle({ ...ensured, spec }, baseline, signal) };
    await loadBaselineBundle(distro, deployed, signal, log);
    const desired = desiredComponents(distro);
    const children = await observeChildren(distro, ctx);
    const plan = planDistro({ desired, version: spec.version, baseline, children });
    const forceToken = distro.metadata.annotations?.[TriggerAnnotation.ForceAt];
    const force = forceToken !== undefined && forceToken !== distro.status?.lastHandledForceAt ? forceToken : undefined;
    const decision = decide({
      plan,
      desired,
      children,
      baseline,
      attempt: distro.status?.attempt,
      last: records[0] === undefined ? undefined : historyEntry(records[0]),
      approvedPlan: spec.approvedPlan,
      paused: spec.paused === true,
      onFailure: spec.upgrade?.onFailure ?? 'rollback',
      maxParallel: spec.upgrade?.maxParallel ?? 4,
      now: now(),
      ...(force === undefined ? {} : { force }),
    });
    log.debug({ decision: decision.kind, plan: plan.id }, 'distro decision');
    if (decision.kind === 'steady') await makeMoves(ctx, distro, desired, children, decision.moves, baseline);
    if (decision.kind === 'run') await makeMoves(ctx, distro, desired, children, decision.schedule.moves, baseline);
    const finished = await finish(decision);
    const latestRecords = finished === undefined ? records : await deps.history.list(distro);
    const newBaseline = baselineOf(latestRecords.find((r) => r.status === 'deployed'));
    const shownPlan = finished === undefined ? plan : planDistro({ desired, version: spec.version, baseline: newBaseline, children });
    const mode = decision.kind === 'run' ? decision.mode : 'idle';
    const items = decision.kind === 'run' ? decision.schedule.items : undefined;
    const awaiting = decision.kind === 'awaitingApproval' ? new Set(decision.components) : undefined;
    const components = componentStatuses({ desired, plan: finished === undefined ? plan : shownPlan, children, mode, ...(items === undefined ? {} : { items }), ...(awaiting === undefined ? {} : { awaitingApproval: awaiting }) });
    const outcome = outcomeOf({ distro, decision, plan: shownPlan, components, records: latestRecords, force, now: now() });
    outcome.status = {
      ...outcome.status,
      plan: statusPlan(shownPlan),
      components,
      history: latestRecords.slice(0, MAX_DISTRO_HISTORY).map(historyEntry),
      revision: latestRecords[0]?.revision ?? 0,
    };
    const version = newBaseline?.version;
    if (version !== undefined) outcome.status.version = version;
    await emitEvents(distro, components);
    deps.observer?.status(distro, components, shownPlan);
    return outcome;

    async function finish(d: Decision): Promise<DistroRecord | undefined> {
      if (d.kind !== 'done' && d.kind !== 'failed') return undefined;
      const revision = (records[0]?.revision ?? 0) + 1;
      const complete = !plan.steps.some((s) => s.notSelected !== undefined);
      let status: 'deployed' | 'rolled-back' | 'failed' = 'deployed';
      let message: string | undefined;
      if (d.kind === 'failed') {
        status = 'failed';
        message = `${d.mode === 'rollback' ? 'rollback failed at' : 'failed at'} component ${d.component}: ${d.message}`;
      } else if (d.mode === 'rollback') {
        status = 'rolled-back';
        message = `component ${d.attempt.failed ?? '?'} failed: ${d.attempt.message ?? ''}`;
      }
      const version = status === 'deployed' && !complete ? (baseline?.version ?? spec.version) : spec.version;
      const record = await recordRevision(deps.history, distro, {
        revision,
        version,
        status,
        planId: plan.id,
        ...(message === undefined ? {} : { message }),
        desired: desired.components,
        children,
        ...(spec.bundle === undefined ? {} : { bundle: spec.bundle }),
        at: new Date(now()),
      });
      const started = Date.parse(d.attempt.startedAt ?? '');
      deps.observer?.finished(status, Number.isNaN(started) ? 0 : Math.max(0, (now() - started) / 1000));
      const event: EventInput =
        status === 'deployed'
          ? { type: 'Normal', reason: 'DistroDeployed', action: 'Upgrade', note: `distro ${version} deployed as revision ${revision}` }
          : { type: 'Warning', reason: status === 'rolled-back' ? 'DistroRolledBack' : 'DistroFailed', action: 'Upgrade', note: `revision ${revision} ${status}: ${message ?? ''}` };
      await deps.events.record(refOf(distro), event).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not record event'));
      return record;
    }

    async function emitEvents(distro: MaglevDistro, next: readonly ComponentStatus[]): Promise<void> {
      const before = new Map((distro.status?.components ?? []).map((c) => [c.name, c.phase] as const));
      const recorded: Promise<unknown>[] = [];
      for (const c of next) {
        const was = before.get(c.name);
        if (was === c.phase) continue;
        let event: EventInput | undefined;
        if (c.phase === 'Ready' && (was === 'Installing' || was === 'Upgrading' || was === 'RollingBack')) {
          event = { type: 'Normal', reason: was === 'RollingBack' ? 'ComponentRolledBack' : was === 'Installing' ? 'ComponentInstalled' : 'ComponentUpgraded', action: 'Step', note: `component ${c.name}: Ready at chart ${c.chartVersion ?? '?'} (Helm revision ${c.releaseRevision ?? '?'})` };
        } else if (c.phase === 'Failed') {
          event = { type: 'Warning', reason: 'ComponentFailed', action: 'Step', note: `component ${c.name}: ${c.message ?? ''}` };
        }
        if (event !== undefined) recorded.push(deps.events.record(refOf(distro), event).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not record event')));
      }
      await Promise.all(recorded);
    }
  };
}

