/**
 * From stored records to the planner's {@link RecordSummary}: the few fields it decides on, with the
 * digest of the user-supplied values computed the same way as the desired values digest (src/chart).
 */
import { valuesDigest } from '../chart/values.js';
import type { RecordSummary } from './planner.js';
import type { StoredRelease } from './storage.js';

/** The planner's view of one stored revision. */
export function summarizeRecord(stored: StoredRelease): RecordSummary {
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
  if (stored.writtenAtMs !== undefined) summary.writtenAtMs = stored.writtenAtMs;
  return summary;
}
