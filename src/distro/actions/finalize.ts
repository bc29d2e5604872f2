/**
 * Deleting a distro: its children are removed in reverse dependency order (the dependency annotations they
 * carry give the order of what is deployed), at most maxParallel at once, each through its own finalizer
 * (Helm's uninstall). A child whose uninstall fails is reported naming the component and retried by its own
 * controller. When no child is left, the distro's records are deleted and its finalizer removed.
 */
import { DISTRO_FINALIZER } from '../../constants.js';
import { API_VERSION, KINDS, type MaglevDistro } from '../../crds/index.js';
import type { ObservedChild } from '../children.js';
import type { DistroHistory } from '../history.js';
import { levels } from '../graph.js';
import { schedule, type WorkItem } from '../schedule.js';
import type { DistroActionContext } from './context.js';
import { deleteChild } from './delete-child.js';

/** Where the deletion stands. */
export interface FinalizeOutcome {
  done: boolean;
  message: string;
}

/** Adds the distro finalizer unless present (a merge patch guarded by resourceVersion); resolves the distro. */
export async function ensureDistroFinalizer(ctx: DistroActionContext, distro: MaglevDistro): Promise<MaglevDistro> {
  if (distro.metadata.finalizers?.includes(DISTRO_FINALIZER) === true) return distro;
  const finalizers = [...(distro.metadata.finalizers ?? []), DISTRO_FINALIZER];
  return ctx.objects.mergePatch<MaglevDistro>(distroRef(distro), { metadata: { finalizers, resourceVersion: distro.metadata.resourceVersion } }, { signal: ctx.signal });
}

function distroRef(distro: MaglevDistro): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: API_VERSION, kind: KINDS.MaglevDistro, namespace: distro.metadata.namespace ?? '', name: distro.metadata.name ?? '' };
}

/** One pass of the deletion; see the module comment. */
export async function finalizeDistro(
  ctx: DistroActionContext,
  history: DistroHistory,
  distro: MaglevDistro,
  children: ReadonlyMap<string, ObservedChild>,
  maxParallel: number,
): Promise<FinalizeOutcome> {
  if (distro.metadata.finalizers?.includes(DISTRO_FINALIZER) !== true) return { done: true, message: 'deleted' };
  if (children.size === 0) {
    await history.purge(distro);
    const latest = await ctx.objects.get<MaglevDistro>(distroRef(distro), { signal: ctx.signal });
    if (latest !== undefined && latest.metadata.finalizers?.includes(DISTRO_FINALIZER) === true) {
      const finalizers = latest.metadata.finalizers.filter((f) => f !== DISTRO_FINALIZER);
      await ctx.objects.mergePatch(distroRef(distro), { metadata: { finalizers, resourceVersion: latest.metadata.resourceVersion } }, { signal: ctx.signal });
    }
    return { done: true, message: 'every component removed' };
  }
  const level = levels([...children.values()].map((c) => ({ name: c.component, dependsOn: c.dependsOn })));
  const items: WorkItem[] = [...children.values()].map((c) => ({
    component: c.component,
    direction: 'down',
    level: level.get(c.component) ?? 0,
    target: { kind: 'delete' },
    dependsOn: [],
    timeoutMs: Infinity,
  }));
  const s = schedule({ items, children, maxParallel, now: ctx.now() });
  for (const move of s.moves) await deleteChild(ctx, distro, move.component);
  const removing = [...s.items].filter(([, st]) => st.state === 'running').map(([name]) => name).sort();
  const failing = [...children.values()].filter((c) => c.deleting && /UninstallFailed/.test(c.object.status?.conditions?.find((x) => x.type === 'Ready')?.reason ?? ''));
  const parts = [`removing components in reverse order: ${removing.join(', ')}`];
  for (const f of failing) parts.push(`component ${f.component}: uninstall failed: ${f.message}`);
  return { done: false, message: parts.join('; ') };
}
