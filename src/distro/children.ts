/**
 * The child HelmReleases of a distro as the planner sees them: which component each belongs to, the digest
 * of its spec, whether it has reconciled its generation and is Ready, whether its last install or upgrade of
 * this generation failed, and the annotations the distro keeps on it (dependencies, when it was changed).
 */
import { API_VERSION, KINDS, type HelmRelease, type MaglevDistro } from '../crds/index.js';
import { getCondition } from '../runtime/conditions.js';
import { specDigest } from './desired.js';
import { ComponentLabel } from './selector.js';

/** Annotations the distro writes on its children. */
export const ChildAnnotation = {
  /** Comma-separated components the child's component depends on, as deployed (for reverse teardown). */
  DependsOn: 'maglev.io/depends-on',
  /** RFC 3339 time the distro last changed the child's spec (start of the step's timeout). */
  ChangedAt: 'maglev.io/changed-at',
} as const;

/** One child HelmRelease, reduced to what planning needs. */
export interface ObservedChild {
  component: string;
  digest: string;
  /** status.observedGeneration equals metadata.generation. */
  current: boolean;
  ready: boolean;
  /** The current generation's install or upgrade failed, or the child is Stalled: why. */
  failed?: string;
  /** The child's Ready message (what it waits for, or its error). */
  message: string;
  chartVersion?: string;
  releaseRevision?: number;
  valuesDigest?: string;
  /** Epoch ms of the distro's last change to the spec. */
  changedAt?: number;
  dependsOn: string[];
  deleting: boolean;
  object: HelmRelease;
}

/** True when `hr` is controlled by `distro` (ownerReference with the distro's uid). */
export function isChildOf(hr: HelmRelease, distro: MaglevDistro): boolean {
  return (hr.metadata.ownerReferences ?? []).some(
    (o) => o.controller === true && o.kind === KINDS.MaglevDistro && o.apiVersion === API_VERSION && o.uid === distro.metadata.uid,
  );
}

/** The planner's view of one child (see {@link ObservedChild}); undefined for a HelmRelease without a component label. */
export function observeChild(hr: HelmRelease): ObservedChild | undefined {
  const component = hr.metadata.labels?.[ComponentLabel.Component];
  if (component === undefined) return undefined;
  const generation = hr.metadata.generation;
  const conditions = hr.status?.conditions;
  const current = hr.status?.observedGeneration === generation;
  const ready = getCondition(conditions, 'Ready');
  const stalled = getCondition(conditions, 'Stalled');
  const released = getCondition(conditions, 'Released');
  let failed: string | undefined;
  if (current && stalled?.status === 'True') failed = `${stalled.reason}: ${stalled.message}`;
  else if (released?.status === 'False' && released.observedGeneration === generation) failed = `${released.reason}: ${released.message}`;
  const changedAt = Date.parse(hr.metadata.annotations?.[ChildAnnotation.ChangedAt] ?? '');
  const deps = hr.metadata.annotations?.[ChildAnnotation.DependsOn] ?? '';
  const child: ObservedChild = {
    component,
    digest: specDigest(hr.spec),
    current,
    ready: current && ready?.status === 'True' && ready.observedGeneration === generation,
    message: ready?.message ?? '',
    dependsOn: deps === '' ? [] : deps.split(',').sort(),
    deleting: hr.metadata.deletionTimestamp !== undefined,
    object: hr,
  };
  if (failed !== undefined) child.failed = failed;
  if (hr.status?.chartVersion !== undefined) child.chartVersion = hr.status.chartVersion;
  if (hr.status?.releaseRevision !== undefined) child.releaseRevision = hr.status.releaseRevision;
  if (hr.status?.valuesDigest !== undefined) child.valuesDigest = hr.status.valuesDigest;
  if (!Number.isNaN(changedAt)) child.changedAt = changedAt;
  return child;
}
