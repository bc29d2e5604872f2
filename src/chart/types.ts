/**
 * The in-memory chart model shared by chart loading (src/chart) and rendering (src/render).
 * A chart is never extracted to disk: every file lives here as bytes with a normalised path.
 */

/** A values tree: what values.yaml, `spec.values` and valuesFrom hold. */
export type Values = Record<string, unknown>;

/** One file of a chart; `path` is relative to the chart root, POSIX separators, no `..`. */
export interface ChartFile {
  path: string;
  data: Buffer;
}

/** An entry of Chart.yaml `dependencies`, with Helm's field names. */
export interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
  condition?: string;
  tags?: string[];
  alias?: string;
  'import-values'?: (string | { child: string; parent: string })[];
  /** Set by dependency processing on the entries it keeps, as Helm does (and then stores in the release). */
  enabled?: boolean;
}

/** Chart.yaml, as Helm reads it (apiVersion v2; v1 charts are read for compatibility). */
export interface ChartMetadata {
  apiVersion: string;
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  type?: 'application' | 'library';
  kubeVersion?: string;
  keywords?: string[];
  home?: string;
  sources?: string[];
  icon?: string;
  deprecated?: boolean;
  annotations?: Record<string, string>;
  maintainers?: { name: string; email?: string; url?: string }[];
  dependencies?: ChartDependency[];
}

/** A loaded, validated chart with its subcharts (from charts/), all in memory. */
export interface Chart {
  metadata: ChartMetadata;
  /** Parsed values.yaml (empty object when absent). */
  values: Values;
  /** Parsed values.schema.json, when present. */
  schema?: unknown;
  /** Files under templates/ (partials included). */
  templates: ChartFile[];
  /** Files under crds/ with a .yaml/.yml/.json name, Helm's CRDObjects (never templated). */
  crds: ChartFile[];
  /**
   * Every other non-template file, for `Files` / `.Files`, as Helm's chart.Files: crds/ files (also in
   * `crds`), `.prov` files under charts/ and, for v1 charts, requirements.yaml/lock included; Chart.yaml,
   * values.yaml, values.schema.json, Chart.lock, templates/ and subcharts excluded.
   */
  files: ChartFile[];
  /**
   * Subcharts from charts/ (archives or directories), before conditions/tags are applied. After
   * prepareChart: enabled subcharts only, each named by its alias (metadata.name), every node its own
   * object.
   */
  dependencies: Chart[];
  /** Every file of this chart (subchart files excluded), for repackaging (e.g. for the helm binary). */
  raw: ChartFile[];
}
