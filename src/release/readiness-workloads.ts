/**
 * kstatus rules for the replicated workloads: Deployment, StatefulSet, DaemonSet, ReplicaSet. Each
 * compares what the spec asks for with the counts the controller reports, and names the first shortfall.
 */
import type { KubeObject } from '../runtime/object.js';
import { conditionOf, conditionsOf, current, describeCondition, failed, inProgress, num, str, at, type ObjectStatus } from './readiness-fields.js';

/** Deployment: every replica updated, ready and available; ProgressDeadlineExceeded is Failed. */
export function deploymentStatus(obj: KubeObject): ObjectStatus {
  const progressing = conditionOf(obj, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return failed(`progress deadline exceeded: ${describeCondition(progressing)}`);
  if (at(obj, 'spec', 'paused') === true) return current('Deployment is paused');
  const spec = num(obj, 'spec', 'replicas') ?? 1;
  const replicas = num(obj, 'status', 'replicas') ?? 0;
  const updated = num(obj, 'status', 'updatedReplicas') ?? 0;
  const ready = num(obj, 'status', 'readyReplicas') ?? 0;
  const available = num(obj, 'status', 'availableReplicas') ?? 0;
  if (spec > replicas) return inProgress(`${replicas}/${spec} replicas created`);
  if (spec > updated) return inProgress(`${updated}/${spec} replicas updated`);
  if (replicas > spec) return inProgress(`${replicas - spec} old replicas pending termination`);
  if (updated > available) return inProgress(`${available}/${updated} updated replicas available`);
  if (spec > ready) return inProgress(`${ready}/${spec} replicas ready`);
  const conditions = conditionsOf(obj);
  // Without a progress deadline (absent or MaxInt32) the controller never sets Progressing.
  const deadline = num(obj, 'spec', 'progressDeadlineSeconds');
  const tracksProgress = deadline !== undefined && deadline !== 2 ** 31 - 1;
  if (tracksProgress && !conditions.some((c) => c.type === 'Progressing' && c.status === 'True' && c.reason === 'NewReplicaSetAvailable')) {
    return inProgress('new ReplicaSet not yet available');
  }
  if (!conditions.some((c) => c.type === 'Available' && c.status === 'True')) return inProgress('Deployment not available');
  return current(`${ready}/${spec} replicas ready`);
}

/** StatefulSet: all replicas ready and current, revisions equal; OnDelete and partitions respected. */
export function statefulSetStatus(obj: KubeObject): ObjectStatus {
  if (str(obj, 'spec', 'updateStrategy', 'type') === 'OnDelete') return current('OnDelete update strategy: nothing to wait for');
  const spec = num(obj, 'spec', 'replicas') ?? 1;
  const replicas = num(obj, 'status', 'replicas') ?? 0;
  const ready = num(obj, 'status', 'readyReplicas') ?? 0;
  const updated = num(obj, 'status', 'updatedReplicas') ?? 0;
  const currentReplicas = num(obj, 'status', 'currentReplicas') ?? 0;
  const partition = num(obj, 'spec', 'updateStrategy', 'rollingUpdate', 'partition') ?? 0;
  if (spec > replicas) return inProgress(`${replicas}/${spec} replicas created`);
  if (spec > ready) return inProgress(`${ready}/${spec} replicas ready`);
  if (replicas > spec) return inProgress(`${replicas - spec} extra replicas pending termination`);
  if (partition > 0) {
    const want = Math.max(0, spec - partition);
    if (updated < want) return inProgress(`partitioned rollout: ${updated}/${want} replicas updated`);
    return current(`partitioned rollout complete (${updated} replicas updated)`);
  }
  if (spec > currentReplicas) return inProgress(`${currentReplicas}/${spec} replicas at the current revision`);
  const currentRevision = str(obj, 'status', 'currentRevision');
  const updateRevision = str(obj, 'status', 'updateRevision');
  if (currentRevision !== updateRevision) return inProgress(`rolling out revision ${updateRevision ?? '?'} (current ${currentRevision ?? '?'})`);
  return current(`${ready}/${spec} replicas ready at revision ${currentRevision ?? '?'}`);
}

/** DaemonSet: every scheduled pod current, updated, ready and available. */
export function daemonSetStatus(obj: KubeObject): ObjectStatus {
  const desired = num(obj, 'status', 'desiredNumberScheduled');
  if (desired === undefined) return inProgress('DaemonSet not yet observed by its controller');
  const scheduled = num(obj, 'status', 'currentNumberScheduled') ?? 0;
  const updated = num(obj, 'status', 'updatedNumberScheduled') ?? 0;
  const ready = num(obj, 'status', 'numberReady') ?? 0;
  const available = num(obj, 'status', 'numberAvailable') ?? 0;
  if (desired > scheduled) return inProgress(`${scheduled}/${desired} pods scheduled`);
  if (desired > updated) return inProgress(`${updated}/${desired} pods updated`);
  if (desired > ready) return inProgress(`${ready}/${desired} pods ready`);
  if (desired > available) return inProgress(`${available}/${desired} pods available`);
  return current(`${ready}/${desired} pods ready`);
}

/** ReplicaSet: every replica labelled, available and ready; a ReplicaFailure condition keeps it in progress. */
export function replicaSetStatus(obj: KubeObject): ObjectStatus {
  const failure = conditionOf(obj, 'ReplicaFailure');
  if (failure?.status === 'True') return inProgress(`replica failure: ${describeCondition(failure)}`);
  const spec = num(obj, 'spec', 'replicas') ?? 1;
  const replicas = num(obj, 'status', 'replicas') ?? 0;
  const labelled = num(obj, 'status', 'fullyLabeledReplicas') ?? 0;
  const available = num(obj, 'status', 'availableReplicas') ?? 0;
  const ready = num(obj, 'status', 'readyReplicas') ?? 0;
  if (spec > labelled) return inProgress(`${labelled}/${spec} replicas labelled`);
  if (spec > available) return inProgress(`${available}/${spec} replicas available`);
  if (spec > ready) return inProgress(`${ready}/${spec} replicas ready`);
  if (replicas > spec) return inProgress(`${replicas - spec} extra replicas pending termination`);
  return current(`${ready}/${spec} replicas ready`);
}
