/**
 * Building release records from what the operator has in memory: the loaded chart (src/chart) becomes
 * the record's `chart` the way Helm's loader fills it, rendered hooks (src/render) become `hooks`, and
 * {@link newRecord} assembles a revision with Helm's defaults for a new action.
 */
import type { Chart, ChartDependency, ChartFile, Values } from '../chart/types.js';
import { parseYamlSafe } from '../chart/yaml.js';
import { ErrorCode } from '../errors.js';
import type { Hook } from '../render/types.js';
import {
  neverRun,
  type RecordChart,
  type RecordDependency,
  type RecordFile,
  type RecordHook,
  type RecordLock,
  type RecordMetadata,
  type ReleaseRecord,
  type ReleaseStatusValue,
} from './record.js';

function file(f: ChartFile): RecordFile {
  return { name: f.path, data: f.data.toString('base64') };
}

function dependency(d: ChartDependency): RecordDependency {
  const out: RecordDependency = { name: d.name, repository: d.repository ?? '' };
  if (d.version !== undefined) out.version = d.version;
  if (d.condition !== undefined) out.condition = d.condition;
  if (d.tags !== undefined) out.tags = d.tags;
  if (d['import-values'] !== undefined) out['import-values'] = d['import-values'];
  if (d.alias !== undefined) out.alias = d.alias;
  if (d.enabled !== undefined) out.enabled = d.enabled;
  return out;
}

function metadata(chart: Chart): RecordMetadata {
  const { dependencies, maintainers, type, ...rest } = chart.metadata;
  const out: RecordMetadata = { ...rest };
  if (maintainers !== undefined) out.maintainers = maintainers.map((m) => ({ ...m }));
  if (type !== undefined) out.type = type;
  if (dependencies !== undefined) out.dependencies = dependencies.map(dependency);
  return out;
}

/** Chart.lock (or requirements.lock for apiVersion v1 charts) as Helm stores it, when the chart has one. */
function lock(chart: Chart): RecordLock | null {
  const name = chart.metadata.apiVersion === 'v1' ? 'requirements.lock' : 'Chart.lock';
  const raw = chart.raw.find((f) => f.path === name);
  if (raw === undefined) return null;
  const doc = parseYamlSafe(raw.data, `${chart.metadata.name}/${name}`, { code: ErrorCode.ChartInvalid });
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return null;
  const l = doc as Record<string, unknown>;
  const deps = Array.isArray(l.dependencies) ? l.dependencies : [];
  return {
    generated: typeof l.generated === 'string' ? l.generated : '',
    digest: typeof l.digest === 'string' ? l.digest : '',
    dependencies: deps
      .filter((d): d is ChartDependency => d !== null && typeof d === 'object' && typeof (d as { name?: unknown }).name === 'string')
      .map(dependency),
  };
}

/**
 * The `chart` of a release record: metadata, lock, templates, default values (null when the chart has no
 * values.yaml and no dependencies), values.schema.json bytes, and every other file (crds/ included).
 * Subcharts are not stored. Give it the prepared chart (src/chart `prepareChart`), as Helm stores the chart
 * after dependency processing: disabled dependencies dropped from the metadata, import-values rewritten,
 * and values coalesced with the subcharts' defaults.
 */
export function chartRecord(chart: Chart): RecordChart {
  const schema = chart.raw.find((f) => f.path === 'values.schema.json');
  const hasValues = chart.raw.some((f) => f.path === 'values.yaml') || chart.metadata.dependencies !== undefined;
  return {
    metadata: metadata(chart),
    lock: lock(chart),
    templates: chart.templates.map(file),
    values: hasValues ? chart.values : null,
    schema: schema === undefined ? null : schema.data.toString('base64'),
    files: chart.files.map(file),
  };
}

/** The record form of rendered hooks (in the order given), each with an empty `last_run`. */
export function hookRecords(hooks: readonly Hook[]): RecordHook[] {
  return hooks.map((h) => ({
    name: h.name,
    kind: h.kind,
    path: h.source,
    manifest: h.text,
    events: [...h.events],
    last_run: neverRun(),
    weight: h.weight,
    delete_policies: [...h.deletePolicies],
    output_log_policies: [...h.outputLogPolicies],
  }));
}

/** Inputs of {@link newRecord}. */
export interface NewRecordInput {
  name: string;
  namespace: string;
  version: number;
  status: ReleaseStatusValue;
  description: string;
  chart: RecordChart | null;
  /** User-supplied values only (Helm's `config`). */
  config: Values;
  manifest: string;
  hooks: RecordHook[];
  notes: string;
  /** `info.first_deployed` of revision 1, carried forward by upgrades and rollbacks; default `now`. */
  firstDeployed?: string;
  /** RFC 3339 time of this action (see `helmTime`). */
  now: string;
}

/** A new revision as Helm writes it at the start of an action: first/last deployed set, `deleted` empty. */
export function newRecord(input: NewRecordInput): ReleaseRecord {
  return {
    name: input.name,
    info: {
      first_deployed: input.firstDeployed ?? input.now,
      last_deployed: input.now,
      deleted: '',
      description: input.description,
      status: input.status,
      notes: input.notes,
    },
    chart: input.chart,
    config: input.config,
    manifest: input.manifest,
    hooks: input.hooks,
    version: input.version,
    namespace: input.namespace,
  };
}
