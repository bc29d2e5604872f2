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

interface Req {
  dep: ChartDependency;
  enabled: boolean;
}

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

function applyTags(reqs: Req[], cvals: Values, warn: WarnFn): void {
  const tags = getOwn(cvals, 'tags');
  if (!isTable(tags)) return;
  for (const r of reqs) {
    let hasTrue = false;
    let hasFalse = false;
    for (const t of r.dep.tags ?? []) {
      const b = getOwn(tags, t);
      if (b === undefined) continue;
      if (typeof b !== 'boolean') warn(`Warning: Tag '${t}' for chart ${r.dep.name} returned non-bool value`);
      else if (b) hasTrue = true;
      else hasFalse = true;
    }
    r.enabled = !(hasFalse && !hasTrue);
  }
}

function applyConditions(reqs: Req[], cvals: Values, prefix: string, warn: WarnFn): void {
  for (const r of reqs) {
    for (const cond of (r.dep.condition ?? '').trim().split(',')) {
      if (cond === '') continue;
      const v = pathValue(cvals, prefix + cond);
      if (typeof v === 'boolean') {
        r.enabled = v;
        break;
      }
      if (v !== undefined) warn(`Warning: Condition path '${cond}' for chart ${r.dep.name} returned non-bool value`);
    }
  }
}

function withName(chart: Chart, name: string): Chart {
  return { ...chart, metadata: { ...chart.metadata, name } };
}

/** Matches Chart.yaml dependencies to subcharts and applies aliases (Helm's getAliasDependency). */
function resolveDependencies(chart: Chart, deps: ChartDependency[]): Chart[] {
  const matches = (c: Chart, d: ChartDependency): boolean => c.metadata.name === d.name && isCompatibleRange(d.version, c.metadata.version);
  const out = chart.dependencies.filter((c) => !deps.some((d) => matches(c, d)));
  for (const d of deps) {
    const found = chart.dependencies.find((c) => matches(c, d));
    if (found) out.push(withName(found, d.alias !== undefined && d.alias !== '' ? d.alias : found.metadata.name));
  }
  return out;
}

function processEnabled(chart: Chart, values: Values, path: string): Chart {
  const declared = chart.metadata.dependencies;
  if (declared === undefined) return chart;
  const subcharts = resolveDependencies(chart, declared);
  const reqs: Req[] = declared.map((d) => ({ dep: { ...d, name: d.alias !== undefined && d.alias !== '' ? d.alias : d.name }, enabled: true }));
  const cvals = coalesceValues({ ...chart, dependencies: subcharts }, values);
  const quiet: WarnFn = () => undefined;
  applyTags(reqs, cvals, quiet);
  applyConditions(reqs, cvals, path, quiet);
  const removed = new Set(reqs.filter((r) => !r.enabled).map((r) => r.dep.name));
  const kept = subcharts.filter((c) => !removed.has(c.metadata.name));
  return {
    ...chart,
    metadata: { ...chart.metadata, dependencies: reqs.filter((r) => !removed.has(r.dep.name)).map((r) => r.dep) },
    dependencies: kept.map((c) => processEnabled(c, cvals, `${path}${c.metadata.name}.`)),
  };
}

function setAtPath(path: string, data: Values): Values {
  if (path === '.') return data;
  return path.split('.').reduceRight<Values>((acc, key) => ({ [key]: acc }), data);
}

/** Helm's processImportValues (merge mode): child values lifted into the parent, below its own values. */
function processImports(chart: Chart): Chart {
  const children = chart.dependencies.map(processImports);
  const withChildren: Chart = { ...chart, dependencies: children };
  const deps = chart.metadata.dependencies;
  if (deps === undefined) return withChildren;
  const cvals = coalesceValues(withChildren, {}, { merge: true });
  let imported: Values = {};
  for (const d of deps) {
    for (const iv of d['import-values'] ?? []) {
      const [child, parent] = typeof iv === 'string' ? [`exports.${iv}`, '.'] : [iv.child, iv.parent];
      const table = pathTable(cvals, `${d.name}.${child}`);
      if (table === undefined) continue;
      imported = coalesceTables(imported, setAtPath(parent, deepCopy(table)), true);
    }
  }
  return { ...withChildren, values: coalesceTables(deepCopy(cvals), imported, true) };
}

/** Options for {@link prepareChart}. */
export interface PrepareOptions {
  /** Receives Helm's coalescing warnings for the final values. */
  warn?: WarnFn;
  /** Skip values.schema.json validation (Helm's --skip-schema-validation). Default false. */
  skipSchemaValidation?: boolean;
  /** Caps for schemas (default 1 MiB, depth 50). */
  schemaLimits?: SchemaLimits;
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
 * From a loaded chart and the user's values to what a renderer needs: checks declared dependencies are
 * present, prunes disabled subcharts, applies aliases and import-values, coalesces user values, and
 * validates them against every values.schema.json (ValuesInvalid listing every violation).
 */
export function prepareChart(chart: Chart, userValues: Values | undefined, opts: PrepareOptions = {}): PreparedChart {
  checkDependencies(chart);
  const user = userValues ?? {};
  const enabled = processEnabled(chart, user, '');
  const imported = processImports(enabled);
  const values = deepCopy(coalesceValues(imported, user, { warn: opts.warn ?? (() => undefined) }));
  if (opts.skipSchemaValidation !== true) assertValuesValid(imported, values, opts.schemaLimits);
  return { chart: imported, values };
}
