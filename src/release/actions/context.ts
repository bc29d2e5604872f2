/**
 * What every release action runs against, as interfaces so actions are tested with fakes and wired to
 * the cluster by the controller: record storage, an applier (server-side apply as `maglev-operator`, get,
 * delete, and REST scope), a hook executor, a readiness waiter, a clock and a logger. An action runs
 * ONE Helm operation end to end and reports how it ended; it never picks the next action (the planner does).
 */
import type { Logger } from 'pino';
import type { MaglevError } from '../../errors.js';
import type { ApplyOptions, CallOptions, TargetRef } from '../../runtime/apply.js';
import type { Clock } from '../../runtime/clock.js';
import type { KubeObject } from '../../runtime/object.js';
import type { HookExecutor } from '../hooks.js';
import type { ReleaseRecord } from '../record.js';
import type { ReleaseStorage } from '../storage.js';


/** Cluster writes and reads; `ResourceClient` (src/runtime/apply.ts) plus a REST-mapper lookup implement it. */
export interface ReleaseApplier {
  apply(obj: KubeObject, opts?: ApplyOptions): Promise<KubeObject>;
  /** The live object, or undefined when it does not exist. */
  get(ref: TargetRef, opts?: CallOptions): Promise<KubeObject | undefined>;
  /**
   * Several objects (undefined: not found), read through the shared watch caches where they can be: one list
   * per kind and namespace for every release there, instead of one GET per object. May lag a write someone
   * else made a moment ago.
   */
  lookup(refs: readonly TargetRef[], opts?: CallOptions): Promise<(KubeObject | undefined)[]>;
  /** Deletes (propagation Background); false when already gone. */
  delete(ref: TargetRef, opts?: CallOptions): Promise<boolean>;
  /** Whether objects of `kind` in `apiVersion` are namespaced (from discovery); rejects for unknown kinds. */
  namespaced(apiVersion: string, kind: string): Promise<boolean>;
  /**
   * Waits until discovery serves every kind (CRDs just established; RestMapper.waitForKind), so objects of
   * those kinds can be applied next. Rejects with UnknownKind naming a kind still not served after `timeoutMs`.
   */
  awaitServed(kinds: readonly ServedKind[], timeoutMs: number): Promise<void>;
}

/** A kind a CRD defines, in one of its served versions. */
export interface ServedKind {
  apiVersion: string;
  kind: string;
}

/**
 * Waits for objects to become ready (kstatus Current); see wait.ts for the watch-backed implementation.
 * With `park`, a waiter that can park (one wired to wake the reconcile) does not hold the caller: when the
 * objects are not ready yet it throws {@link Parked}, and the action is resumed later from its record.
 */
export interface ReadinessWaiter {
  /**
   * Resolves when all are ready; rejects with MaglevError WaitTimeout (naming the objects, `timeoutMs` in the
   * message), or with {@link Parked}. `park.deadline` (ms since the epoch) is when the wait fails.
   */
  waitReady(refs: readonly TargetRef[], timeoutMs: number, park?: { deadline: number }, applied?: readonly (AppliedVersion | undefined)[]): Promise<void>;
  /**
   * Resolves when none of `refs` exists any more; rejects with WaitTimeout naming those still there, or,
   * asked to park, with {@link Parked} as {@link waitReady} does.
   */
  waitDeleted?(refs: readonly TargetRef[], timeoutMs: number, park?: { deadline: number }): Promise<void>;
}

/**
 * The version of an object an apply returned. A watch cache may still hold an older copy for a moment (the
 * Deployment as it was before the upgrade, ready), so a wait judges an object older than this as not yet
 * observed, the way helm's wait reads the object after it applied it.
 */
export interface AppliedVersion {
  generation?: number;
  resourceVersion?: string;
}

/** Everything an action needs besides its own input. */
export interface ActionContext {
  storage: ReleaseStorage;
  applier: ReleaseApplier;
  hooks: HookExecutor;
  waiter: ReadinessWaiter;
  clock: Pick<Clock, 'now'>;
  log: Logger;
  /** Passed on every cluster call (e.g. impersonation of the release's service account). */
  call?: CallOptions;
  /** What this context's applies returned, by `refKey`; the readiness wait of the same action reads it. */
  applied?: Map<string, AppliedVersion>;
}

/** The Helm release an action works on: its name and the namespace its records and objects live in. */
export interface ReleaseRef {
  name: string;
  namespace: string;
}

/**
 * How an action ended. `failed`: the action ran and failed; the failure is recorded in `record` (when a
 * record was written) and described by `error`. Failures to reach the API server while bookkeeping are
 * thrown instead, so the reconcile retries. `waiting`: parked (no caller held) until what it waits for is
 * there or `deadline` passes; `phase: 'test'` when the action is done and its chart tests are what runs.
 * `hooksSince`: parked in a hook event after the action's first (post-install, post-delete...), which began
 * then; the resume passes it back, so a hook of both events (pre- and post-) is not taken as done by the
 * post event for having run in the pre one. `applied`: parked after the objects were applied (readiness
 * wait, post hooks); a wait parked before (pre hooks) resumes by applying them.
 */
export type ActionOutcome =
  | { status: 'succeeded'; record: ReleaseRecord | undefined; message: string; tests?: TestRun }
  | { status: 'failed'; record: ReleaseRecord | undefined; error: MaglevError; tests?: TestRun }
  | { status: 'waiting'; record: ReleaseRecord; message: string; deadline: number; phase?: 'test'; hooksSince?: number; applied?: boolean };

/**
 * Thrown by a parking waiter: the objects are not ready yet and the caller should record where it stands
 * and return; a watch event (or the deadline) wakes the reconcile, which resumes the action.
 */
export class Parked extends Error {
  constructor(
    message: string,
    readonly deadline: number,
  ) {
    super(message);
    this.name = 'Parked';
  }
}

/** The chart tests run after a successful install or upgrade: how many test hooks, and the failure. */
export interface TestRun {
  hooks: number;
  error?: MaglevError;
}
