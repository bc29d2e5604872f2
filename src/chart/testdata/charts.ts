/** Test helper: in-memory Chart objects without archives. */
import type { Chart, ChartDependency, ChartMetadata, Values } from '../types.js';

/** Options for {@link mkChart}. */
export interface MkChart {
  version?: string;
  values?: Values;
  deps?: Chart[];
  requires?: ChartDependency[];
  schema?: unknown;
  metadata?: Partial<ChartMetadata>;
}

/** A chart named `name` with the given values, subcharts and Chart.yaml dependencies. */
export function mkChart(name: string, o: MkChart = {}): Chart {
  const metadata: ChartMetadata = { apiVersion: 'v2', name, version: o.version ?? '1.0.0', ...o.metadata };
  if (o.requires !== undefined) metadata.dependencies = o.requires;
  const chart: Chart = { metadata, values: o.values ?? {}, templates: [], crds: [], files: [], dependencies: o.deps ?? [], raw: [] };
  if (o.schema !== undefined) chart.schema = o.schema;
  return chart;
}
