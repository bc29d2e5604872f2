/**
 * CRDs from the chart's crds/ directories, Helm-style: plain objects applied before anything else, without
 * ownership metadata, never deleted. `Create` creates only the missing ones (Helm's install behaviour);
 * `CreateReplace` also replaces existing ones; `Skip` does nothing. The touched CRDs are then waited for
 * (Established) so the chart's custom resources can be applied right after.
 */
import type { RenderedObject } from '../../render/types.js';
import { targetOf } from '../../runtime/apply.js';
import type { ActionContext, ReleaseRef } from './context.js';
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
  await applyObjects(ctx, todo, policy === 'CreateReplace');
  await waitObjects(ctx, todo, timeoutMs);
  return todo.length;
}
