/**
 * The chart tree as rendering sees it: each (sub)chart with its engine (EJS or Helm's Go templates), its
 * Helm name (`parent/charts/child`), its values (own subtree plus `global`), and the groups that render
 * together — all EJS charts in one sandbox job, each connected group of Go-template charts in one helm run.
 */
import type { Chart, ChartFile, Values } from '../chart/types.js';
import { ErrorCode, MaglevError } from '../errors.js';

/** Which template language a chart is written in. */
export type Engine = 'ejs' | 'helm';

/** One chart of the enabled tree. */
export interface ChartNode {
  chart: Chart;
  engine: Engine;
  /** Helm's full chart name: `mychart`, `mychart/charts/db`. */
  name: string;
  /** Path relative to the top chart's root, `''` or `charts/db/`. */
  rel: string;
  values: Values;
  parent: ChartNode | undefined;
  children: ChartNode[];
}

const GO_TEMPLATE = /\.(ya?ml|tpl|txt)$/;

function isTable(v: unknown): v is Values {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function list(files: ChartFile[]): string {
  const names = files.slice(0, 5).map((f) => f.path);
  return names.join(', ') + (files.length > names.length ? `, … (${files.length} files)` : '');
}

/** The engine of one chart; ChartInvalid when templates/ mixes `.ejs` and Go-template files. */
export function chartEngine(chart: Chart, where: string): Engine {
  const ejs = chart.templates.filter((f) => f.path.endsWith('.ejs'));
  if (ejs.length === 0) return 'helm';
  const go = chart.templates.filter((f) => !f.path.endsWith('.ejs') && GO_TEMPLATE.test(f.path));
  if (go.length > 0) {
    throw new MaglevError(
      ErrorCode.ChartInvalid,
      `${where}: templates/ mixes EJS templates (${list(ejs)}) with Go templates (${list(go)}); ` +
        'a chart uses one template language (rename the Go templates to .ejs or move them to a subchart)',
      { terminal: true, where },
    );
  }
  return 'ejs';
}

/** Helm's global coalescing: the parent's globals win over the child's, tables merged. */
export function mergeGlobals(parent: unknown, child: unknown): Values {
  const out: Values = isTable(child) ? { ...child } : {};
  if (!isTable(parent)) return out;
  for (const [k, v] of Object.entries(parent)) {
    const cur = out[k];
    out[k] = isTable(v) && isTable(cur) ? mergeGlobals(v, cur) : v;
  }
  return out;
}

/** A child's values: its subtree of the parent's values, with the parent's `global` merged in. */
export function childValues(parentValues: Values, childName: string): Values {
  const own = parentValues[childName];
  const values: Values = isTable(own) ? { ...own } : {};
  values.global = mergeGlobals(parentValues.global, values.global);
  return values;
}

/** Builds the tree from a prepared chart (enabled subcharts only, aliases applied) and its values. */
export function chartTree(chart: Chart, values: Values): ChartNode {
  const build = (c: Chart, v: Values, name: string, rel: string, parent: ChartNode | undefined): ChartNode => {
    const node: ChartNode = { chart: c, engine: chartEngine(c, rel === '' ? name : rel.slice(0, -1)), name, rel, values: v, parent, children: [] };
    node.children = c.dependencies.map((d) =>
      build(d, childValues(v, d.metadata.name), `${name}/charts/${d.metadata.name}`, `${rel}charts/${d.metadata.name}/`, node),
    );
    return node;
  };
  return build(chart, values, chart.metadata.name, '', undefined);
}

/** Every node, parents before children, children in dependency order. */
export function walk(root: ChartNode): ChartNode[] {
  return [root, ...root.children.flatMap(walk)];
}

/** The Go-template charts that start a helm run: Go charts whose parent is EJS (or that are the top chart). */
export function helmRoots(root: ChartNode): ChartNode[] {
  return walk(root).filter((n) => n.engine === 'helm' && (n.parent === undefined || n.parent.engine === 'ejs'));
}

/** The Go-template descendants rendered in the same helm run as `node` (EJS subtrees cut off). */
export function helmGroup(node: ChartNode): ChartNode[] {
  return [node, ...node.children.filter((c) => c.engine === 'helm').flatMap(helmGroup)];
}
