/**
 * Helm's object ordering: kinds in InstallOrder / UninstallOrder (unknown kinds last, alphabetical by kind),
 * and hook execution order. Every sort here is stable.
 */

/** Kinds in the order Helm installs them (helm v3 `releaseutil.InstallOrder`). */
export const InstallOrder: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

/** Kinds in the order Helm deletes them: nearly the reverse, with Service ahead of the workloads. */
export const UninstallOrder: readonly string[] = [
  'APIService',
  'Ingress',
  'IngressClass',
  'Service',
  'CronJob',
  'Job',
  'StatefulSet',
  'HorizontalPodAutoscaler',
  'Deployment',
  'ReplicaSet',
  'ReplicationController',
  'Pod',
  'DaemonSet',
  'RoleBindingList',
  'RoleBinding',
  'RoleList',
  'Role',
  'ClusterRoleBindingList',
  'ClusterRoleBinding',
  'ClusterRoleList',
  'ClusterRole',
  'CustomResourceDefinition',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'StorageClass',
  'ConfigMap',
  'SecretList',
  'Secret',
  'ServiceAccount',
  'PodDisruptionBudget',
  'PodSecurityPolicy',
  'LimitRange',
  'ResourceQuota',
  'NetworkPolicy',
  'Namespace',
  'PriorityClass',
];

const rankCache = new WeakMap<readonly string[], Map<string, number>>();

function ranks(order: readonly string[]): Map<string, number> {
  let m = rankCache.get(order);
  if (m === undefined) {
    m = new Map(order.map((kind, i) => [kind, i]));
    rankCache.set(order, m);
  }
  return m;
}

/** Helm's `lessByKind`: known kinds by rank, unknown kinds after them sorted by kind name. */
export function compareKinds(a: string, b: string, order: readonly string[] = InstallOrder): number {
  const r = ranks(order);
  const ra = r.get(a);
  const rb = r.get(b);
  if (ra === undefined && rb === undefined) return a === b ? 0 : a < b ? -1 : 1;
  if (ra === undefined) return 1;
  if (rb === undefined) return -1;
  return ra - rb;
}

/** A stable copy of `items` sorted by kind in `order`; items of equal kind keep their input order. */
export function sortByKind<T extends { object: { kind: string } }>(
  items: readonly T[],
  order: readonly string[] = InstallOrder,
): T[] {
  // Array.prototype.sort is stable (ES2019).
  return [...items].sort((x, y) => compareKinds(x.object.kind, y.object.kind, order));
}

/** The objects in the order Helm deletes them on uninstall. */
export function uninstallOrder<T extends { object: { kind: string } }>(items: readonly T[]): T[] {
  return sortByKind(items, UninstallOrder);
}

/**
 * Helm's hook execution order for the hooks of one event: the hooks come sorted by kind, then a stable
 * sort by weight with ties broken by name. Kind therefore only separates hooks of equal weight and name.
 */
export function hookExecutionOrder<T extends { weight: number; name: string; object: { kind: string } }>(
  hooks: readonly T[],
): T[] {
  return sortByKind(hooks).sort((a, b) => {
    if (a.weight !== b.weight) return a.weight - b.weight;
    return a.name === b.name ? 0 : a.name < b.name ? -1 : 1;
  });
}
