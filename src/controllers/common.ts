/**
 * What both controllers share: the thin reconcile shape (read the cache, validate, hand the object
 * to a driver, write status in one place) and the per-object readiness gauge. A driver does the
 * kind's real work (releases for HelmRelease, plans for MaglevDistro) and reports where it stands.
 */
import type { Logger } from 'pino';
import { TriggerAnnotation } from '../constants.js';
import { ErrorCode, MaglevError, errorMessage, isMaglevError } from '../errors.js';
import type { Problem } from '../crds/index.js';
import {
  ConditionType,
  getCondition,
  removeCondition,
  setCondition,
  summarize,
  type Condition,
  type ConditionInput,
  type ReconcileState,
} from '../runtime/conditions.js';
import type { EventRecorder } from '../runtime/events.js';
import { targetOf } from '../runtime/apply.js';
import { refOf, type KubeObject } from '../runtime/object.js';
import type { Intent, Reconciler, Result } from '../runtime/reconcile.js';
import { patchStatus, type StatusClient } from '../runtime/status.js';
import type { CacheReader } from '../runtime/store.js';


/** The status fields every maglev.io object carries. */
export interface CommonStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  lastHandledReconcileAt?: string;
}

/** An object of one of our kinds, with a status the controller owns. */
export type ManagedObject<S extends CommonStatus> = KubeObject & { spec?: unknown; status?: S };

/** What a driver reports after doing (or deciding not to do) its work. */
export interface DriverOutcome<S> {
  state: ReconcileState;
  /** Kind-specific status fields to set (merged over the current status; undefined removes a field). */
  status?: Partial<S>;
  /** Kind-specific conditions (e.g. Released), set after the summary ones, so they may refine Stalled too. */
  conditions?: Omit<ConditionInput, 'observedGeneration'>[];
  /** Condition types to remove. */
  removeConditions?: string[];
  requeueAfterMs?: number;
  /**
   * The work failed and is worth retrying: after status is written the reconcile ends with this error, so the
   * controller's per-key backoff schedules the retry and the error counts in reconcile_total{result="error"}.
   * `requeueAfterMs` is then moot. The driver has already recorded its own Events for the failure.
   */
  retry?: Error;
}

/** What the reconciler offers a driver besides the object: progress before long work, and what it read. */
export interface DriverContext<T = unknown> {
  /** Writes `state` (Reconciling=True, Ready=Unknown) to status now, e.g. before an install starts. */
  progress(state: ReconcileState): Promise<void>;
  /**
   * The driver read `obj` fresh from the API server (or got it back from a write): the reconcile acts on its
   * intent (ReconcileContext.actsOn), and status writes start from it and report its generation.
   */
  observed: (obj: T) => void;
}

/**
 * The kind-specific part of a reconcile. It may throw; a terminal MaglevError stalls the object. Objects
 * being deleted reach the driver even when their spec is invalid, so it can run its finalizer.
 */
export type Driver<T, S> = (obj: T, log: Logger, signal: AbortSignal, ctx: DriverContext<T>) => Promise<DriverOutcome<S>>;

/** Reports the Ready condition of an object to the readiness gauge, or forgets a deleted object. */
export interface ReadinessSink {
  set(kind: string, namespace: string, name: string, ready: Condition | undefined): void;
  remove(kind: string, namespace: string, name: string): void;
}

/** Everything {@link objectReconciler} needs. */
export interface ObjectReconcilerDeps<T extends ManagedObject<S>, S extends CommonStatus> {
  kind: string;
  cache: CacheReader<T>;
  client: StatusClient;
  events: Pick<EventRecorder, 'record'>;
  readiness: ReadinessSink;
  /** Problems the API server cannot catch; any problem stalls the object with reason InvalidSpec. */
  validate: (obj: T) => Problem[];
  drive: Driver<T, S>;
  /**
   * A progress report is written only when the driver is still working this long after it (default 1 s): a
   * pass that parks or finishes sooner writes its outcome once instead of twice. 0 writes it at once.
   */
  progressDelayMs?: number;
  /** What an object asks for, for superseding (default: its generation). */
  intentOf?: (obj: T) => Intent;
  now?: () => Date;
}

/** Builds the reconciler for one kind (see the module comment and src/runtime/reconcile.ts). */
export function objectReconciler<T extends ManagedObject<S>, S extends CommonStatus>(
  deps: ObjectReconcilerDeps<T, S>,
): Reconciler {
  const now = deps.now ?? (() => new Date());
  const delayMs = deps.progressDelayMs ?? 1_000;
  const intentOf = deps.intentOf ?? ((o: T): Intent => ({ generation: o.metadata?.generation ?? 0 }));
  // Read-your-writes: the resourceVersion of the newest copy of each object a reconcile read or wrote. The
  // cache serves a reconcile only once it shows that version; until its watch catches up, one GET does.
  const newest = new Map<string, string>();
  return async (req, ctx): Promise<Result> => {
    const key = `${req.namespace}/${req.name}`;
    const cached = deps.cache.get(req.namespace, req.name);
    const behind = cached !== undefined && newest.has(key) && cached.metadata?.resourceVersion !== newest.get(key);
    const obj = cached === undefined || !behind ? cached : await deps.client.get<T>(targetOf(cached), { signal: ctx.signal });
    if (obj === undefined) {
      newest.delete(key);
      deps.readiness.remove(deps.kind, req.namespace, req.name);
      return {};
    }
    ctx.actsOn(intentOf(obj));
    let outcome: DriverOutcome<S>;
    let failure: Error | undefined;
    // The newest copy of the object this reconcile has: the cache's when it is current, else read; then as written.
    let latest: T = obj;
    let progressTimer: ReturnType<typeof setTimeout> | undefined;
    let progressWrite: Promise<void> | undefined;
    const remember = (): void => {
      const rv = latest.metadata?.resourceVersion;
      if (rv === undefined) newest.delete(key);
      else newest.set(key, rv);
    };
    const deleting = obj.metadata?.deletionTimestamp !== undefined;
    const problems = deleting ? [] : deps.validate(obj);
    if (problems.length > 0) {
      failure = new MaglevError(ErrorCode.InvalidSpec, problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
        terminal: true,
        where: problems[0]?.field,
      });
      outcome = { state: { phase: 'stalled', reason: ErrorCode.InvalidSpec, message: errorMessage(failure) } };
    } else {
      try {
        const progress = async (state: ReconcileState): Promise<void> => {
          const write = async (): Promise<void> => {
            latest = (await writeStatus(deps, latest, { state }, now())) ?? latest;
          };
          if (delayMs <= 0) return write();
          clearTimeout(progressTimer);
          progressTimer = setTimeout(() => {
            progressTimer = undefined;
            progressWrite = write().catch((err: unknown) => ctx.log.warn({ err: errorMessage(err) }, 'could not report progress'));
          }, delayMs);
        };
        const observed = (o: T): void => {
          latest = o;
          ctx.actsOn(intentOf(o));
        };
        outcome = await deps.drive(obj, ctx.log, ctx.signal, { progress, observed });
      } catch (err) {
        // Cancelled (superseded by a newer generation, lost lease, shutdown): not a failure of this object.
        // Nothing is reported; a superseded key runs again at once for the new generation.
        if (ctx.signal.aborted) {
          clearTimeout(progressTimer);
          await progressWrite;
          remember();
          ctx.log.debug({ err: errorMessage(err), reason: errorMessage(ctx.signal.reason) }, 'reconcile cancelled');
          return {};
        }
        failure = err instanceof Error ? err : new Error(errorMessage(err));
        const terminal = isMaglevError(err) && err.terminal;
        const reason = isMaglevError(err) ? err.code : 'ReconcileError';
        outcome = { state: { phase: terminal ? 'stalled' : 'retrying', reason, message: errorMessage(err) } };
      }
    }
    clearTimeout(progressTimer);
    await progressWrite;
    const wrote = await writeStatus(deps, latest, outcome, now());
    if (wrote === undefined) newest.delete(key);
    else {
      latest = wrote;
      remember();
    }
    const written = wrote?.status;
    if (written === undefined) deps.readiness.remove(deps.kind, req.namespace, req.name);
    else deps.readiness.set(deps.kind, req.namespace, req.name, getCondition(written.conditions, ConditionType.Ready));
    if (failure !== undefined) {
      if (written !== undefined && changedTo(obj.status, written)) {
        await deps.events.record(refOf(obj), { type: 'Warning', reason: outcome.state.reason, action: 'Reconcile', note: outcome.state.message });
      }
      throw failure;
    }
    if (outcome.retry !== undefined) throw outcome.retry;
    return outcome.requeueAfterMs === undefined ? {} : { requeueAfterMs: outcome.requeueAfterMs };
  };
}

/** True when the Ready condition's reason or message differs from the one before (a new failure). */
function changedTo(before: CommonStatus | undefined, after: CommonStatus): boolean {
  const a = getCondition(before?.conditions, ConditionType.Ready);
  const b = getCondition(after.conditions, ConditionType.Ready);
  return a?.reason !== b?.reason || a?.message !== b?.message;
}

/**
 * Writes the outcome to status, starting from `obj` (the newest copy the reconcile has; a stale one costs a
 * 409 and a read). Returns the object as written (or as it was, when nothing changed); undefined when gone.
 */
async function writeStatus<T extends ManagedObject<S>, S extends CommonStatus>(
  deps: ObjectReconcilerDeps<T, S>,
  obj: T,
  outcome: DriverOutcome<S>,
  at: Date,
): Promise<T | undefined> {
  const generation = obj.metadata?.generation;
  const requested = obj.metadata?.annotations?.[TriggerAnnotation.ReconcileRequestedAt];
  const result = await patchStatus<ManagedObject<S>>(
    deps.client,
    obj,
    (current) => {
      const base = (current ?? {}) as S;
      const next: S = { ...base, ...outcome.status, observedGeneration: generation };
      let conditions = summarize(base.conditions, outcome.state, generation, at);
      for (const c of outcome.conditions ?? []) conditions = setCondition(conditions, { ...c, observedGeneration: generation }, at);
      for (const type of outcome.removeConditions ?? []) conditions = removeCondition(conditions, type);
      next.conditions = conditions;
      if (requested !== undefined) next.lastHandledReconcileAt = requested;
      return next;
    },
    { known: obj },
  );
  return result.outcome === 'notFound' ? undefined : (result.object as T);
}
