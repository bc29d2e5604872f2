/**
 * The operator's Prometheus metrics, all in one prom-client registry created by main. Runtime
 * modules never import prom-client: they receive the small callback objects built here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the operator exports, registered in `registry`. */
export interface Metrics {
  registry: Registry;
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileDuration: Histogram<'controller'>;
  reconcileStuck: Counter<'controller'>;
  workqueueDepth: Gauge<'name'>;
  workqueueAdds: Counter<'name'>;
  workqueueRetries: Counter<'name'>;
  workqueueWorkDuration: Histogram<'name'>;
  leader: Gauge;
  cacheCurrent: Gauge<'cache'>;
  objectReady: Gauge<'kind' | 'namespace' | 'name'>;
  objectReadyReason: Gauge<'kind' | 'namespace' | 'name' | 'reason'>;
  apiRequests: Counter<'verb' | 'code' | 'dry_run'>;
  releaseActions: Counter<'action' | 'result'>;
  releaseActionDuration: Histogram<'action'>;
  distroComponents: Gauge<'namespace' | 'distro' | 'phase'>;
  distroPlanSteps: Gauge<'namespace' | 'distro' | 'action'>;
  bundleFetches: Counter<'source' | 'result'>;
  distroUpgradeDuration: Histogram<'result'>;
}

/** Creates the registry with default process metrics and the operator's own metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'maglev_reconcile_total',
      help: 'Reconciles by controller and result (success, requeue, error, terminal).',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'maglev_reconcile_duration_seconds',
      help: 'Time spent in one reconcile, by controller.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    reconcileStuck: new Counter({
      name: 'maglev_reconcile_stuck_total',
      help: 'Reconciles that ran longer than the watchdog bound (60 s), by controller; each is also logged with the step it waited on.',
      labelNames: ['controller'],
      registers,
    }),
    workqueueDepth: new Gauge({ name: 'maglev_workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['name'], registers }),
    workqueueAdds: new Counter({ name: 'maglev_workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['name'], registers }),
    workqueueRetries: new Counter({
      name: 'maglev_workqueue_retries_total',
      help: 'Keys re-added with backoff after a failed reconcile.',
      labelNames: ['name'],
      registers,
    }),
    workqueueWorkDuration: new Histogram({
      name: 'maglev_workqueue_work_duration_seconds',
      help: 'Time from taking a key off the queue to marking it done.',
      labelNames: ['name'],
      buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 300],
      registers,
    }),
    leader: new Gauge({ name: 'maglev_leader', help: '1 while this replica holds the leader lease, else 0.', registers }),
    cacheCurrent: new Gauge({
      name: 'maglev_cache_current',
      help: '1 while an informer cache is synced and watching, 0 before its first list and while it cannot list or watch (API server unreachable).',
      labelNames: ['cache'],
      registers,
    }),
    objectReady: new Gauge({
      name: 'maglev_object_ready',
      help: 'Ready condition of each HelmRelease and MaglevDistro: 1 True, 0 False, -1 Unknown.',
      labelNames: ['kind', 'namespace', 'name'],
      registers,
    }),
    objectReadyReason: new Gauge({
      name: 'maglev_object_ready_reason',
      help: 'The reason of the Ready condition of each HelmRelease and MaglevDistro (RolledBack, AwaitingApproval, an error code, ...): one series per object, always 1.',
      labelNames: ['kind', 'namespace', 'name', 'reason'],
      registers,
    }),
    apiRequests: new Counter({
      name: 'maglev_api_requests_total',
      help: 'Requests the operator sent to the Kubernetes API server (watches excluded), by HTTP verb, resource (plural/subresource), status code and whether it was a dry run.',
      labelNames: ['verb', 'resource', 'code', 'dry_run'],
      registers,
    }),
    releaseActions: new Counter({
      name: 'maglev_release_actions_total',
      help: 'Helm release actions run (install, upgrade, rollback, uninstall, unlock), by action and result (succeeded, failed, error).',
      labelNames: ['action', 'result'],
      registers,
    }),
    releaseActionDuration: new Histogram({
      name: 'maglev_release_action_duration_seconds',
      help: 'Time one Helm release action took, hooks and readiness wait included, by action.',
      labelNames: ['action'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    distroComponents: new Gauge({
      name: 'maglev_distro_components',
      help: 'Components of each MaglevDistro by phase (Pending, Blocked, Installing, Upgrading, RollingBack, Ready, Failed, AwaitingApproval, Disabled).',
      labelNames: ['namespace', 'distro', 'phase'],
      registers,
    }),
    distroPlanSteps: new Gauge({
      name: 'maglev_distro_plan_steps',
      help: 'Steps of the current plan of each MaglevDistro by action (install, upgrade, downgrade, uninstall, none).',
      labelNames: ['namespace', 'distro', 'action'],
      registers,
    }),
    bundleFetches: new Counter({
      name: 'maglev_bundle_fetches_total',
      help: 'Distro bundles downloaded or read and parsed (cache misses; a bundle known by digest is not counted), by source and result.',
      labelNames: ['source', 'result'],
      registers,
    }),
    distroUpgradeDuration: new Histogram({
      name: 'maglev_distro_upgrade_duration_seconds',
      help: 'Time from the start of a distro change to its end, by result (deployed, rolled-back, failed).',
      labelNames: ['result'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
  };
}

/** The Ready condition as the readiness gauges read it. */
export interface ReadyCondition {
  status: string;
  reason: string;
}

/** Reports each object's Ready condition to the gauges, or forgets a deleted object (the controllers' ReadinessSink). */
export interface ReadinessGauges {
  set(kind: string, namespace: string, name: string, ready: ReadyCondition | undefined): void;
  remove(kind: string, namespace: string, name: string): void;
}

/**
 * Sets `maglev_object_ready` (1 True, 0 False, -1 Unknown or absent) and keeps exactly one
 * `maglev_object_ready_reason` series per object with a Ready condition, removing the previous reason's.
 */
export function readinessGauges(metrics: Pick<Metrics, 'objectReady' | 'objectReadyReason'>): ReadinessGauges {
  const reasons = new Map<string, string>();
  const forgetReason = (kind: string, namespace: string, name: string): void => {
    const key = `${kind}/${namespace}/${name}`;
    const reason = reasons.get(key);
    if (reason !== undefined) metrics.objectReadyReason.remove({ kind, namespace, name, reason });
    reasons.delete(key);
  };
  return {
    set(kind, namespace, name, ready) {
      metrics.objectReady.set({ kind, namespace, name }, ready?.status === 'True' ? 1 : ready?.status === 'False' ? 0 : -1);
      const key = `${kind}/${namespace}/${name}`;
      if (ready !== undefined && reasons.get(key) === ready.reason) return;
      forgetReason(kind, namespace, name);
      if (ready === undefined) return;
      metrics.objectReadyReason.set({ kind, namespace, name, reason: ready.reason }, 1);
      reasons.set(key, ready.reason);
    },
    remove(kind, namespace, name) {
      metrics.objectReady.remove({ kind, namespace, name });
      forgetReason(kind, namespace, name);
    },
  };
}
