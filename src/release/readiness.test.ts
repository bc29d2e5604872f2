import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../runtime/object.js';
import { objectStatus } from './readiness.js';

type Obj = KubeObject & Record<string, unknown>;

const cond = (type: string, status: string, reason = '', message = ''): Record<string, string> => ({ type, status, reason, message });

function deployment(status: Record<string, unknown>, spec: Record<string, unknown> = {}, generation = 2): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps', generation },
    spec: { replicas: 3, progressDeadlineSeconds: 600, ...spec },
    status,
  };
}

const healthyDeployment = {
  observedGeneration: 2,
  replicas: 3,
  updatedReplicas: 3,
  readyReplicas: 3,
  availableReplicas: 3,
  conditions: [
    cond('Available', 'True', 'MinimumReplicasAvailable'),
    cond('Progressing', 'True', 'NewReplicaSetAvailable', 'ReplicaSet "web-6d4cf56db6" has successfully progressed.'),
  ],
};

function sts(status: Record<string, unknown>, spec: Record<string, unknown> = {}): Obj {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'apps', generation: 1 }, spec: { replicas: 2, ...spec }, status: { observedGeneration: 1, ...status } };
}

const stsDone = { replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2, currentRevision: 'db-7f', updateRevision: 'db-7f' };

const job = (status: Record<string, unknown>, spec: Record<string, unknown> = {}): Obj => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'migrate', namespace: 'apps', generation: 1 },
  spec,
  status,
});

const pod = (status: Record<string, unknown>): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps' }, status });

const cases: [string, KubeObject | undefined, string, RegExp?][] = [
  ['absent object', undefined, 'NotFound'],
  ['object being deleted', { ...deployment(healthyDeployment), metadata: { name: 'web', generation: 2, deletionTimestamp: '2025-01-01T00:00:00Z' } }, 'Terminating'],
  // Deployment
  ['healthy Deployment', deployment(healthyDeployment), 'Current', /3\/3 replicas ready/],
  ['Deployment with unobserved generation', deployment({ ...healthyDeployment, observedGeneration: 1 }), 'InProgress', /generation 2 not yet observed/],
  ['new Deployment without status', deployment({}), 'InProgress', /0\/3 replicas created/],
  ['Deployment mid-rollout', deployment({ ...healthyDeployment, replicas: 4, updatedReplicas: 1 }), 'InProgress', /1\/3 replicas updated/],
  ['Deployment with old pods terminating', deployment({ ...healthyDeployment, replicas: 4 }), 'InProgress', /1 old replicas pending termination/],
  ['Deployment not all ready', deployment({ ...healthyDeployment, readyReplicas: 2 }), 'InProgress', /2\/3 replicas ready/],
  ['Deployment with updated pods unavailable', deployment({ ...healthyDeployment, availableReplicas: 1 }), 'InProgress', /1\/3 updated replicas available/],
  [
    'Deployment past its progress deadline',
    deployment({ ...healthyDeployment, readyReplicas: 1, conditions: [cond('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-1" has timed out progressing.')] }),
    'Failed',
    /progress deadline exceeded: ProgressDeadlineExceeded: ReplicaSet "web-1" has timed out/,
  ],
  [
    'Deployment whose new ReplicaSet is not yet available',
    deployment({ ...healthyDeployment, conditions: [cond('Available', 'True'), cond('Progressing', 'True', 'ReplicaSetUpdated')] }),
    'InProgress',
    /new ReplicaSet not yet available/,
  ],
  ['Deployment without progress deadline needs only Available', deployment({ ...healthyDeployment, conditions: [cond('Available', 'True')] }, { progressDeadlineSeconds: 2147483647 }), 'Current'],
  ['Deployment scaled to zero', deployment({ observedGeneration: 2, conditions: healthyDeployment.conditions }, { replicas: 0 }), 'Current'],
  ['paused Deployment', deployment({ observedGeneration: 2 }, { paused: true }), 'Current', /paused/],
  // StatefulSet
  ['StatefulSet rolled out', sts(stsDone), 'Current', /revision db-7f/],
  ['StatefulSet with a pod not ready', sts({ ...stsDone, readyReplicas: 1 }), 'InProgress', /1\/2 replicas ready/],
  ['StatefulSet with revision mismatch', sts({ ...stsDone, updateRevision: 'db-8a' }), 'InProgress', /rolling out revision db-8a \(current db-7f\)/],
  ['StatefulSet with stale pods', sts({ ...stsDone, currentReplicas: 1 }), 'InProgress', /1\/2 replicas at the current revision/],
  ['StatefulSet partition pending', sts({ ...stsDone, updatedReplicas: 0, updateRevision: 'db-8a' }, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }), 'InProgress', /partitioned rollout: 0\/1/],
  ['StatefulSet partition done', sts({ ...stsDone, updatedReplicas: 1, updateRevision: 'db-8a' }, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }), 'Current', /partitioned rollout complete/],
  ['StatefulSet OnDelete', sts({ replicas: 2, readyReplicas: 2, updateRevision: 'x' }, { updateStrategy: { type: 'OnDelete' } }), 'Current'],
  // DaemonSet / ReplicaSet
  [
    'DaemonSet fully rolled out',
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', generation: 3 }, status: { observedGeneration: 3, desiredNumberScheduled: 4, currentNumberScheduled: 4, updatedNumberScheduled: 4, numberReady: 4, numberAvailable: 4 } } as Obj,
    'Current',
  ],
  [
    'DaemonSet updating',
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', generation: 3 }, status: { observedGeneration: 3, desiredNumberScheduled: 4, currentNumberScheduled: 4, updatedNumberScheduled: 2, numberReady: 4, numberAvailable: 4 } } as Obj,
    'InProgress',
    /2\/4 pods updated/,
  ],
  ['DaemonSet not yet observed', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' } }, 'InProgress'],
  [
    'ReplicaSet ready',
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, replicas: 2, fullyLabeledReplicas: 2, availableReplicas: 2, readyReplicas: 2 } } as Obj,
    'Current',
  ],
  [
    'ReplicaSet with quota failure',
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 2 }, status: { conditions: [cond('ReplicaFailure', 'True', 'FailedCreate', 'exceeded quota')] } } as Obj,
    'InProgress',
    /exceeded quota/,
  ],
  // Job
  ['Job complete', job({ succeeded: 1, conditions: [cond('SuccessCriteriaMet', 'True'), cond('Complete', 'True')] }), 'Current'],
  ['Job running', job({ active: 1 }), 'InProgress', /1 active/],
  ['Job failed', job({ failed: 3, conditions: [cond('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')] }), 'Failed', /BackoffLimitExceeded/],
  ['Job about to fail', job({ conditions: [cond('FailureTarget', 'True', 'DeadlineExceeded')] }), 'Failed'],
  ['Job suspended', job({}, { suspend: true }), 'Current'],
  // Pod
  ['Pod succeeded', pod({ phase: 'Succeeded' }), 'Current'],
  ['Pod running and ready', pod({ phase: 'Running', conditions: [cond('Ready', 'True')] }), 'Current'],
  ['Pod running not ready', pod({ phase: 'Running', conditions: [cond('Ready', 'False', 'ContainersNotReady')] }), 'InProgress'],
  ['Pod failed', pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }), 'Failed', /Evicted: low on memory/],
  ['Pod crash looping', pod({ phase: 'Running', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }), 'Failed', /app is crash looping/],
  ['Pod unschedulable', pod({ phase: 'Pending', conditions: [cond('PodScheduled', 'False', 'Unschedulable', '0/1 nodes are available')] }), 'InProgress', /Unschedulable/],
  // Others
  ['PVC bound', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, status: { phase: 'Bound' } } as Obj, 'Current'],
  ['PVC pending', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, status: { phase: 'Pending' } } as Obj, 'InProgress'],
  ['ClusterIP Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'ClusterIP', clusterIP: '10.0.0.1' } } as Obj, 'Current'],
  ['LoadBalancer without address', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer' }, status: { loadBalancer: {} } } as Obj, 'InProgress'],
  ['LoadBalancer with address', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } } as Obj, 'Current'],
  [
    'CRD established',
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'w.example.com' }, status: { conditions: [cond('NamesAccepted', 'True'), cond('Established', 'True')] } } as Obj,
    'Current',
  ],
  ['CRD installing', { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'w.example.com' }, status: { conditions: [cond('NamesAccepted', 'True')] } } as Obj, 'InProgress'],
  [
    'CRD with a name conflict',
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'w.example.com' }, status: { conditions: [cond('NamesAccepted', 'False', 'MultipleNamesNotAllowed')] } } as Obj,
    'Failed',
  ],
  ['Namespace active', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' }, status: { phase: 'Active' } } as Obj, 'Current'],
  ['ConfigMap exists', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, 'Current'],
  // Custom resources
  ['CR Ready', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', generation: 4 }, status: { observedGeneration: 4, conditions: [cond('Ready', 'True', 'Succeeded')] } } as Obj, 'Current'],
  ['CR not Ready', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, status: { conditions: [cond('Ready', 'False', 'Provisioning', 'waiting for disk')] } } as Obj, 'InProgress', /Provisioning: waiting for disk/],
  ['CR stale generation', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', generation: 5 }, status: { observedGeneration: 4, conditions: [cond('Ready', 'True')] } } as Obj, 'InProgress'],
  ['CR Stalled', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, status: { conditions: [cond('Stalled', 'True', 'InvalidSpec')] } } as Obj, 'Failed', /InvalidSpec/],
  ['CR Reconciling', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, status: { conditions: [cond('Reconciling', 'True', 'Progressing')] } } as Obj, 'InProgress'],
  ['CR named like a built-in kind', { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'd' }, status: {} } as Obj, 'Current'],
  ['CR without conditions', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, 'Current'],
];

describe('objectStatus', () => {
  it.each(cases)('%s → %s', (_name, obj, status, message) => {
    const result = objectStatus(obj);
    expect(result.status).toBe(status);
    if (message) expect(result.message).toMatch(message);
  });
});
