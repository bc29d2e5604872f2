/**
 * Records a finished change as a distro revision: its record Secret (history.ts) and the entry status shows.
 * A deployed revision takes each component from its child as it now runs (chart version, Helm revision,
 * values digest, spec), so it is an exact rollback target; a rolled-back or failed one keeps what the plan
 * tried to deploy, so the history says what failed.
 */
import type { DistroBundle, DistroRevisionStatus, MaglevDistro } from '../../crds/index.js';
import type { ObservedChild } from '../children.js';
import type { DesiredComponent } from '../desired.js';
import type { DistroHistory, DistroRecord } from '../history.js';
import type { BaselineComponent } from '../plan.js';

/** Everything a revision record is built from. */
export interface RevisionInput {
  revision: number;
  version: string;
  status: DistroRevisionStatus;
  planId: string;
  message?: string;
  desired: readonly DesiredComponent[];
  children: ReadonlyMap<string, ObservedChild>;
  /** The distro's spec.bundle, when it uses one. */
  bundle?: DistroBundle;
  at: Date;
}

/** The record of a revision; see the module comment. */
export function revisionRecord(input: RevisionInput): DistroRecord {
  const fromChildren = input.status === 'deployed';
  const components = input.desired.map((d): BaselineComponent => {
    const child = fromChildren ? input.children.get(d.name) : undefined;
    const c: BaselineComponent = {
      name: d.name,
      chartVersion: child?.chartVersion ?? d.version,
      digest: child?.digest ?? d.digest,
      dependsOn: d.dependsOn,
      spec: child?.object.spec ?? d.spec,
    };
    if (d.manual) c.manual = true;
    if (child?.releaseRevision !== undefined) c.releaseRevision = child.releaseRevision;
    if (child?.valuesDigest !== undefined) c.valuesDigest = child.valuesDigest;
    return c;
  });
  const record: DistroRecord = {
    revision: input.revision,
    version: input.version,
    status: input.status,
    deployedAt: input.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    planId: input.planId,
    components,
  };
  if (input.message !== undefined) record.message = input.message;
  if (input.bundle !== undefined) record.bundle = input.bundle;
  return record;
}

/** Writes the revision's record; resolves it. */
export async function recordRevision(history: DistroHistory, distro: MaglevDistro, input: RevisionInput): Promise<DistroRecord> {
  const record = revisionRecord(input);
  await history.write(distro, record);
  return record;
}
