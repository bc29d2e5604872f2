/**
 * From stored records to the planner's {@link RecordSummary}: the few fields it decides on, with the
 * digest of the user-supplied values computed the same way as the desired values digest (src/chart).
 */
import { valuesDigest } from '../chart/values.js';
import { HookEvent } from '../render/types.js';
import type { RecordSummary } from './planner.js';
import { HookPhase } from './record.js';
import type { StoredRelease } from './storage.js';

/** The planner's view of one stored revision; `ownerUid` (of the HelmRelease planning) marks records stamped by another. */
export function summarizeRecord(stored: StoredRelease, ownerUid?: string): RecordSummary {
  const { record } = stored;
  const summary: RecordSummary = {
    revision: record.version,
    status: record.info.status,
    chartName: record.chart?.metadata?.name ?? '',
    chartVersion: record.chart?.metadata?.version ?? '',
    configDigest: valuesDigest(record.config),
  };
  if (stored.stamp !== undefined) summary.writer = stored.stamp.writer;
  else summary.external = true;
  if (stored.stamp !== undefined && ownerUid !== undefined && stored.stamp.ownerUid !== ownerUid) summary.foreign = true;
  if (stored.writtenAtMs !== undefined) summary.writtenAtMs = stored.writtenAtMs;
  if (record.hooks.some((h) => h.events.includes(HookEvent.Test) && h.last_run.phase === HookPhase.Failed)) summary.testsFailed = true;
  return summary;
}
