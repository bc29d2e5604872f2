/**
 * Helm's dependency processing (pkg/chartutil/dependencies.go, ProcessDependenciesWithMerge) and the final
 * values of a release: Chart.yaml dependencies are matched to charts/ by name and version range, aliases
 * rename the chart and its values key, `tags` then `condition` enable or disable each dependency,
 * `import-values` lift child values into the parent below the parent's own values, and user values are
 * coalesced last. Input charts are never modified; the result is a pruned copy.
 */
import { ErrorCode, MaglevError } from '../errors.js';
import { deepCopy, getOwn, isTable } from './objects.js';
import { assertValuesValid, type SchemaLimits } from './schema.js';
import { isCompatibleRange } from './semver.js';
import type { Chart, ChartDependency, Values } from './types.js';
import { coalesceTables, coalesceValues, type WarnFn } from './values.js';

/** Helm's Values.PathValue: the non-table value at a dotted path, or undefined. */
export function pathValue(values: Values, path: string): unknown {
  const parts = path.split('.');
  let cur: unknown = values;
  for (const p of parts.slice(0, -1)) {
    cur = isTable(cur) ? getOwn(cur, p) : undefined;
  }
  const last = parts[parts.length - 1] ?? '';
  const v = isTable(cur) ? getOwn(cur, last) : undefined;
  return isTable(v) ? undefined : v;
}

/** Helm's Values.Table: the table at a dotted path, or undefined. */
export function pathTable(values: Values, path: string): Values | undefined {
  let cur: unknown = values;
  for (const p of path.split('.')) cur = isTable(cur) ? getOwn(cur, p) : undefined;
  return isTable(cur) ? cur : undefined;
}

type Enabled = Map<ChartDependency, boolean>;

function applyTags(reqs: ChartDependency[], enabled: Enabled, cvals: Values): void {
  const tags = getOwn(cvals, 'tags');
  if (!isTable(tags)) return;
  for (const r of reqs) {
    let hasTrue = false;
    let hasFalse = false;
    for (const t of r.tags ?? []) {
      const b = getOwn(tags, t);
      if (b === true) hasTrue = true;
      else if (b === false) hasFalse = true;
    }
    enabled.set(r, !(hasFalse && !hasTrue));
  }
}

function applyConditions(reqs: ChartDependency[], enabled: Enabled, cvals: Values, prefix: string): void {
  for (const r of reqs) {
    for (const cond of (r.condition ?? '').trim().split(',')) {
      const v = cond === '' ? undefined : pathValue(cvals, prefix + cond);
      if (typeof v === 'boolean') {
        enabled.set(r, v);
        break;
      }
    }
  }
}

/**
 * Helm's getAliasDependency: a copy of the first subchart matching the dependency by name and version
 * range, renamed to the alias. Like Go's struct copy, it shares its subcharts and dependency entries.
 */
function aliasCopy(charts: Chart[], req: ChartDependency): Chart | undefined {
  const found = charts.find((c) => c.metadata.name === req.name && isCompatibleRange(req.version, c.metadata.version));
  if (found === undefined) return undefined;
  const name = req.alias !== undefined && req.alias !== '' ? req.alias : found.metadata.name;
  return { ...found, metadata: { ...found.metadata, name } };
}

/**
 * Helm's processDependencyEnabled, on a working tree it may mutate (never the caller's chart). Entries of
 * metadata.dependencies are shared between alias copies of one chart and are renamed to their alias in
 * place, exactly as Helm's pointers are, so charts aliased twice behave as they do in Helm.
 */
function processEnabled(c: Chart, values: Values, path: string): void {
  const reqs = c.metadata.dependencies;
  if (reqs === undefined) return;
  const matched = (ch: Chart): boolean => reqs.some((r) => ch.metadata.name === r.name && isCompatibleRange(r.version, ch.metadata.version));
  const subcharts = c.dependencies.filter((ch) => !matched(ch));
  for (const r of reqs) {
    const copy = aliasCopy(c.dependencies, r);
    if (copy !== undefined) subcharts.push(copy);
    if (r.alias !== undefined && r.alias !== '') r.name = r.alias;
  }
  c.dependencies = subcharts;
  const enabled: Enabled = new Map(reqs.map((r) => [r, true]));
  const cvals = coalesceValues(c, values);
  applyTags(reqs, enabled, cvals);
  applyConditions(reqs, enabled, cvals, path);
  const removed = new Set(reqs.filter((r) => enabled.get(r) === false).map((r) => r.name));
  const kept = c.dependencies.filter((ch) => !removed.has(ch.metadata.name));
  for (const t of kept) processEnabled(t, cvals, `${path}${t.metadata.name}.`);
  c.metadata.dependencies = reqs.filter((r) => !removed.has(r.name));
  for (const r of c.metadata.dependencies) r.enabled = true;
  c.dependencies = kept;
}

function setAtPath(path: string, data: Values): Values {
  if (path === '.') return data;
  return path.split('.').reduceRight<Values>((acc, key) => ({ [key]: acc }), data);
}

/**
 * Helm's processDependencyImportValues (merge mode), children first: child values lifted into the parent,
 * below the parent's own values, and the chart's values replaced by the result (its defaults coalesced with
 * every subchart's, globals included), which is what Helm then stores in the release and what `helm get
 * values --all` shows. Helm rewrites each entry's import-values in place to `{child, parent}` pairs (a
 * string `x` becomes `{child: exports.x, parent: .}`); an entry shared by two alias copies is seen again
 * already rewritten, imports nothing and is left without import-values. `consumed` reproduces that.
 */
function processImports(c: Chart, consumed: WeakSet<ChartDependency>): void {
  for (const d of c.dependencies) processImports(d, consumed);
  const deps = c.metadata.dependencies;
  if (deps === undefined) return;
  const cvals = coalesceValues(c, {}, { merge: true });
  let imported: Values = {};
  for (const d of deps) {
    if (consumed.has(d)) {
      delete d['import-values'];
      continue;
    }
    consumed.add(d);
    if (d['import-values'] === undefined) continue;
    const pairs: { child: string; parent: string }[] = [];
    for (const iv of d['import-values']) {
      const [child, parent] = typeof iv === 'string' ? [`exports.${iv}`, '.'] : [iv.child, iv.parent];
      pairs.push({ child, parent });
      const table = pathTable(cvals, `${d.name}.${child}`);
      if (table !== undefined) imported = coalesceTables(imported, setAtPath(parent, deepCopy(table)), true);
    }
    d['import-values'] = pairs;
  }
  c.values = coalesceTables(deepCopy(cvals), imported, true);
}

/**
 * A copy of a chart tree in which every node, metadata and dependency entry is its own object: the private
 * tree Helm's in-place processing runs on, and the result handed out (alias copies no longer share nodes).
 */
function treeCopy(c: Chart): Chart {
  const metadata = { ...c.metadata };
  if (c.metadata.dependencies !== undefined) metadata.dependencies = c.metadata.dependencies.map((d) => ({ ...d }));
  const copy: Chart = { ...c, metadata, values: deepCopy(c.values), templates: [...c.templates], crds: [...c.crds], files: [...c.files], raw: [...c.raw] };
  copy.dependencies = c.dependencies.map(treeCopy);
  return copy;
}

/** Options for {@link prepareChart}. */
export interface PrepareOptions {
  /** Receives Helm's coalescing warnings for the final values. */
  warn?: WarnFn;
  /** Skip values.schema.json validation (Helm's --skip-schema-validation). Default false. */
  skipSchemaValidation?: boolean;
  /** Caps for schemas (default 1 MiB, depth 50). */
  schemaLimits?: SchemaLimits;
  /** The cluster's Kubernetes version (e.g. "v1.30.2"), checked against the chart's kubeVersion. */
  kubeVersion?: string;
}

/** The chart as it will be rendered, and its final values. */
export interface PreparedChart {
  /** Enabled subcharts only, aliases applied (metadata.name is the alias), import-values folded in. */
  chart: Chart;
  /** Fully coalesced values: the top chart's, with each subchart's subtree (and `global`) under its name. */
  values: Values;
}

/** Helm's CheckDependencies: every dependency declared in Chart.yaml must be present in charts/. */
export function checkDependencies(chart: Chart, where = chart.metadata.name): void {
  const missing = (chart.metadata.dependencies ?? []).filter((d) => !chart.dependencies.some((c) => c.metadata.name === d.name));
  if (missing.length > 0) {
    const names = missing.map((d) => d.name).join(', ');
    throw new MaglevError(ErrorCode.ChartInvalid, `${where}/Chart.yaml: dependencies ${names} are declared but missing from charts/ (package the chart with its dependencies, e.g. helm dependency build)`, { where: `${where}/Chart.yaml`, terminal: true });
  }
}

/**
 * Helm's install-time checks on the top chart: a library chart is not installable, and the chart's
 * kubeVersion range (when both are known) must accept the cluster's version.
 */
export function checkInstallable(chart: Chart, kubeVersion?: string): void {
  const where = `${chart.metadata.name}/Chart.yaml`;
  if (chart.metadata.type === 'library') {
    throw new MaglevError(ErrorCode.ChartInvalid, `${where}: library charts are not installable (type: library)`, { where, terminal: true });
  }
  const wanted = chart.metadata.kubeVersion;
  if (wanted === undefined || wanted === '' || kubeVersion === undefined) return;
  if (!isCompatibleRange(wanted, kubeVersion)) {
    throw new MaglevError(ErrorCode.ChartInvalid, `${where}: chart requires kubeVersion: ${wanted} which is incompatible with Kubernetes ${kubeVersion}`, { where, terminal: true });
  }
}

/**
 * From a loaded chart and the user's values to what a renderer needs: checks the chart is installable and
 * its declared dependencies present, prunes disabled subcharts, applies aliases and import-values,
 * coalesces user values and validates every values.schema.json (ValuesInvalid listing every violation).
 */
export function prepareChart(chart: Chart, userValues: Values | undefined, opts: PrepareOptions = {}): PreparedChart {
  checkInstallable(chart, opts.kubeVersion);
  checkDependencies(chart);
  const user = userValues ?? {};
  const work = treeCopy(chart);
  processEnabled(work, user, '');
  processImports(work, new WeakSet());
  const values = deepCopy(coalesceValues(work, user, { warn: opts.warn ?? (() => undefined) }));
  if (opts.skipSchemaValidation !== true) assertValuesValid(work, values, opts.schemaLimits);
  return { chart: treeCopy(work), values };
}
