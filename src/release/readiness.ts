/**
 * Readiness of one object by kstatus rules (sigs.k8s.io/cli-utils pkg/kstatus/status), as a pure function
 * of the object read from the API server. Order, as kstatus computes it: absent → NotFound; a deletion
 * timestamp → Terminating; `status.observedGeneration` behind `metadata.generation` → InProgress;
 * `Reconciling=True` → InProgress and `Stalled=True` → Failed; then the kind's own rule; then a `Ready`
 * condition (True → Current, otherwise InProgress); anything else is Current once it exists.
 *
 * One deliberate difference: a Job is Current only when Complete (kstatus accepts a started Job), because
 * waiting for a release means waiting for its Jobs to finish, as Helm's `--wait-for-jobs` does.
 */
import type { KubeObject } from '../runtime/object.js';
import {
  at,
  conditionOf,
  current,
  describeCondition,
  failed,
  inProgress,
  num,
  ReadyStatus,
  str,
  type ObjectStatus,
} from './readiness-fields.js';
import { daemonSetStatus, deploymentStatus, replicaSetStatus, statefulSetStatus } from './readiness-workloads.js';

export { ReadyStatus, type ObjectStatus } from './readiness-fields.js';

type Rule = (obj: KubeObject) => ObjectStatus;

const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'apiextensions.k8s.io']);

const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['Deployment', deploymentStatus],
  ['StatefulSet', statefulSetStatus],
  ['DaemonSet', daemonSetStatus],
  ['ReplicaSet', replicaSetStatus],
  ['Job', jobStatus],
  ['Pod', podStatus],
  ['PersistentVolumeClaim', pvcStatus],
  ['Service', serviceStatus],
  ['CustomResourceDefinition', crdStatus],
  ['Namespace', namespaceStatus],
]);

/** The kstatus status of `obj` (undefined: it does not exist); see the module comment. */
export function objectStatus(obj: KubeObject | undefined): ObjectStatus {
  if (obj === undefined) return { status: ReadyStatus.NotFound, message: 'not found' };
  if (obj.metadata?.deletionTimestamp !== undefined) return { status: ReadyStatus.Terminating, message: 'being deleted' };
  const observed = num(obj, 'status', 'observedGeneration');
  const generation = obj.metadata?.generation;
  if (observed !== undefined && generation !== undefined && observed !== generation) {
    return inProgress(`generation ${generation} not yet observed (observed ${observed})`);
  }
  const reconciling = conditionOf(obj, 'Reconciling');
  if (reconciling?.status === 'True') return inProgress(describeCondition(reconciling) || 'reconciling');
  const stalled = conditionOf(obj, 'Stalled');
  if (stalled?.status === 'True') return failed(describeCondition(stalled) || 'stalled');
  const rule = RULES.get(obj.kind ?? '');
  if (rule !== undefined && BUILTIN_GROUPS.has(groupOf(obj.apiVersion ?? ''))) return rule(obj);
  const ready = conditionOf(obj, 'Ready');
  if (ready !== undefined) {
    return ready.status === 'True' ? current(describeCondition(ready) || 'Ready') : inProgress(describeCondition(ready) || 'not Ready');
  }
  return current('exists');
}

/** True when the status means "done": Current. */
export function isCurrent(status: ObjectStatus): boolean {
  return status.status === ReadyStatus.Current;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Job: Complete → Current; Failed (or FailureTarget) → Failed; suspended → Current; else InProgress. */
function jobStatus(obj: KubeObject): ObjectStatus {
  for (const type of ['Failed', 'FailureTarget']) {
    const c = conditionOf(obj, type);
    if (c?.status === 'True') return failed(`Job failed: ${describeCondition(c) || type}`);
  }
  if (conditionOf(obj, 'Complete')?.status === 'True') return current('Job complete');
  if (at(obj, 'spec', 'suspend') === true) return current('Job suspended');
  const active = num(obj, 'status', 'active') ?? 0;
  const succeeded = num(obj, 'status', 'succeeded') ?? 0;
  return inProgress(`Job running: ${active} active, ${succeeded} succeeded`);
}

/** Pod: Succeeded or Running+Ready → Current; Failed or crash looping → Failed; else InProgress. */
function podStatus(obj: KubeObject): ObjectStatus {
  const phase = str(obj, 'status', 'phase') ?? 'Pending';
  if (phase === 'Succeeded') return current('Pod succeeded');
  if (phase === 'Failed') return failed(`Pod failed${reasonSuffix(obj)}`);
  const statuses = at(obj, 'status', 'containerStatuses');
  if (Array.isArray(statuses)) {
    for (const s of statuses) {
      if (str(s, 'state', 'waiting', 'reason') === 'CrashLoopBackOff') return failed(`container ${str(s, 'name') ?? '?'} is crash looping`);
    }
  }
  if (phase === 'Running') {
    return conditionOf(obj, 'Ready')?.status === 'True' ? current('Pod running and ready') : inProgress('Pod running, not ready');
  }
  const scheduled = conditionOf(obj, 'PodScheduled');
  if (scheduled?.status === 'False') return inProgress(`Pod not scheduled: ${describeCondition(scheduled)}`);
  return inProgress(`Pod ${phase.toLowerCase()}`);
}

function reasonSuffix(obj: KubeObject): string {
  const text = [str(obj, 'status', 'reason'), str(obj, 'status', 'message')].filter((s) => s !== undefined && s !== '').join(': ');
  return text === '' ? '' : `: ${text}`;
}

/** PersistentVolumeClaim: Bound → Current. */
function pvcStatus(obj: KubeObject): ObjectStatus {
  const phase = str(obj, 'status', 'phase');
  return phase === 'Bound' ? current('claim bound') : inProgress(`claim ${phase === undefined ? 'not yet bound' : phase.toLowerCase()}`);
}

/** Service: a LoadBalancer needs an ingress address; every other type is ready at once. */
function serviceStatus(obj: KubeObject): ObjectStatus {
  if (str(obj, 'spec', 'type') !== 'LoadBalancer') return current('Service ready');
  const ingress = at(obj, 'status', 'loadBalancer', 'ingress');
  return Array.isArray(ingress) && ingress.length > 0 ? current('load balancer ready') : inProgress('waiting for a load balancer address');
}

/** CRD: NamesAccepted=False → Failed; Established=True → Current; else InProgress. */
function crdStatus(obj: KubeObject): ObjectStatus {
  const names = conditionOf(obj, 'NamesAccepted');
  if (names?.status === 'False') return failed(`names not accepted: ${describeCondition(names)}`);
  return conditionOf(obj, 'Established')?.status === 'True' ? current('CRD established') : inProgress('CRD not yet established');
}

/** Namespace: Active → Current. */
function namespaceStatus(obj: KubeObject): ObjectStatus {
  const phase = str(obj, 'status', 'phase');
  return phase === 'Active' ? current('Namespace active') : inProgress(`Namespace ${phase ?? 'not yet active'}`);
}
