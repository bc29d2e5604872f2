/**
 * The reconcile contract: the one agreement between the controller loop and every reconciler.
 *
 * A reconciler is called with the `namespace`/`name` of an object (never the event that caused the call)
 * and brings the world in line with that object's current state. It is level-based: it reads what is
 * there now (cache, API server), decides, acts, and records status. Calling it twice in a row must do
 * nothing the second time, and a reconcile that finds nothing to do sends no writes.
 *
 * How it ends decides what happens next:
 * - returns `{}`                         → success: the key's backoff is reset; nothing is scheduled.
 *                                          The next watch event for the object calls it again.
 * - returns `{ requeueAfterMs: n }` n > 0 → success, and the key is queued again after n ms
 *                                          (for polling something that has no watch event).
 * - throws any error                     → the key is retried with per-key exponential backoff
 *                                          (default 1 s doubling to 5 min); `requeueAfterMs` is moot.
 * - throws a `MaglevError` with `terminal: true` (src/errors.ts)
 *                                        → no retry: the backoff is reset and the key is dropped until
 *                                          the object changes and a watch event queues it again. The
 *                                          reconciler records the failure itself (`Stalled=True`).
 *
 * Guarantees from the controller: one key is never reconciled by two workers at once; `ctx.signal`
 * aborts when the controller is stopping and its shutdown deadline has passed, at once when the replica
 * lost its leader lease (its writes are then refused anyway), and when this one reconcile is superseded:
 * the reconciler says which {@link Intent} of its object it acts on (`ctx.actsOn`, once it has read the
 * object), and a watch reporting a newer intent (`Controller.supersede`) aborts it, whether the report
 * comes before or after the reconciler said. A reconcile that never says is never superseded. A reconcile
 * should stop at the next safe point; `ctx.log` is a child logger bound to controller, namespace, name and
 * a per-call reconcileId.
 */
import type { Logger } from 'pino';
import { isMaglevError } from '../errors.js';

/** The object to reconcile. `namespace` is '' for cluster-scoped objects. */
export interface Request {
  namespace: string;
  name: string;
}

/** What a successful reconcile asks for next. */
export interface Result {
  /** Queue the object again after this many milliseconds (ignored when ≤ 0 or absent). */
  requeueAfterMs?: number;
}

/**
 * What a user asked of an object at one moment: its `metadata.generation` and, when set, a trigger token
 * (an annotation such as `maglev.io/force-at` that asks for work without changing the spec).
 */
export interface Intent {
  generation: number;
  token?: string;
}

/**
 * True when `newer` asks for something `current` does not: a higher generation, or the same generation with
 * a token `current` did not carry. An older or equal report never supersedes (a watch event can arrive after
 * the reconciler read the same object fresh from the API server).
 */
export function supersedes(newer: Intent, current: Intent): boolean {
  if (newer.generation !== current.generation) return newer.generation > current.generation;
  return newer.token !== undefined && newer.token !== '' && newer.token !== current.token;
}

/** Per-call context handed to a reconciler. */
export interface ReconcileContext {
  /** Logger bound to controller, namespace, name and reconcileId. */
  log: Logger;
  /** Aborted on shutdown past its deadline, on lost leadership, or when this reconcile is superseded. */
  signal: AbortSignal;
  /**
   * Says which intent of the object this reconcile acts on (call it after reading the object; again if it
   * reads a newer one). Aborts `signal` at once when a newer intent was already reported.
   */
  actsOn: (intent: Intent) => void;
}

/** A reconciler: see the module comment for what each outcome means. */
export type Reconciler = (req: Request, ctx: ReconcileContext) => Promise<Result>;

/** How one reconcile ended; also the `result` label of the reconcile metrics. */
export const ReconcileOutcome = {
  Success: 'success',
  Requeue: 'requeue',
  Error: 'error',
  Terminal: 'terminal',
} as const;

/** One of {@link ReconcileOutcome}. */
export type ReconcileOutcome = (typeof ReconcileOutcome)[keyof typeof ReconcileOutcome];

/** Classifies how a reconcile ended: pass the result, or the thrown value with `threw: true`. */
export function classifyOutcome(
  ended: { threw: false; result: Result } | { threw: true; error: unknown },
): ReconcileOutcome {
  if (ended.threw) {
    return isMaglevError(ended.error) && ended.error.terminal ? ReconcileOutcome.Terminal : ReconcileOutcome.Error;
  }
  const after = ended.result.requeueAfterMs;
  return after !== undefined && after > 0 ? ReconcileOutcome.Requeue : ReconcileOutcome.Success;
}

/** The queue key of an object: `namespace/name`, or `name` when cluster-scoped. */
export function keyOf(req: Request): string {
  return req.namespace === '' ? req.name : `${req.namespace}/${req.name}`;
}

/** Inverse of {@link keyOf}. */
export function parseKey(key: string): Request {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The request for a Kubernetes object (reads `metadata.namespace` and `metadata.name`). */
export function requestFor(obj: { metadata?: { namespace?: string; name?: string } }): Request {
  return { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
}
