/**
 * The release driver's contract with the HelmRelease controller, and everything it runs on, as interfaces
 * so the orchestration is tested with in-memory fakes and wired to the cluster by main: object reads and
 * metadata patches (HelmRelease, ConfigMaps, Secrets), an action-context factory per release (records,
 * applier, hooks, waiter, impersonation), chart fetching, rendering, cluster capabilities, events, metrics.
 */
import type { Logger } from 'pino';
import type { ChartCache } from '../../chart/cache.js';
import type { ChartRef, FetchDeps, FetchedChart } from '../../chart/source/common.js';
import type { HelmRelease, HelmReleaseStatus } from '../../crds/generated/types.js';
import type { LookupRequest, RenderCapabilities, RenderInput, RenderResult } from '../../render/types.js';
import type { AccessReviewer } from '../../runtime/access.js';
import type { CallOptions, TargetRef } from '../../runtime/apply.js';
import type { ConditionInput, ReconcileState } from '../../runtime/conditions.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { KubeObject } from '../../runtime/object.js';
import type { ActionContext, ReleaseRef } from '../actions/context.js';

/** What the driver reports; the controller writes it to status (see src/controllers/common.ts). */
export interface ReleaseOutcome {
  state: ReconcileState;
  /** Status fields to set; a field set to undefined is removed. */
  status?: Partial<HelmReleaseStatus>;
  /** Conditions besides the summary ones (Released, Remediated, a refined Stalled). */
  conditions?: Omit<ConditionInput, 'observedGeneration'>[];
  removeConditions?: string[];
  requeueAfterMs?: number;
  /**
   * The work failed and is worth retrying: after status is written the reconcile ends with this error, so the
   * controller's per-key backoff schedules the retry and the error counts in reconcile_total{result="error"}.
   * `requeueAfterMs` is then moot. The driver has already recorded its own Events for the failure.
   */
  retry?: Error;
}

/** Lets the driver show progress (Reconciling=True) before long work such as an install. */
export interface ProgressReporter {
  progress(state: ReconcileState): Promise<void>;
  /** The pass read `hr` fresh (or got it back from a write): it acts on that, and status writes start from it. */
  observed: (hr: HelmRelease) => void;
}

/** The driver the controller calls for each valid HelmRelease (and each one being deleted). */
export type ReleaseDriver = (hr: HelmRelease, log: Logger, signal: AbortSignal, ctx: ProgressReporter) => Promise<ReleaseOutcome>;

/** Reads any object and merge-patches metadata; `ResourceClient` (src/runtime/apply.ts) implements it. */
export interface ObjectAccess {
  get<T extends KubeObject>(ref: TargetRef, opts?: CallOptions): Promise<T | undefined>;
  mergePatch<T extends KubeObject>(ref: TargetRef, patch: unknown, opts?: CallOptions & { subresource?: string }): Promise<T>;
}

/** One release as the cluster side sees it: where it lives, who owns its records, whom to impersonate. */
export interface ReleaseScope {
  release: ReleaseRef;
  /** UID of the HelmRelease, stamped on the records the operator writes. */
  ownerUid: string;
  /** `namespace/name` of the HelmRelease, stamped next to its UID. */
  ownerName?: string;
  /** Records kept (0: unlimited). */
  maxHistory: number;
  /** `system:serviceaccount:<ns>:<name>` when every release write is impersonated. */
  impersonate?: string;
  log: Logger;
  signal: AbortSignal;
  /** Re-queues this HelmRelease's reconcile; given, readiness waits park instead of holding the worker. */
  wake?: () => void;
}

/** Builds the action context (records, applier, hooks, waiter) of one release. */
export type ActionContextFactory = (scope: ReleaseScope) => ActionContext;

/** How one action ended, for metrics: succeeded, failed (recorded), or error (thrown: API unreachable...). */
export type ActionResult = 'succeeded' | 'failed' | 'waiting' | 'error';

/** Receives one observation per action run; main binds it to prom-client. */
export type ActionObserver = (action: string, result: ActionResult, seconds: number) => void;

/** Everything {@link releaseDriver} needs. */
export interface ReleaseDriverDeps {
  /** The HelmRelease cache, for dependsOn checks without a request (a miss falls back to `objects`). */
  releases?: { get(namespace: string, name: string): HelmRelease | undefined };
  /**
   * Says whether a release's ServiceAccount may read a HelmRelease of another namespace before the cache's
   * copy is used for it (tenant.ts). Absent: such reads skip the cache and are sent as the ServiceAccount.
   */
  access?: AccessReviewer;
  objects: ObjectAccess;
  contextFor: ActionContextFactory;
  fetchChart(ref: ChartRef, deps: FetchDeps): Promise<FetchedChart>;
  /** Shared by every fetch of the process. */
  chartCache?: ChartCache;
  /**
   * The archive of a distro component's chart (`spec.chart.distroRef`), from the distro's bundle as the
   * operator holds it; `digest` is the archive the child expects (its `verify.digest`).
   */
  distroChart?: (namespace: string, ref: { name: string; component: string }, digest: string | undefined, signal?: AbortSignal) => Promise<{ archive: Buffer; source: string }>;
  render(input: RenderInput): Promise<RenderResult>;
  /**
   * Serves the templates' `lookup` calls as `helm upgrade` does (an object by name, or a list; undefined when
   * not found), sent with the release's call options (its impersonated identity). Absent: `lookup` is empty.
   */
  lookup?(req: LookupRequest, call: CallOptions): Promise<unknown>;
  capabilities(): Promise<RenderCapabilities>;
  events: Pick<EventRecorder, 'record'>;
  onAction?: ActionObserver;
  /** This replica's identity: stamped on records, and used to recognise its own pending records. */
  identity: string;
  /**
   * True when replicas elect a leader (--leader-elect): reconciles run only while this replica leads, so a
   * pending record another replica stamped was left by a former leader, fenced since, and is taken over at
   * once instead of after the staleness wait.
   */
  leaderElected?: boolean;
  /** Impersonated when a release names no serviceAccountName (makes impersonation mandatory). */
  defaultServiceAccount?: string;
  now?: () => number;
  random?: () => number;
  /** Re-queues the reconcile of a HelmRelease (the controller's enqueue): a parked wait's wake-up. */
  wake?: (req: { namespace: string; name: string }) => void;
  /** How soon a release waiting for dependencies looks again (default 10 s; main relies on events and sets more). */
  dependencyRequeueMs?: number;
  /**
   * How soon a release looks again when its ServiceAccount may not read a dependency (default 30 s, or
   * dependencyRequeueMs when shorter): a new RoleBinding wakes nothing.
   */
  deniedRequeueMs?: number;
}
