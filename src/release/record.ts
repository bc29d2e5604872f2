/**
 * Helm 3 release records, typed with Helm's own JSON field names (helm.sh/helm/v3 pkg/release and
 * pkg/chart), so what the operator stores is what `helm list|history|get|status|rollback` read:
 * `{ name, info, chart, config, manifest, hooks, version, namespace }`. Times are Go RFC 3339 strings with
 * nanoseconds; Helm 3 writes a zero time as "" (Helm 4 omits it), and both are read as "never".
 */
import type { Values } from '../chart/types.js';
import { ReleaseStatus } from '../crds/generated/types.js';

/** Helm's release statuses, shared with the HelmRelease status schema (status.history[].status). */
export { ReleaseStatus };

/** Helm's release statuses (pkg/release/status.go); the value of the Secret's `status` label too. */
export type ReleaseStatusValue = (typeof ReleaseStatus)[keyof typeof ReleaseStatus];

/** Statuses of a release whose action is still under way (Helm's `IsPending`). */
export const PENDING_STATUSES: ReadonlySet<string> = new Set<string>([
  ReleaseStatus.PendingInstall,
  ReleaseStatus.PendingUpgrade,
  ReleaseStatus.PendingRollback,
]);

/** True for pending-install, pending-upgrade and pending-rollback. */
export function isPending(status: string): boolean {
  return PENDING_STATUSES.has(status);
}

/** Phases of a hook's `last_run` (pkg/release/hook.go); '' when the hook never ran. */
export const HookPhase = { Unknown: 'Unknown', Running: 'Running', Succeeded: 'Succeeded', Failed: 'Failed' } as const;

/** One hook phase, or '' (never run, as Helm 3 writes it). */
export type HookPhase = (typeof HookPhase)[keyof typeof HookPhase] | '';

/** A chart file: path relative to the chart root and its bytes in standard base64 (Go `[]byte`). */
export interface RecordFile {
  name: string;
  data: string;
}

/** A Chart.yaml / Chart.lock dependency (pkg/chart/dependency.go); `repository` is always written. */
export interface RecordDependency {
  name: string;
  version?: string;
  repository: string;
  condition?: string;
  tags?: string[];
  enabled?: boolean;
  'import-values'?: unknown[];
  alias?: string;
}

/** Chart.lock as Helm stores it. */
export interface RecordLock {
  generated: string;
  digest: string;
  dependencies: RecordDependency[] | null;
}

/** Chart.yaml as Helm stores it (pkg/chart/metadata.go); every field is omitted when empty. */
export interface RecordMetadata {
  name?: string;
  home?: string;
  sources?: string[];
  version?: string;
  description?: string;
  keywords?: string[];
  maintainers?: { name?: string; email?: string; url?: string }[];
  icon?: string;
  apiVersion?: string;
  condition?: string;
  tags?: string;
  appVersion?: string;
  deprecated?: boolean;
  annotations?: Record<string, string>;
  kubeVersion?: string;
  dependencies?: RecordDependency[];
  type?: string;
}

/** The chart of a release (subcharts are not stored); null fields are written as JSON null. */
export interface RecordChart {
  metadata: RecordMetadata | null;
  lock: RecordLock | null;
  templates: RecordFile[] | null;
  values: Values | null;
  /** values.schema.json bytes in base64, or null. */
  schema: string | null;
  files: RecordFile[] | null;
}

/** The last execution of a hook. */
export interface HookExecution {
  started_at: string;
  completed_at: string;
  phase: HookPhase;
}

/** A hook as stored in the release (hooks are not part of `manifest`). */
export interface RecordHook {
  name: string;
  kind: string;
  /** Template path, e.g. `mychart/templates/job.yaml`. */
  path: string;
  manifest: string;
  events: string[];
  last_run: HookExecution;
  weight: number;
  delete_policies: string[];
  output_log_policies: string[];
}

/** Release information (pkg/release/info.go). */
export interface ReleaseInfo {
  first_deployed: string;
  last_deployed: string;
  deleted: string;
  description: string;
  status: ReleaseStatusValue;
  notes: string;
}

/** One revision of a release, in Helm's JSON shape. `config` holds the user-supplied values only. */
export interface ReleaseRecord {
  name: string;
  info: ReleaseInfo;
  chart: RecordChart | null;
  config: Values;
  manifest: string;
  hooks: RecordHook[];
  version: number;
  namespace: string;
}

/** Go's RFC3339Nano rendering of a UTC instant in milliseconds: fraction without trailing zeros. */
export function helmTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d{3})Z$/, (_m, frac: string) => {
    const trimmed = frac.replace(/0+$/, '');
    return trimmed === '' ? 'Z' : `.${trimmed}Z`;
  });
}

/** Milliseconds since the epoch of a record time, or undefined for "" (never) and unparsable text. */
export function parseHelmTime(text: string): number | undefined {
  if (text === '') return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A hook execution that never happened, as Helm 3 writes it. */
export function neverRun(): HookExecution {
  return { started_at: '', completed_at: '', phase: '' };
}

/** Sets status and description together, like Helm's `Release.SetStatus`; returns a new record. */
export function withStatus(record: ReleaseRecord, status: ReleaseStatusValue, description: string): ReleaseRecord {
  return { ...record, info: { ...record.info, status, description } };
}

/**
 * `record` marked superseded by a newer revision. Helm changes only the status and keeps the description the
 * revision had ("Install complete", "Upgrade complete", "Rollback to 2"), so `helm history` reads the same.
 */
export function superseded(record: ReleaseRecord): ReleaseRecord {
  return withStatus(record, ReleaseStatus.Superseded, record.info.description);
}
