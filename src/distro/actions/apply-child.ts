/**
 * Creates or replaces one child HelmRelease with the spec a step moves it to. The distro owns the child's
 * spec: a replace (PUT) sends the whole spec, so fields a hand edit added are removed too, while the child's
 * other labels, annotations and finalizers are kept. The child is controlled by the distro (ownerReference,
 * labels maglev.io/distro and maglev.io/component) and records when the distro changed it and what its
 * component depends on. A HelmRelease of that name the distro does not control is never taken over.
 */
import { ErrorCode, MaglevError } from '../../errors.js';
import { API_VERSION, KINDS, type HelmRelease, type HelmReleaseSpec, type MaglevDistro, type OwnerReference } from '../../crds/index.js';
import { isConflict } from '../../runtime/api-error.js';
import { ChildAnnotation, isChildOf } from '../children.js';
import { childName } from '../desired.js';
import { ComponentLabel } from '../selector.js';
import type { DistroActionContext } from './context.js';

/** What a step writes on one child. */
export interface ChildChange {
  component: string;
  spec: HelmReleaseSpec;
  dependsOn: readonly string[];
}

function ownerOf(distro: MaglevDistro): OwnerReference {
  return { apiVersion: API_VERSION, kind: KINDS.MaglevDistro, name: distro.metadata.name ?? '', uid: distro.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** The child HelmRelease object for `change` (no resourceVersion). */
export function childObject(distro: MaglevDistro, change: ChildChange, at: Date): HelmRelease {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.HelmRelease,
    metadata: {
      name: childName(distro.metadata.name ?? '', change.component),
      namespace: distro.metadata.namespace ?? '',
      labels: { [ComponentLabel.Distro]: distro.metadata.name ?? '', [ComponentLabel.Component]: change.component },
      annotations: { [ChildAnnotation.DependsOn]: change.dependsOn.join(','), [ChildAnnotation.ChangedAt]: at.toISOString() },
      ownerReferences: [ownerOf(distro)],
    },
    spec: change.spec,
  };
}

function conflict(distro: MaglevDistro, name: string): MaglevError {
  return new MaglevError(
    ErrorCode.ChildConflict,
    `HelmRelease ${distro.metadata.namespace ?? ''}/${name} exists and is not controlled by this distro; rename or delete it`,
    { terminal: true, where: `HelmRelease/${name}` },
  );
}

/** `current` with the desired spec, our labels, annotations and owner merged into its metadata. */
function replacement(current: HelmRelease, desired: HelmRelease): HelmRelease {
  const { managedFields: _managed, ...meta } = current.metadata;
  const owners = (meta.ownerReferences ?? []).filter((o) => o.uid !== desired.metadata.ownerReferences?.[0]?.uid);
  return {
    apiVersion: desired.apiVersion,
    kind: desired.kind,
    metadata: {
      ...meta,
      labels: { ...(meta.labels ?? {}), ...(desired.metadata.labels ?? {}) },
      annotations: { ...(meta.annotations ?? {}), ...(desired.metadata.annotations ?? {}) },
      ownerReferences: [...owners, ...(desired.metadata.ownerReferences ?? [])],
    },
    spec: desired.spec,
  };
}

/** Creates or replaces the child (see the module comment); resolves the object as written. */
export async function applyChild(ctx: DistroActionContext, distro: MaglevDistro, change: ChildChange, current: HelmRelease | undefined): Promise<HelmRelease> {
  const desired = childObject(distro, change, new Date(ctx.now()));
  const name = desired.metadata.name ?? '';
  const ref = { apiVersion: API_VERSION, kind: KINDS.HelmRelease, namespace: desired.metadata.namespace ?? '', name };
  let existing = current;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      if (existing === undefined) return await ctx.objects.create<HelmRelease>(desired, { signal: ctx.signal });
      if (!isChildOf(existing, distro)) throw conflict(distro, name);
      return await ctx.objects.replace<HelmRelease>(replacement(existing, desired), { signal: ctx.signal });
    } catch (err) {
      // AlreadyExists on create, or a stale resourceVersion on replace: read the child and try again.
      if (!isConflict(err)) throw err;
      existing = await ctx.objects.get<HelmRelease>(ref, { signal: ctx.signal });
    }
  }
  throw new MaglevError(ErrorCode.Conflict, `HelmRelease ${ref.namespace}/${name} kept changing while it was written; will retry`, { where: `HelmRelease/${name}` });
}
