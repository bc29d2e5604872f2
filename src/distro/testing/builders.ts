/**
 * Builders for distro tests: a MaglevDistro from a compact component list, and children (HelmReleases) in
 * the shapes the HelmRelease controller leaves them (Ready at a generation, failed, being deleted).
 */
import type { DistroComponent, HelmRelease, MaglevDistro, MaglevDistroSpec } from '../../crds/index.js';
import { ChildAnnotation, observeChild, type ObservedChild } from '../children.js';
import { childObject } from '../actions/apply-child.js';
import { childSpec } from '../desired.js';

/** A component of chart `app` at `version` (an exact version unless given a range). */
export function comp(name: string, version: string, extra: Partial<DistroComponent> = {}): DistroComponent {
  return { name, chart: { repository: 'https://charts.example.com', name: 'app', version }, ...extra };
}

/** A distro `d` in namespace `ns` with uid `uid-d`. */
export function distro(components: DistroComponent[], spec: Partial<MaglevDistroSpec> = {}): MaglevDistro {
  return {
    apiVersion: 'maglev.io/v1alpha1',
    kind: 'MaglevDistro',
    metadata: { name: 'd', namespace: 'ns', uid: 'uid-d', generation: 1, resourceVersion: '1' },
    spec: { version: '1.0.0', components, ...spec },
  };
}

/** How a built child stands. */
export interface ChildShape {
  ready?: boolean;
  failed?: string;
  deleting?: boolean;
  changedAt?: number;
  revision?: number;
}

/** The child of `c` in `d` as the HelmRelease controller would leave it (Ready by default). */
export function child(d: MaglevDistro, c: DistroComponent, shape: ChildShape = {}): HelmRelease {
  const hr = childObject(d, { component: c.name, spec: childSpec(d, c), dependsOn: c.dependsOn ?? [] }, new Date(shape.changedAt ?? 0));
  hr.metadata.generation = 1;
  hr.metadata.resourceVersion = '1';
  if (shape.changedAt === undefined) delete hr.metadata.annotations?.[ChildAnnotation.ChangedAt];
  if (shape.deleting === true) hr.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  const t = '2026-01-01T00:00:00Z';
  const ready = shape.ready ?? shape.failed === undefined;
  hr.status = {
    observedGeneration: 1,
    chartVersion: c.chart?.version ?? '',
    releaseRevision: shape.revision ?? 1,
    conditions: [
      { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'InstallSucceeded' : 'Progressing', message: shape.failed ?? '', observedGeneration: 1, lastTransitionTime: t },
      ...(shape.failed === undefined ? [] : [{ type: 'Released', status: 'False' as const, reason: 'UpgradeFailed', message: shape.failed, observedGeneration: 1, lastTransitionTime: t }]),
    ],
  };
  return hr;
}

/** Children by component, observed. */
export function observed(...hrs: HelmRelease[]): Map<string, ObservedChild> {
  const out = new Map<string, ObservedChild>();
  for (const hr of hrs) {
    const c = observeChild(hr);
    if (c !== undefined) out.set(c.component, c);
  }
  return out;
}
