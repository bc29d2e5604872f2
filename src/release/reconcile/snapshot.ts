/**
 * The release part of HelmRelease status, derived only from the stored records (so it always says what
 * `helm history` and `helm status` say): the deployed revision, its chart, app version, values digest and
 * inventory (the objects of its manifest), and the history newest first, bounded by maxHistory. Fields
 * with nothing to show are undefined, which removes them from status.
 */
import { createHash } from 'node:crypto';
import { valuesDigest } from '../../chart/values.js';
import type { HelmReleaseStatus, InventoryEntry, ReleaseAction, ReleaseSnapshot } from '../../crds/generated/types.js';
import { targetOf } from '../../runtime/apply.js';
import type { ActionContext, ReleaseRef } from '../actions/context.js';
import { manifestObjects, prepareStored } from '../actions/objects.js';
import { ReleaseStatus, type ReleaseRecord } from '../record.js';
import type { StoredRelease } from '../storage.js';

/** The status fields {@link releaseStatus} owns. */
export type ReleaseStatusFields = Pick<
  HelmReleaseStatus,
  'releaseName' | 'releaseNamespace' | 'releaseRevision' | 'chartName' | 'chartVersion' | 'appVersion' | 'valuesDigest' | 'inventory' | 'history'
>;

/** The action that wrote a revision, from Helm's descriptions (a superseded revision: install for v1). */
export function recordAction(record: ReleaseRecord): ReleaseAction {
  const d = record.info.description;
  if (/^Rollback (to \d+|")/.test(d)) return 'rollback';
  if (/^(Upgrade |Preparing upgrade)/.test(d)) return 'upgrade';
  if (/^(Install complete|Initial install underway|Release ".*" failed)/.test(d)) return 'install';
  return record.version === 1 ? 'install' : 'upgrade';
}

/** The newest deployed revision, if any. */
export function deployedOf(history: readonly StoredRelease[]): StoredRelease | undefined {
  return history.filter((s) => s.record.info.status === ReleaseStatus.Deployed).at(-1);
}

function snapshot(s: StoredRelease): ReleaseSnapshot {
  const { record } = s;
  const out: ReleaseSnapshot = {
    revision: record.version,
    status: record.info.status,
    action: recordAction(record),
    valuesDigest: valuesDigest(record.config),
    digest: `sha256:${createHash('sha256').update(s.secret.release).digest('hex')}`,
  };
  const meta = record.chart?.metadata;
  if (meta?.version !== undefined) out.chartVersion = meta.version;
  if (meta?.appVersion !== undefined) out.appVersion = meta.appVersion;
  if (record.info.first_deployed !== '') out.firstDeployed = record.info.first_deployed;
  if (record.info.last_deployed !== '') out.lastDeployed = record.info.last_deployed;
  return out;
}

/** The objects of a manifest as inventory entries (namespaced kinds in the release namespace). */
export async function inventoryOf(ctx: ActionContext, release: ReleaseRef, manifest: string): Promise<InventoryEntry[]> {
  const objects = await prepareStored(ctx, release, manifestObjects(manifest), false);
  return objects.map(({ object }) => {
    const t = targetOf(object);
    const entry: InventoryEntry = { apiVersion: t.apiVersion, kind: t.kind, name: t.name };
    if (t.namespace !== '') entry.namespace = t.namespace;
    return entry;
  });
}

/** The release status fields of `history` (oldest first, as storage returns it); see the module comment. */
export async function releaseStatus(ctx: ActionContext, release: ReleaseRef, history: readonly StoredRelease[], maxHistory: number): Promise<ReleaseStatusFields> {
  const deployed = deployedOf(history)?.record;
  const newest = [...history].reverse();
  const kept = maxHistory > 0 ? newest.slice(0, maxHistory) : newest;
  const meta = deployed?.chart?.metadata;
  return {
    releaseName: release.name,
    releaseNamespace: release.namespace,
    releaseRevision: deployed?.version,
    chartName: meta?.name,
    chartVersion: meta?.version,
    appVersion: meta?.appVersion,
    valuesDigest: deployed === undefined ? undefined : valuesDigest(deployed.config),
    inventory: deployed === undefined ? undefined : await inventoryOf(ctx, release, deployed.manifest),
    history: kept.length === 0 ? undefined : kept.map(snapshot),
  };
}
