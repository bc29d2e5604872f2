/**
 * Drift: objects of the deployed revision that no longer look as that revision applied them, because
 * somebody edited, scaled or deleted them outside Helm.
 *
 * How an object is checked: read it, then server-side apply the revision's copy of it as a dry run with
 * `force` (what our apply would produce if it took every field back) and compare the two, ignoring
 * status and the bookkeeping metadata (managedFields, resourceVersion, generation). Both sides come from
 * the API server, so defaulting, quantity formats and admission mutations never look like drift, and
 * fields somebody else added without touching ours (an HPA's own annotations, injected sidecars' status)
 * are not drift either. A missing object is drift. A dry run is not a write: nothing is persisted.
 *
 * Correcting drift applies the drifted objects again in Helm's install order, without a new revision: the
 * records still describe the cluster correctly afterwards. Fields somebody changed with an update
 * (`kubectl edit`, `scale`, `patch`: the field moves to their manager) are taken back. Fields another
 * manager server-side APPLIED are a declared claim, and, as in an upgrade, a conflict with them is
 * reported and taken over only with `upgrade.force`. An object opts out with the label or annotation
 * `maglev.io/drift-detection: disabled` in the chart.
 */
import { isDeepStrictEqual } from 'node:util';
import { compareKinds, InstallOrder } from '../render/order.js';
import { isConflict } from '../runtime/api-error.js';
import { targetOf, type TargetRef } from '../runtime/apply.js';
import { DRIFT_DETECTION_KEY, FIELD_MANAGER } from '../constants.js';
import { isRecord, type KubeObject } from '../runtime/object.js';
import { type ActionContext, type ReleaseRef } from './actions/context.js';
import { describe, manifestObjects, prepareStored, type ReleaseObject } from './actions/objects.js';
import { wrap } from './actions/steps.js';
import type { ReleaseRecord } from './record.js';

/** Label or annotation; the value `disabled` keeps an object out of drift detection. */

/** Metadata fields the API server maintains on every write, which are not part of an object's content. */
const BOOKKEEPING = ['managedFields', 'resourceVersion', 'generation'];

/** Most differing paths named per object. */
const MAX_PATHS = 5;

/** Objects checked at once. */
const PARALLEL = 4;

/** One drifted object: gone, or differing at `paths` (`.spec.replicas`, `.data.message`, …). */
export interface DriftedObject {
  ref: TargetRef;
  object: ReleaseObject;
  missing: boolean;
  paths: string[];
  /** The object as read, when it exists. */
  live?: KubeObject;
}

/** What a check found. */
export interface DriftReport {
  /** Objects compared with the cluster. */
  checked: number;
  drifted: DriftedObject[];
}

/** True when the chart opted the object out of drift detection. */
export function driftOptOut(obj: KubeObject): boolean {
  const meta = obj.metadata;
  return meta?.labels?.[DRIFT_DETECTION_KEY] === 'disabled' || meta?.annotations?.[DRIFT_DETECTION_KEY] === 'disabled';
}

/** How many objects of `record` the chart opted out of drift detection. */
export function optedOut(record: ReleaseRecord): number {
  return manifestObjects(record.manifest ?? '').filter((o) => driftOptOut(o.object)).length;
}

/** `obj` without status and bookkeeping metadata: what two reads of an unchanged object agree on. */
export function comparable(obj: KubeObject): Record<string, unknown> {
  const { status: _status, ...rest } = obj as KubeObject & { status?: unknown };
  const metadata: Record<string, unknown> = { ...(obj.metadata ?? {}) };
  for (const key of BOOKKEEPING) delete metadata[key];
  return { ...rest, metadata };
}


/** The paths (`.spec.template.spec.containers[0].image`) where `a` and `b` differ, at most `limit`. */
export function differences(a: unknown, b: unknown, limit = MAX_PATHS, path = ''): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  const out: string[] = [];
  if (isRecord(a) && isRecord(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const at = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      out.push(...differences(a[key], b[key], limit - out.length, at));
      if (out.length >= limit) break;
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length && out.length < limit; i++) out.push(...differences(a[i], b[i], limit - out.length, `${path}[${i}]`));
    return out;
  }
  return [path === '' ? '.' : path];
}

/** Compares each object of `record` with the cluster; see the module comment. API failures are thrown. */
export async function detectDrift(ctx: ActionContext, release: ReleaseRef, record: ReleaseRecord): Promise<DriftReport> {
  const objects = (await prepareStored(ctx, release, manifestObjects(record.manifest ?? ''))).filter((o) => !driftOptOut(o.object));
  const drifted: DriftedObject[] = [];
  const queue = [...objects];
  const check = async (o: ReleaseObject): Promise<void> => {
    const ref = targetOf(o.object);
    try {
      const live = await ctx.applier.get(ref, ctx.call);
      if (live === undefined) {
        drifted.push({ ref, object: o, missing: true, paths: [] });
        return;
      }
      const applied = await ctx.applier.apply(o.object, { ...ctx.call, fieldManager: FIELD_MANAGER, force: true, dryRun: true });
      const paths = differences(comparable(live), comparable(applied));
      if (paths.length > 0) drifted.push({ ref, object: o, missing: false, paths, live });
    } catch (err) {
      throw wrap(err, `check ${describe(ref)} (${o.source}) for drift`);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
      for (let o = queue.shift(); o !== undefined; o = queue.shift()) await check(o);
    }),
  );
  // Report in manifest order, whatever order the checks finished in.
  const order = new Map(objects.map((o, i) => [o, i]));
  drifted.sort((x, y) => (order.get(x.object) ?? 0) - (order.get(y.object) ?? 0));
  return { checked: objects.length, drifted };
}

/** The managers a 409 apply conflict names (`conflict with "kubectl-edit" using v1: .data.x`). */
export function conflictingManagers(err: unknown): string[] {
  const message = err instanceof Error ? err.message : '';
  return [...new Set([...message.matchAll(/conflict with "([^"]+)"/g)].map((m) => m[1] ?? ''))];
}

/** The managers among `managers` that server-side applied fields of `live` (not just updated them). */
function appliers(live: KubeObject | undefined, managers: readonly string[]): string[] {
  const entries = (live?.metadata as { managedFields?: { manager?: string; operation?: string }[] } | undefined)?.managedFields ?? [];
  return managers.filter((m) => entries.some((e) => e.manager === m && e.operation === 'Apply'));
}

/**
 * Applies the drifted objects again in Helm's install order (see the module comment for when fields of
 * other managers are taken back); failures name the object.
 */
export async function correctDrift(ctx: ActionContext, drifted: readonly DriftedObject[], force = false): Promise<void> {
  const ordered = [...drifted].sort((a, b) => compareKinds(a.object.object.kind ?? '', b.object.object.kind ?? '', InstallOrder));
  for (const d of ordered) {
    const what = `apply ${describe(d.ref)} (${d.object.source})`;
    const apply = (withForce: boolean) => ctx.applier.apply(d.object.object, { ...ctx.call, fieldManager: FIELD_MANAGER, force: withForce });
    try {
      await apply(force);
    } catch (err) {
      if (force || !isConflict(err)) throw wrap(err, what);
      const claimed = appliers(d.live, conflictingManagers(err));
      if (claimed.length > 0) {
        throw wrap(err, `${what}: fields are server-side applied by ${claimed.map((m) => `"${m}"`).join(', ')}; set upgrade.force to take them over`);
      }
      try {
        await apply(true);
      } catch (again) {
        throw wrap(again, what);
      }
    }
  }
}

/** `Deployment apps/web (.spec.replicas), ConfigMap apps/cfg (deleted)`, at most `limit` objects named. */
export function describeDrift(drifted: readonly DriftedObject[], limit = 10): string {
  const named = drifted.slice(0, limit).map((d) => `${describe(d.ref)} (${d.missing ? 'deleted' : d.paths.join(', ')})`);
  const more = drifted.length > limit ? ` and ${drifted.length - limit} more` : '';
  return named.join(', ') + more;
}
