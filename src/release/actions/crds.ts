/**
 * CRDs from the chart's crds/ directories, Helm-style: plain objects applied before anything else, without
 * ownership metadata, never deleted. `Create` creates only the missing ones (Helm's install behaviour);
 * `CreateReplace` also replaces existing ones; `Skip` does nothing. The touched CRDs are then waited for,
 * within one deadline: Established, and then their kinds served by discovery (the API server reports
 * Established before discovery lists the new group version; on a busy server the gap lasts seconds), so
 * the chart's custom resources can be applied right after.
 */
import type { RenderedObject } from '../../render/types.js';
import { targetOf } from '../../runtime/apply.js';
import { isRecord } from '../../runtime/object.js';
import type { ActionContext, ReleaseRef, ServedKind } from './context.js';
import { prepareAll, renderedObjects, type ReleaseObject } from './objects.js';
import { applyObjects, waitObjects } from './steps.js';

/** What to do with crds/: see the module comment. */
export type CrdPolicy = 'Skip' | 'Create' | 'CreateReplace';

/** Applies the chart's CRDs per `policy` and waits for them; returns how many were written. */
export async function installCrds(
  ctx: ActionContext,
  release: ReleaseRef,
  crds: readonly RenderedObject[],
  policy: CrdPolicy,
  timeoutMs: number,
): Promise<number> {
  if (policy === 'Skip' || crds.length === 0) return 0;
  const prepared = await prepareAll(ctx, release, renderedObjects(crds), false);
  const todo: ReleaseObject[] = [];
  for (const crd of prepared) {
    if (policy === 'CreateReplace' || (await ctx.applier.get(targetOf(crd.object), ctx.call)) === undefined) todo.push(crd);
  }
  if (todo.length === 0) return 0;
  const deadline = ctx.clock.now() + timeoutMs;
  await applyObjects(ctx, todo, policy === 'CreateReplace');
  await waitObjects(ctx, todo, timeoutMs);
  await ctx.applier.awaitServed(todo.flatMap((crd) => servedKinds(crd.object)), Math.max(0, deadline - ctx.clock.now()));
  return todo.length;
}

/** The kinds a CRD object defines: `spec.names.kind` in each version with `served` not false. */
export function servedKinds(crd: unknown): ServedKind[] {
  if (!isRecord(crd) || !isRecord(crd.spec) || !isRecord(crd.spec.names)) return [];
  const { group, names, versions } = crd.spec;
  if (typeof group !== 'string' || typeof names.kind !== 'string' || !Array.isArray(versions)) return [];
  const kind = names.kind;
  return versions.flatMap((v: unknown) =>
    isRecord(v) && typeof v.name === 'string' && v.served !== false ? [{ apiVersion: `${group}/${v.name}`, kind }] : [],
  );
}
